package shape_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestReshapeConstShapeWithStretch(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
	sh := b.Const("shape", tensor.Int32, []int{2}, nil, []int32{3, -1})
	out := b.Tensor("out", tensor.Float32, []int{3, 2}, nil)
	b.Op(builder.Reshape, []int{in, sh}, []int{out}, nil)
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []float32{1, 2, 3, 4, 5, 6})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Float32(), []float32{1, 2, 3, 4, 5, 6})
}

func TestReshapeNewShapeOption(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{1, 2, 2}, builder.PerTensor(0.5, -3))
	out := b.Tensor("out", tensor.Int8, []int{4}, builder.PerTensor(0.5, -3))
	b.Op(builder.Reshape, []int{in}, []int{out}, builder.ReshapeOptions{NewShape: []int{-1}})
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []int8{-128, -1, 0, 127})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-128, -1, 0, 127})
}

func TestReshapeInt64ShapeInput(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int64, []int{1, 1}, nil)
	sh := b.Const("shape", tensor.Int64, []int{3}, nil, []int64{1, -1, 1})
	out := b.Tensor("out", tensor.Int64, []int{1, 1, 1}, nil)
	b.Op(builder.Reshape, []int{in, sh}, []int{out}, nil)
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []int64{-1 << 40})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int64(), []int64{-1 << 40})
}

// Without a shape input or option, the declared output decides (here a scalar).
func TestReshapeToScalar(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 1}, nil)
	out := b.Tensor("out", tensor.Float32, []int{}, nil)
	b.Op(builder.Reshape, []int{in}, []int{out}, nil)
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []float32{2.5})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Float32(), []float32{2.5})
}

// A shape computed at run time: the declared output shape is trusted.
func TestReshapeRuntimeShape(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int16, []int{2, 2}, nil)
	sh := b.Tensor("shape", tensor.Int32, []int{1}, nil)
	out := b.Tensor("out", tensor.Int16, []int{4}, nil)
	b.Op(builder.Reshape, []int{in, sh}, []int{out}, nil)
	it := build(t, b, []int{in, sh}, []int{out})
	opstest.Set(t, it.Input(0), []int16{-32768, 1, 2, 32767})
	opstest.Set(t, it.Input(1), []int32{4})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{-32768, 1, 2, 32767})
}

func TestReshapeAllTypes(t *testing.T) {
	for _, dt := range allTypes {
		t.Run(dt.String(), func(t *testing.T) {
			b := builder.New()
			in := b.Tensor("in", dt, []int{2, 3}, nil)
			out := b.Tensor("out", dt, []int{3, 1, 2}, nil)
			b.Op(builder.Reshape, []int{in}, []int{out}, builder.ReshapeOptions{NewShape: []int{3, 1, 2}})
			it := build(t, b, []int{in}, []int{out})
			fillPattern(it.Input(0))
			opstest.Invoke(t, it)
			checkGather(t, it.Input(0), it.Output(0), []int{0, 1, 2, 3, 4, 5}, nil)
		})
	}
}

func TestReshapeRefusals(t *testing.T) {
	t.Run("element count", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		out := b.Tensor("out", tensor.Float32, []int{5}, nil)
		b.Op(builder.Reshape, []int{in}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "RESHAPE", "elements")
	})
	t.Run("shape disagrees with output", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		sh := b.Const("shape", tensor.Int32, []int{2}, nil, []int32{2, 3})
		out := b.Tensor("out", tensor.Float32, []int{3, 2}, nil)
		b.Op(builder.Reshape, []int{in, sh}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "RESHAPE", "requested shape")
	})
	t.Run("two stretch dimensions", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		out := b.Tensor("out", tensor.Float32, []int{3, 2}, nil)
		b.Op(builder.Reshape, []int{in}, []int{out}, builder.ReshapeOptions{NewShape: []int{-1, -1}})
		refused(t, b, []int{in}, []int{out}, "RESHAPE", "invalid")
	})
	t.Run("type change", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2}, nil)
		out := b.Tensor("out", tensor.Int32, []int{2}, nil)
		b.Op(builder.Reshape, []int{in}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "RESHAPE", "type")
	})
}
