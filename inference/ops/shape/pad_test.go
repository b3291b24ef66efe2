package shape_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestPadSeanet(t *testing.T) {
	opstest.CheckSeanet(t, "pad", resolver())
}

// in [1, 2, 2, 1] = [[1 2] [3 4]], paddings (0,0) (1,1) (0,1) (0,0):
//
//	0 0 0
//	1 2 0
//	3 4 0
//	0 0 0
func TestPadFloat(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2, 2, 1}, nil)
	pads := b.Const("pads", tensor.Int32, []int{4, 2}, nil, []int32{0, 0, 1, 1, 0, 1, 0, 0})
	out := b.Tensor("out", tensor.Float32, []int{1, 4, 3, 1}, nil)
	b.Op(builder.Pad, []int{in, pads}, []int{out}, builder.PadOptions{})
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []float32{1, 2, 3, 4})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Float32(), []float32{
		0, 0, 0,
		1, 2, 0,
		3, 4, 0,
		0, 0, 0,
	})
}

// Quantized int8 pads with the output zero point, the quantized real 0.
func TestPadInt8ZeroPoint(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{2, 2}, builder.PerTensor(0.1, -5))
	pads := b.Const("pads", tensor.Int64, []int{2, 2}, nil, []int64{1, 0, 0, 2})
	out := b.Tensor("out", tensor.Int8, []int{3, 4}, builder.PerTensor(0.1, -5))
	b.Op(builder.Pad, []int{in, pads}, []int{out}, nil)
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []int8{-128, 127, 0, 1})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{
		-5, -5, -5, -5,
		-128, 127, -5, -5,
		0, 1, -5, -5,
	})
}

func TestPadInt16AndUint8ZeroPoints(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int16, []int{2}, builder.PerTensor(0.001, 0))
	pads := b.Const("pads", tensor.Int32, []int{1, 2}, nil, []int32{2, 1})
	out := b.Tensor("out", tensor.Int16, []int{5}, builder.PerTensor(0.001, 0))
	b.Op(builder.Pad, []int{in, pads}, []int{out}, nil)
	in8 := b.Tensor("in8", tensor.Uint8, []int{1}, builder.PerTensor(0.5, 128))
	out8 := b.Tensor("out8", tensor.Uint8, []int{3}, builder.PerTensor(0.5, 128))
	pads8 := b.Const("pads8", tensor.Int32, []int{1, 2}, nil, []int32{1, 1})
	b.Op(builder.Pad, []int{in8, pads8}, []int{out8}, nil)
	it := build(t, b, []int{in, in8}, []int{out, out8})
	opstest.Set(t, it.Input(0), []int16{-32768, 32767})
	opstest.Set(t, it.Input(1), []uint8{7})
	opstest.Invoke(t, it)
	opstest.Equal(t, "int16 output", it.Output(0).Int16(), []int16{0, 0, -32768, 32767, 0})
	opstest.Equal(t, "uint8 output", it.Output(1).Uint8(), []uint8{128, 7, 128})
}

func TestPadV2Constant(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
	pads := b.Const("pads", tensor.Int32, []int{2, 2}, nil, []int32{1, 0, 1, 1})
	val := b.Const("value", tensor.Float32, []int{}, nil, []float32{-9.5})
	out := b.Tensor("out", tensor.Float32, []int{2, 4}, nil)
	b.Op(builder.PadV2, []int{in, pads, val}, []int{out}, builder.PadV2Options{})
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []float32{1, 2})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Float32(), []float32{
		-9.5, -9.5, -9.5, -9.5,
		-9.5, 1, 2, -9.5,
	})
}

// The int8 constant is used as is (it shares the output's quantization),
// not replaced by the zero point.
func TestPadV2Int8Constant(t *testing.T) {
	b := builder.New()
	q := builder.PerTensor(0.25, 10)
	in := b.Tensor("in", tensor.Int8, []int{1}, q)
	pads := b.Const("pads", tensor.Int32, []int{1, 2}, nil, []int32{1, 2})
	val := b.Const("value", tensor.Int8, []int{1}, q, []int8{-100})
	out := b.Tensor("out", tensor.Int8, []int{4}, q)
	b.Op(builder.PadV2, []int{in, pads, val}, []int{out}, nil)
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []int8{3})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-100, 3, -100, -100})
}

