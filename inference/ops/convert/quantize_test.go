package convert_test

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/convert"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	convert.Register(r)
	return r
}

// spec describes one tensor of a single-operator test model.
type spec struct {
	dt    tensor.DType
	shape []int
	q     *builder.Quant
}

// unary builds a model with one operator from in to out.
func unary(code builder.Code, in, out spec, opts builder.Options) *builder.Builder {
	b := builder.New()
	i := b.Tensor("in", in.dt, in.shape, in.q)
	o := b.Tensor("out", out.dt, out.shape, out.q)
	b.Op(code, []int{i}, []int{o}, opts)
	b.Inputs(i)
	b.Outputs(o)
	return b
}

func run[I int8 | uint8 | int16 | int32 | int64 | float32 | bool](t *testing.T, b *builder.Builder, input []I) *inference.Interpreter {
	t.Helper()
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), input)
	opstest.Invoke(t, it)
	return it
}

func wantError(t *testing.T, b *builder.Builder, op string, words ...string) {
	t.Helper()
	_, err := opstest.TryBuild(b, resolver())
	if err == nil {
		t.Fatalf("TryBuild succeeded, want an error mentioning %s %q", op, words)
	}
	msg := err.Error()
	if !strings.Contains(msg, op) {
		t.Errorf("error %q does not name %s", msg, op)
	}
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
}

func TestQuantizeFloatToInt8(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	b := unary(builder.Quantize, spec{tensor.Float32, []int{1, 11}, nil},
		spec{tensor.Int8, []int{1, 11}, builder.PerTensor(0.25, -1)}, builder.QuantizeOptions{})
	it := run(t, b, []float32{0.5, 0.125, -0.125, 0.375, -0.375, 100, -100, 0, nan, inf, -inf})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{
		1,    // 0.5/0.25 = 2, + zp -1
		0,    // 0.5 rounds away from zero to 1
		-2,   // -0.5 rounds to -1
		1,    // 1.5 -> 2
		-3,   // -1.5 -> -2
		127,  // 400 saturates
		-128, // -400 saturates
		-1,   // zero point
		-1,   // NaN: zero point (defined here)
		127,  // +Inf saturates
		-128, // -Inf saturates
	})
}

// TestQuantizeDividesInFloat32 checks that x/scale is computed in float32
// as TFLite's AffineQuantize does: 0.25f/0.1f rounds to exactly 2.5f,
// which rounds to 3, whereas the double quotient 2.49999996 would give 2.
func TestQuantizeDividesInFloat32(t *testing.T) {
	b := unary(builder.Quantize, spec{tensor.Float32, []int{3}, nil},
		spec{tensor.Int8, []int{3}, builder.PerTensor(0.1, 0)}, builder.QuantizeOptions{})
	it := run(t, b, []float32{0.25, 0.35, -0.25})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{3, 4, -3})
}

func TestQuantizeFloatToInt16AndUint8(t *testing.T) {
	in := []float32{1, -1, 0.0078125, 1000, -1000, 0.00390625}
	b := unary(builder.Quantize, spec{tensor.Float32, []int{2, 3}, nil},
		spec{tensor.Int16, []int{2, 3}, builder.PerTensor(1.0/128, 0)}, builder.QuantizeOptions{})
	it := run(t, b, in)
	// 128, -128, 1, saturation at both ends, 0.5 -> 1.
	opstest.Equal(t, "int16", it.Output(0).Int16(), []int16{128, -128, 1, 32767, -32768, 1})

	b = unary(builder.Quantize, spec{tensor.Float32, []int{2, 3}, nil},
		spec{tensor.Uint8, []int{2, 3}, builder.PerTensor(0.5, 128)}, builder.QuantizeOptions{})
	it = run(t, b, []float32{1, -1, 0.25, 1000, -1000, -0.25})
	// 2+128, -2+128, 0.5 -> 1, 255, 0, -0.5 -> -1.
	opstest.Equal(t, "uint8", it.Output(0).Uint8(), []uint8{130, 126, 129, 255, 0, 127})
}

