package shape_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestPack(t *testing.T) {
	for _, tc := range []struct {
		name     string
		axis     int32
		outShape []int
		want     []int32
	}{
		{"axis 0", 0, []int{3, 2}, []int32{1, 2, 3, 4, 5, 6}},
		{"axis 1", 1, []int{2, 3}, []int32{1, 3, 5, 2, 4, 6}},
		{"axis -1", -1, []int{2, 3}, []int32{1, 3, 5, 2, 4, 6}},
		{"axis -2", -2, []int{3, 2}, []int32{1, 2, 3, 4, 5, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := builder.New()
			x := b.Tensor("x", tensor.Int32, []int{2}, nil)
			y := b.Tensor("y", tensor.Int32, []int{2}, nil)
			z := b.Const("z", tensor.Int32, []int{2}, nil, []int32{5, 6})
			out := b.Tensor("out", tensor.Int32, tc.outShape, nil)
			b.Op(builder.Pack, []int{x, y, z}, []int{out}, builder.PackOptions{ValuesCount: 3, Axis: tc.axis})
			it := build(t, b, []int{x, y}, []int{out})
			opstest.Set(t, it.Input(0), []int32{1, 2})
			opstest.Set(t, it.Input(1), []int32{3, 4})
			opstest.Invoke(t, it)
			opstest.Equal(t, "output", it.Output(0).Int32(), tc.want)
		})
	}
}

// Two [2, 2] inputs packed along the middle axis: out[i, k, j] = in_k[i, j].
func TestPackInt8MiddleAxis(t *testing.T) {
	q := builder.PerTensor(0.1, 4)
	b := builder.New()
	x := b.Tensor("x", tensor.Int8, []int{2, 2}, q)
	y := b.Tensor("y", tensor.Int8, []int{2, 2}, q)
	out := b.Tensor("out", tensor.Int8, []int{2, 2, 2}, q)
	b.Op(builder.Pack, []int{x, y}, []int{out}, builder.PackOptions{ValuesCount: 2, Axis: 1})
	it := build(t, b, []int{x, y}, []int{out})
	opstest.Set(t, it.Input(0), []int8{1, 2, 3, 4})
	opstest.Set(t, it.Input(1), []int8{-1, -2, -3, -4})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{1, 2, -1, -2, 3, 4, -3, -4})
}

func TestPackRefusals(t *testing.T) {
	t.Run("values_count", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Float32, []int{2}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 2}, nil)
		b.Op(builder.Pack, []int{x, x}, []int{out}, builder.PackOptions{ValuesCount: 3})
		refused(t, b, []int{x}, []int{out}, "PACK", "inputs")
	})
	t.Run("int8 quantization", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Int8, []int{2}, builder.PerTensor(0.1, 0))
		out := b.Tensor("out", tensor.Int8, []int{1, 2}, builder.PerTensor(0.2, 0))
		b.Op(builder.Pack, []int{x}, []int{out}, builder.PackOptions{ValuesCount: 1})
		refused(t, b, []int{x}, []int{out}, "PACK", "rescaling")
	})
	t.Run("input shapes", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Float32, []int{2}, nil)
		y := b.Tensor("y", tensor.Float32, []int{3}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 2}, nil)
		b.Op(builder.Pack, []int{x, y}, []int{out}, builder.PackOptions{ValuesCount: 2})
		refused(t, b, []int{x, y}, []int{out}, "PACK", "shape")
	})
	t.Run("axis", func(t *testing.T) {
		b := builder.New()
		x := b.Tensor("x", tensor.Float32, []int{2}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 1}, nil)
		b.Op(builder.Pack, []int{x}, []int{out}, builder.PackOptions{ValuesCount: 1, Axis: 2})
		refused(t, b, []int{x}, []int{out}, "PACK", "axis")
	})
}