// A pad value computed at run time is read at Eval.
func TestPadV2RuntimeValue(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int64, []int{2}, nil)
	pads := b.Const("pads", tensor.Int32, []int{1, 2}, nil, []int32{0, 1})
	val := b.Tensor("value", tensor.Int64, []int{1}, nil)
	out := b.Tensor("out", tensor.Int64, []int{3}, nil)
	b.Op(builder.PadV2, []int{in, pads, val}, []int{out}, nil)
	it := build(t, b, []int{in, val}, []int{out})
	opstest.Set(t, it.Input(0), []int64{1, 2})
	opstest.Set(t, it.Input(1), []int64{-1 << 50})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int64(), []int64{1, 2, -1 << 50})
}

// Every element type pads with zero bytes; input element (i, j) of a [2, 3]
// input lands at (i+1, j+2) of the [4, 6] output.
func TestPadAllTypes(t *testing.T) {
	for _, dt := range allTypes {
		t.Run(dt.String(), func(t *testing.T) {
			b := builder.New()
			in := b.Tensor("in", dt, []int{2, 3}, nil)
			pads := b.Const("pads", tensor.Int32, []int{2, 2}, nil, []int32{1, 1, 2, 1})
			out := b.Tensor("out", dt, []int{4, 6}, nil)
			b.Op(builder.Pad, []int{in, pads}, []int{out}, nil)
			it := build(t, b, []int{in}, []int{out})
			fillPattern(it.Input(0))
			for i := range it.Output(0).Data {
				it.Output(0).Data[i] = 0xAA // must be overwritten
			}
			opstest.Invoke(t, it)
			src := make([]int, 24)
			for i := range src {
				r, c := i/6-1, i%6-2
				src[i] = -1
				if r >= 0 && r < 2 && c >= 0 && c < 3 {
					src[i] = r*3 + c
				}
			}
			checkGather(t, it.Input(0), it.Output(0), src, make([]byte, dt.Size()))
		})
	}
}

func TestPadRefusals(t *testing.T) {
	t.Run("output shape", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 2}, nil)
		pads := b.Const("pads", tensor.Int32, []int{2, 2}, nil, []int32{1, 1, 0, 0})
		out := b.Tensor("out", tensor.Float32, []int{4, 3}, nil)
		b.Op(builder.Pad, []int{in, pads}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "PAD", "shape")
	})
	t.Run("non-constant paddings", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 2}, nil)
		pads := b.Tensor("pads", tensor.Int32, []int{2, 2}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 2}, nil)
		b.Op(builder.Pad, []int{in, pads}, []int{out}, nil)
		refused(t, b, []int{in, pads}, []int{out}, "PAD", "constant")
	})
	t.Run("negative padding", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 2}, nil)
		pads := b.Const("pads", tensor.Int32, []int{2, 2}, nil, []int32{-1, 0, 0, 0})
		out := b.Tensor("out", tensor.Float32, []int{1, 2}, nil)
		b.Op(builder.Pad, []int{in, pads}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "PAD", "negative")
	})
	t.Run("paddings count", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 2}, nil)
		pads := b.Const("pads", tensor.Int32, []int{1, 2}, nil, []int32{0, 0})
		out := b.Tensor("out", tensor.Float32, []int{2, 2}, nil)
		b.Op(builder.Pad, []int{in, pads}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "PAD", "values")
	})
	t.Run("int8 value quantized differently", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Int8, []int{1}, builder.PerTensor(0.25, 10))
		pads := b.Const("pads", tensor.Int32, []int{1, 2}, nil, []int32{1, 0})
		val := b.Const("value", tensor.Int8, []int{1}, builder.PerTensor(0.5, 10), []int8{0})
		out := b.Tensor("out", tensor.Int8, []int{2}, builder.PerTensor(0.25, 10))
		b.Op(builder.PadV2, []int{in, pads, val}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "PADV2", "quantized")
	})
	t.Run("value type", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{1}, nil)
		pads := b.Const("pads", tensor.Int32, []int{1, 2}, nil, []int32{1, 0})
		val := b.Const("value", tensor.Int32, []int{1}, nil, []int32{0})
		out := b.Tensor("out", tensor.Float32, []int{2}, nil)
		b.Op(builder.PadV2, []int{in, pads, val}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "PADV2", "type")
	})
}