func TestQuantizeFloatPerChannel(t *testing.T) {
	q := &builder.Quant{Scale: []float32{0.5, 2}, ZeroPoint: []int64{0, 10}, Dim: 1}
	b := unary(builder.Quantize, spec{tensor.Float32, []int{2, 2, 2}, nil},
		spec{tensor.Int8, []int{2, 2, 2}, q}, builder.QuantizeOptions{})
	it := run(t, b, []float32{1, 2, 4, 8, -1, -2, -4, -8})
	// Channel = index along dimension 1: pairs alternate 0, 1, 0, 1.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{2, 4, 12, 14, -2, -4, 8, 6})
}

func requantModel(inT tensor.DType, inQ *builder.Quant, outT tensor.DType, outQ *builder.Quant, n int) *builder.Builder {
	return unary(builder.Quantize, spec{inT, []int{n}, inQ}, spec{outT, []int{n}, outQ}, builder.QuantizeOptions{})
}

func TestRequantizeInt8(t *testing.T) {
	t.Run("ratio 2", func(t *testing.T) {
		b := requantModel(tensor.Int8, builder.PerTensor(0.5, 1), tensor.Int8, builder.PerTensor(0.25, -3), 5)
		it := run(t, b, []int8{1, 11, -9, 100, -100})
		// 2*(x-1) - 3, saturated.
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-3, 17, -23, 127, -128})
	})
	t.Run("ratio 1/4 rounds twice", func(t *testing.T) {
		b := requantModel(tensor.Int8, builder.PerTensor(1, 0), tensor.Int8, builder.PerTensor(4, 0), 6)
		it := run(t, b, []int8{8, 6, 5, -5, -6, 127})
		// 0.25 is the multiplier 2^30 (one half) with shift -1: the high
		// multiplication rounds x/2 (ties up: -2.5 gives -2), then the
		// shift rounds again (ties away from zero). So 5/4 = 1.25 becomes
		// round(2.5 -> 3, /2) = 2, but -5/4 becomes (-2.5 -> -2)/2 = -1;
		// -6/4 = (-3)/2 = -1.5 -> -2. This is TFLite's double rounding.
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{2, 2, 2, -1, -2, 32})
	})
	t.Run("to uint8", func(t *testing.T) {
		b := requantModel(tensor.Int8, builder.PerTensor(1, 0), tensor.Uint8, builder.PerTensor(1, 128), 4)
		it := run(t, b, []int8{-128, -1, 0, 127})
		opstest.Equal(t, "output", it.Output(0).Uint8(), []uint8{0, 127, 128, 255})
	})
	t.Run("from uint8", func(t *testing.T) {
		b := requantModel(tensor.Uint8, builder.PerTensor(1, 128), tensor.Int8, builder.PerTensor(2, 0), 4)
		it := run(t, b, []uint8{0, 127, 129, 255})
		// (x-128)/2 in one rounding high multiplication, whose ties go
		// up: -64, -0.5 -> 0, 0.5 -> 1, 63.5 -> 64.
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-64, 0, 1, 64})
	})
	t.Run("to int16 and int32", func(t *testing.T) {
		b := requantModel(tensor.Int8, builder.PerTensor(1, -1), tensor.Int16, builder.PerTensor(1.0/256, 5), 3)
		it := run(t, b, []int8{-1, 127, -128})
		// (x+1)*256 + 5: 5, 128*256+5 saturates, -127*256+5 = -32507.
		opstest.Equal(t, "int16", it.Output(0).Int16(), []int16{5, 32767, -32507})
		b = requantModel(tensor.Int8, builder.PerTensor(1, 0), tensor.Int32, builder.PerTensor(1.0/65536, 0), 2)
		it = run(t, b, []int8{127, -128})
		opstest.Equal(t, "int32", it.Output(0).Int32(), []int32{127 << 16, -128 << 16})
	})
}

