package shape_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestExpandDims(t *testing.T) {
	for _, tc := range []struct {
		name string
		axis any
		out  []int
	}{
		{"axis 0", []int32{0}, []int{1, 2, 3}},
		{"axis 1", []int32{1}, []int{2, 1, 3}},
		{"axis -1 appends", []int32{-1}, []int{2, 3, 1}},
		{"int64 axis -3", []int64{-3}, []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := builder.New()
			in := b.Tensor("in", tensor.Uint8, []int{2, 3}, builder.PerTensor(1, 128))
			atype := tensor.Int32
			if _, ok := tc.axis.([]int64); ok {
				atype = tensor.Int64
			}
			ax := b.Const("axis", atype, []int{1}, nil, tc.axis)
			out := b.Tensor("out", tensor.Uint8, tc.out, builder.PerTensor(1, 128))
			b.Op(builder.ExpandDims, []int{in, ax}, []int{out}, builder.ExpandDimsOptions{})
			it := build(t, b, []int{in}, []int{out})
			opstest.Set(t, it.Input(0), []uint8{0, 1, 128, 200, 254, 255})
			opstest.Invoke(t, it)
			opstest.Equal(t, "output", it.Output(0).Uint8(), []uint8{0, 1, 128, 200, 254, 255})
		})
	}
}

func TestExpandDimsRefusals(t *testing.T) {
	t.Run("axis out of range", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		ax := b.Const("axis", tensor.Int32, []int{1}, nil, []int32{3})
		out := b.Tensor("out", tensor.Float32, []int{2, 3, 1}, nil)
		b.Op(builder.ExpandDims, []int{in, ax}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "EXPAND_DIMS", "out of range")
	})
	t.Run("non-constant axis", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		ax := b.Tensor("axis", tensor.Int32, []int{1}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 3, 1}, nil)
		b.Op(builder.ExpandDims, []int{in, ax}, []int{out}, nil)
		refused(t, b, []int{in, ax}, []int{out}, "EXPAND_DIMS", "constant")
	})
	t.Run("output shape", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		ax := b.Const("axis", tensor.Int32, []int{1}, nil, []int32{0})
		out := b.Tensor("out", tensor.Float32, []int{2, 1, 3}, nil)
		b.Op(builder.ExpandDims, []int{in, ax}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "EXPAND_DIMS", "shape")
	})
}
