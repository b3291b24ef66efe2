package shape_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		axis int32
		out  []int
		want [][]float32
	}{
		// [2, 4] = [[1 2 3 4] [5 6 7 8]].
		{"axis 1", 1, []int{2, 2}, [][]float32{{1, 2, 5, 6}, {3, 4, 7, 8}}},
		{"axis -1", -1, []int{2, 2}, [][]float32{{1, 2, 5, 6}, {3, 4, 7, 8}}},
		{"axis 0", 0, []int{1, 4}, [][]float32{{1, 2, 3, 4}, {5, 6, 7, 8}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := builder.New()
			ax := b.Const("axis", tensor.Int32, []int{}, nil, []int32{tc.axis})
			in := b.Tensor("in", tensor.Float32, []int{2, 4}, nil)
			o0 := b.Tensor("o0", tensor.Float32, tc.out, nil)
			o1 := b.Tensor("o1", tensor.Float32, tc.out, nil)
			b.Op(builder.Split, []int{ax, in}, []int{o0, o1}, builder.SplitOptions{NumSplits: 2})
			it := build(t, b, []int{in}, []int{o0, o1})
			opstest.Set(t, it.Input(0), []float32{1, 2, 3, 4, 5, 6, 7, 8})
			opstest.Invoke(t, it)
			opstest.Equal(t, "output 0", it.Output(0).Float32(), tc.want[0])
			opstest.Equal(t, "output 1", it.Output(1).Float32(), tc.want[1])
		})
	}
}

func TestSplitInt8ThreeWays(t *testing.T) {
	b := builder.New()
	ax := b.Const("axis", tensor.Int64, []int{1}, nil, []int64{0})
	in := b.Tensor("in", tensor.Int8, []int{6}, builder.PerTensor(1, 0))
	var outs []int
	for i := 0; i < 3; i++ {
		outs = append(outs, b.Tensor("o", tensor.Int8, []int{2}, builder.PerTensor(1, 0)))
	}
	b.Op(builder.Split, []int{ax, in}, outs, builder.SplitOptions{NumSplits: 3})
	it := build(t, b, []int{in}, outs)
	opstest.Set(t, it.Input(0), []int8{-128, 127, 1, 2, 3, 4})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output 0", it.Output(0).Int8(), []int8{-128, 127})
	opstest.Equal(t, "output 1", it.Output(1).Int8(), []int8{1, 2})
	opstest.Equal(t, "output 2", it.Output(2).Int8(), []int8{3, 4})
}

func TestSplitRefusals(t *testing.T) {
	t.Run("not divisible", func(t *testing.T) {
		b := builder.New()
		ax := b.Const("axis", tensor.Int32, []int{}, nil, []int32{0})
		in := b.Tensor("in", tensor.Float32, []int{3}, nil)
		o0 := b.Tensor("o0", tensor.Float32, []int{1}, nil)
		o1 := b.Tensor("o1", tensor.Float32, []int{1}, nil)
		b.Op(builder.Split, []int{ax, in}, []int{o0, o1}, builder.SplitOptions{NumSplits: 2})
		refused(t, b, []int{in}, []int{o0, o1}, "SPLIT", "divisible")
	})
	t.Run("non-constant axis", func(t *testing.T) {
		b := builder.New()
		ax := b.Tensor("axis", tensor.Int32, []int{}, nil)
		in := b.Tensor("in", tensor.Float32, []int{2}, nil)
		o0 := b.Tensor("o0", tensor.Float32, []int{1}, nil)
		o1 := b.Tensor("o1", tensor.Float32, []int{1}, nil)
		b.Op(builder.Split, []int{ax, in}, []int{o0, o1}, builder.SplitOptions{NumSplits: 2})
		refused(t, b, []int{ax, in}, []int{o0, o1}, "SPLIT", "constant")
	})
	t.Run("num_splits", func(t *testing.T) {
		b := builder.New()
		ax := b.Const("axis", tensor.Int32, []int{}, nil, []int32{0})
		in := b.Tensor("in", tensor.Float32, []int{2}, nil)
		o0 := b.Tensor("o0", tensor.Float32, []int{1}, nil)
		b.Op(builder.Split, []int{ax, in}, []int{o0}, builder.SplitOptions{NumSplits: 2})
		refused(t, b, []int{in}, []int{o0}, "SPLIT", "num_splits")
	})
	t.Run("axis out of range", func(t *testing.T) {
		b := builder.New()
		ax := b.Const("axis", tensor.Int32, []int{}, nil, []int32{1})
		in := b.Tensor("in", tensor.Float32, []int{2}, nil)
		o0 := b.Tensor("o0", tensor.Float32, []int{2}, nil)
		b.Op(builder.Split, []int{ax, in}, []int{o0}, builder.SplitOptions{NumSplits: 1})
		refused(t, b, []int{in}, []int{o0}, "SPLIT", "axis")
	})
}