func TestRequantizeInt16(t *testing.T) {
	// keyword_scrambled: INT16 -> INT8 and INT16 -> INT32.
	t.Run("to int8", func(t *testing.T) {
		b := requantModel(tensor.Int16, builder.PerTensor(1.0/256, 0), tensor.Int8, builder.PerTensor(1.0/16, 2), 6)
		it := run(t, b, []int16{256, 8, 7, -8, 32767, -32768})
		// x/16 + 2, where 1/16 is the multiplier one half with shift -3:
		// 256 -> 16+2; 8 -> 0.5 -> 1, +2 = 3; 7 -> round(3.5 -> 4, /8) = 1,
		// +2 = 3 (double rounding: the exact 0.4375 would give 0);
		// -8 -> (-4.5 -> -4)/8 = -0.5 -> -1, +2 = 1; saturation at both ends.
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{18, 3, 3, 1, 127, -128})
	})
	t.Run("to int32", func(t *testing.T) {
		b := requantModel(tensor.Int16, builder.PerTensor(0.5, 0), tensor.Int32, builder.PerTensor(0.125, 7), 3)
		it := run(t, b, []int16{1, -32768, 32767})
		opstest.Equal(t, "output", it.Output(0).Int32(), []int32{11, -131072 + 7, 131068 + 7})
	})
	t.Run("to int16", func(t *testing.T) {
		b := requantModel(tensor.Int16, builder.PerTensor(3, 0), tensor.Int16, builder.PerTensor(1, 0), 3)
		it := run(t, b, []int16{100, -100, 20000})
		opstest.Equal(t, "output", it.Output(0).Int16(), []int16{300, -300, 32767})
	})
}

func TestRequantizeInt32ToInt16(t *testing.T) {
	b := requantModel(tensor.Int32, builder.PerTensor(1.0/1024, 0), tensor.Int16, builder.PerTensor(1, 0), 4)
	it := run(t, b, []int32{1024 * 100, 512, -512, math.MaxInt32})
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{100, 1, -1, 32767})
}

func TestQuantizeSeanet(t *testing.T) {
	opstest.CheckSeanet(t, "quantize", resolver())
}

func TestQuantizePrepareRefusals(t *testing.T) {
	t.Run("float to int32", func(t *testing.T) {
		wantError(t, requantModel(tensor.Float32, nil, tensor.Int32, builder.PerTensor(1, 0), 2), "QUANTIZE", "INT32")
	})
	t.Run("bool input", func(t *testing.T) {
		wantError(t, requantModel(tensor.Bool, nil, tensor.Int8, builder.PerTensor(1, 0), 2), "QUANTIZE", "BOOL")
	})
	t.Run("float output", func(t *testing.T) {
		wantError(t, requantModel(tensor.Int8, builder.PerTensor(1, 0), tensor.Float32, nil, 2), "QUANTIZE", "FLOAT32")
	})
	t.Run("output not quantized", func(t *testing.T) {
		wantError(t, requantModel(tensor.Float32, nil, tensor.Int8, nil, 2), "QUANTIZE", "not quantized")
	})
	t.Run("input not quantized", func(t *testing.T) {
		wantError(t, requantModel(tensor.Int16, nil, tensor.Int8, builder.PerTensor(1, 0), 2), "QUANTIZE", "not quantized")
	})
	t.Run("per-channel requantization", func(t *testing.T) {
		wantError(t, requantModel(tensor.Int8, builder.PerTensor(1, 0), tensor.Int8, builder.PerChannel(0, 1, 2), 2), "QUANTIZE", "per channel")
	})
	t.Run("shape", func(t *testing.T) {
		b := unary(builder.Quantize, spec{tensor.Float32, []int{2, 3}, nil},
			spec{tensor.Int8, []int{3, 2}, builder.PerTensor(1, 0)}, builder.QuantizeOptions{})
		wantError(t, b, "QUANTIZE", "shape")
	})
	t.Run("huge ratio", func(t *testing.T) {
		wantError(t, requantModel(tensor.Int8, builder.PerTensor(1e10, 0), tensor.Int8, builder.PerTensor(1, 0), 2), "QUANTIZE", "too large")
	})
}
