package shape_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestConcatenationFloat(t *testing.T) {
	for _, axis := range []int32{1, -1} {
		b := builder.New()
		x := b.Tensor("x", tensor.Float32, []int{2, 1}, nil)
		y := b.Tensor("y", tensor.Float32, []int{2, 2}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 3}, nil)
		b.Op(builder.Concatenation, []int{x, y}, []int{out}, builder.ConcatenationOptions{Axis: axis})
		it := build(t, b, []int{x, y}, []int{out})
		opstest.Set(t, it.Input(0), []float32{1, 2})
		opstest.Set(t, it.Input(1), []float32{10, 11, 20, 21})
		opstest.Invoke(t, it)
		opstest.Equal(t, "output", it.Output(0).Float32(), []float32{1, 10, 11, 2, 20, 21})
	}
}

func TestConcatenationInt8SameQuant(t *testing.T) {
	q := builder.PerTensor(0.5, -7)
	b := builder.New()
	x := b.Tensor("x", tensor.Int8, []int{1, 2}, q)
	y := b.Const("y", tensor.Int8, []int{2, 2}, q, []int8{-128, 127, 0, -1})
	out := b.Tensor("out", tensor.Int8, []int{3, 2}, q)
	b.Op(builder.Concatenation, []int{x, y}, []int{out}, builder.ConcatenationOptions{Axis: -2})
	it := build(t, b, []int{x}, []int{out})
	opstest.Set(t, it.Input(0), []int8{5, 6})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{5, 6, -128, 127, 0, -1})
}

// TFLite Micro copies INT16 values unchanged when zero points are 0.
func TestConcatenationInt16ThreeInputs(t *testing.T) {
	b := builder.New()
	x := b.Tensor("x", tensor.Int16, []int{2, 1, 2}, builder.PerTensor(0.001, 0))
	y := b.Tensor("y", tensor.Int16, []int{2, 2, 2}, builder.PerTensor(0.001, 0))
	z := b.Tensor("z", tensor.Int16, []int{2, 1, 2}, builder.PerTensor(0.001, 0))
	out := b.Tensor("out", tensor.Int16, []int{2, 4, 2}, builder.PerTensor(0.001, 0))
	b.Op(builder.Concatenation, []int{x, y, z}, []int{out}, builder.ConcatenationOptions{Axis: 1})
	it := build(t, b, []int{x, y, z}, []int{out})
	opstest.Set(t, it.Input(0), []int16{1, 2, 3, 4})
	opstest.Set(t, it.Input(1), []int16{10, 11, 12, 13, 20, 21, 22, 23})
	opstest.Set(t, it.Input(2), []int16{-1, -2, -3, -4})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{
		1, 2, 10, 11, 12, 13, -1, -2,
		3, 4, 20, 21, 22, 23, -3, -4,
	})
}

func TestConcatenationAllTypes(t *testing.T) {
	for _, dt := range allTypes {
		t.Run(dt.String(), func(t *testing.T) {
			b := builder.New()
			x := b.Tensor("x", dt, []int{2, 2}, nil)
			y := b.Tensor("y", dt, []int{1, 2}, nil)
			out := b.Tensor("out", dt, []int{3, 2}, nil)
			b.Op(builder.Concatenation, []int{x, y}, []int{out}, builder.ConcatenationOptions{Axis: 0})
			it := build(t, b, []int{x, y}, []int{out})
			fillPattern(it.Input(0))
			fillPattern(it.Input(1))
			opstest.Invoke(t, it)
			es := dt.Size()
			// Rows 0-1 from x, row 2 from y: compare bytes directly.
			want := append(append([]byte(nil), it.Input(0).Data...), it.Input(1).Data...)
			if got := it.Output(0).Data; string(got) != string(want) || len(got) != 6*es {
				t.Fatalf("output % x, want % x", got, want)
			}
		})
	}
}

func TestConcatenationRefusals(t *testing.T) {
	t.Run("int8 scale mismatch", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Int8, []int{1}, builder.PerTensor(0.5, 0))
		y := b.Tensor("y", tensor.Int8, []int{1}, builder.PerTensor(0.25, 0))
		out := b.Tensor("out", tensor.Int8, []int{2}, builder.PerTensor(0.5, 0))
		b.Op(builder.Concatenation, []int{x, y}, []int{out}, builder.ConcatenationOptions{})
		refused(t, b, []int{x, y}, []int{out}, "CONCATENATION", "rescaling")
	})
	t.Run("int8 zero point mismatch", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Int8, []int{1}, builder.PerTensor(0.5, 1))
		out := b.Tensor("out", tensor.Int8, []int{1}, builder.PerTensor(0.5, 0))
		b.Op(builder.Concatenation, []int{x}, []int{out}, builder.ConcatenationOptions{})
		refused(t, b, []int{x}, []int{out}, "CONCATENATION", "zero point")
	})
	t.Run("int16 zero point", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Int16, []int{1}, builder.PerTensor(0.5, 3))
		out := b.Tensor("out", tensor.Int16, []int{1}, builder.PerTensor(0.5, 3))
		b.Op(builder.Concatenation, []int{x}, []int{out}, builder.ConcatenationOptions{})
		refused(t, b, []int{x}, []int{out}, "CONCATENATION", "zero point of 0")
	})
	t.Run("int16 scale mismatch", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Int16, []int{1}, builder.PerTensor(0.5, 0))
		y := b.Tensor("y", tensor.Int16, []int{1}, builder.PerTensor(0.25, 0))
		out := b.Tensor("out", tensor.Int16, []int{2}, builder.PerTensor(0.5, 0))
		b.Op(builder.Concatenation, []int{x, y}, []int{out}, builder.ConcatenationOptions{})
		refused(t, b, []int{x, y}, []int{out}, "CONCATENATION", "rescaling")
	})
	t.Run("fused activation", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Float32, []int{1}, nil)
		out := b.Tensor("out", tensor.Float32, []int{1}, nil)
		b.Op(builder.Concatenation, []int{x}, []int{out}, builder.ConcatenationOptions{FusedActivationFunction: builder.ActRelu})
		refused(t, b, []int{x}, []int{out}, "CONCATENATION", "activation")
	})
	t.Run("axis out of range", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Float32, []int{1, 2}, nil)
		out := b.Tensor("out", tensor.Float32, []int{1, 2}, nil)
		b.Op(builder.Concatenation, []int{x}, []int{out}, builder.ConcatenationOptions{Axis: -3})
		refused(t, b, []int{x}, []int{out}, "CONCATENATION", "axis")
	})
	t.Run("shape mismatch", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Float32, []int{2, 2}, nil)
		y := b.Tensor("y", tensor.Float32, []int{3, 1}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 3}, nil)
		b.Op(builder.Concatenation, []int{x, y}, []int{out}, builder.ConcatenationOptions{Axis: 1})
		refused(t, b, []int{x, y}, []int{out}, "CONCATENATION", "dimension 0")
	})
	t.Run("axis total", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Float32, []int{2, 2}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 3}, nil)
		b.Op(builder.Concatenation, []int{x}, []int{out}, builder.ConcatenationOptions{Axis: 1})
		refused(t, b, []int{x}, []int{out}, "CONCATENATION", "along axis")
	})
}
