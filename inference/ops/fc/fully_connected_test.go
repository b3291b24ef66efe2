package fc_test

import (
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/fc"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	fc.Register(r)
	return r
}

// TFLite Micro's fully_connected_test "SimpleTest" shape: 2 batches of 10, 3 units.
var (
	fcInput = []float32{
		1, 2, 3, 4, 5, 6, 7, 8, -9, -10, // b = 0
		1, 2, 3, 4, 5, 6, 7, -8, 9, -10, // b = 1
	}
	fcWeights = []float32{
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, // u = 0
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, // u = 1
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, // u = 2
	}
	fcBias = []float32{1, 2, 3}
	// 1+4+9+16+25+36+49+64-81-100 = 23; 1+4+...+49-64+81-100 = 57
	fcWant = []float32{24, 25, 26, 58, 59, 60}
)

func TestFloat(t *testing.T) {
	for _, tc := range []struct {
		name string
		act  builder.Activation
		in   []float32
		want []float32
	}{
		{"none", builder.ActNone, fcInput, fcWant},
		{"relu clamps negatives", builder.ActRelu, negate(fcInput), []float32{0, 0, 0, 0, 0, 0}},
		{"relu6", builder.ActRelu6, fcInput, []float32{6, 6, 6, 6, 6, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := builder.New()
			in := b.Tensor("in", tensor.Float32, []int{2, 10}, nil)
			w := b.Const("w", tensor.Float32, []int{3, 10}, nil, fcWeights)
			bias := b.Const("bias", tensor.Float32, []int{3}, nil, fcBias)
			out := b.Tensor("out", tensor.Float32, []int{2, 3}, nil)
			b.Op(builder.FullyConnected, []int{in, w, bias}, []int{out}, builder.FullyConnectedOptions{FusedActivationFunction: tc.act})
			b.Inputs(in)
			b.Outputs(out)
			it := opstest.Build(t, b, resolver())
			opstest.Set(t, it.Input(0), tc.in)
			opstest.Invoke(t, it)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 1e-5)
		})
	}
}

func negate(v []float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = -x
	}
	return out
}

func TestFloatWithoutBias(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
	w := b.Const("w", tensor.Float32, []int{2, 2}, nil, []float32{1, 2, 3, 4})
	out := b.Tensor("out", tensor.Float32, []int{1, 2}, nil)
	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), []float32{0.5, -1})
	opstest.Invoke(t, it)
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{0.5 - 2, 1.5 - 4}, 1e-6)
}

// TestInt8 uses scales that make the requantization exact (input 0.5,
// weights 1, bias 0.5, output 1), so the expected values are the float
// results shifted by the output zero point.
func TestInt8(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{2, 10}, builder.PerTensor(0.5, -1))
	w := b.Const("w", tensor.Int8, []int{3, 10}, builder.PerTensor(1, 0), []int8{
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	})
	bias := b.Const("bias", tensor.Int32, []int{3}, builder.PerTensor(0.5, 0), []int32{2, 4, 6}) // 1, 2, 3 in real terms
	out := b.Tensor("out", tensor.Int8, []int{2, 3}, builder.PerTensor(1, -64))
	b.Op(builder.FullyConnected, []int{in, w, bias}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), opstest.QuantizeInt8(fcInput, 0.5, -1))
	opstest.Invoke(t, it)
	// Real outputs 24, 25, 26, 58, 59, 60 plus the zero point -64.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-40, -39, -38, -6, -5, -4})
}

func TestInt8PerChannelRoundingAndSaturation(t *testing.T) {
	// Two output channels with different filter scales; the second
	// saturates at the int8 maximum, the first needs rounding: the
	// accumulator 3 * (0.25 * 1 / 1) = 0.75 rounds to 1.
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{1, 3}, builder.PerTensor(0.25, 0))
	w := b.Const("w", tensor.Int8, []int{2, 3}, builder.PerChannel(0, 1, 100), []int8{1, 1, 1, 127, 127, 127})
	out := b.Tensor("out", tensor.Int8, []int{1, 2}, builder.PerTensor(1, 0))
	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), []int8{1, 1, 1})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{1, 127})
}

func TestInt16(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int16, []int{2, 10}, builder.PerTensor(0.5, 0))
	w := b.Const("w", tensor.Int8, []int{3, 10}, builder.PerChannel(0, 1, 1, 1), []int8{
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	})
	bias := b.Const("bias", tensor.Int64, []int{3}, builder.PerTensor(0.5, 0), []int64{2, 4, 6})
	out := b.Tensor("out", tensor.Int16, []int{2, 3}, builder.PerTensor(0.25, 0))
	b.Op(builder.FullyConnected, []int{in, w, bias}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), opstest.QuantizeInt16(fcInput, 0.5, 0))
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{96, 100, 104, 232, 236, 240})
}

func TestPrepareRefusesBadShapes(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 3}, nil)
	w := b.Const("w", tensor.Float32, []int{2, 4}, nil, make([]float32, 8))
	out := b.Tensor("out", tensor.Float32, []int{1, 2}, nil)
	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	_, err := opstest.TryBuild(b, resolver())
	if err == nil || !strings.Contains(err.Error(), "FULLY_CONNECTED") || !strings.Contains(err.Error(), "elements") {
		t.Fatalf("TryBuild = %v, want an error about the input size", err)
	}
}

func TestPrepareRefusesMixedTypes(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
	w := b.Const("w", tensor.Int8, []int{2, 2}, builder.PerTensor(1, 0), []int8{1, 2, 3, 4})
	out := b.Tensor("out", tensor.Float32, []int{1, 2}, nil)
	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	if _, err := opstest.TryBuild(b, resolver()); err == nil || !strings.Contains(err.Error(), "INT8") {
		t.Fatalf("TryBuild = %v, want a type error", err)
	}
}
