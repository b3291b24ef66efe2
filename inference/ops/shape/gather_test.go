package shape_test

import (
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// params [3, 2] = [[1 2] [3 4] [5 6]].
func TestGatherAxis0(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{3, 2}, nil)
	idx := b.Const("idx", tensor.Int32, []int{2, 2}, nil, []int32{2, 0, 1, 1})
	out := b.Tensor("out", tensor.Float32, []int{2, 2, 2}, nil)
	b.Op(builder.Gather, []int{in, idx}, []int{out}, builder.GatherOptions{})
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []float32{1, 2, 3, 4, 5, 6})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Float32(), []float32{5, 6, 1, 2, 3, 4, 3, 4})
}

func TestGatherNegativeAxisInt64Indices(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{2, 3}, builder.PerTensor(1, 0))
	idx := b.Tensor("idx", tensor.Int64, []int{2}, nil)
	out := b.Tensor("out", tensor.Int8, []int{2, 2}, builder.PerTensor(1, 0))
	b.Op(builder.Gather, []int{in, idx}, []int{out}, builder.GatherOptions{Axis: -1})
	it := build(t, b, []int{in, idx}, []int{out})
	opstest.Set(t, it.Input(0), []int8{1, 2, 3, 4, 5, 6})
	opstest.Set(t, it.Input(1), []int64{2, 0})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{3, 1, 6, 4})
}

// batch_dims 1: each row of params has its own indices row.
func TestGatherBatchDims(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int32, []int{2, 3}, nil)
	idx := b.Const("idx", tensor.Int32, []int{2, 2}, nil, []int32{2, 1, 0, 0})
	out := b.Tensor("out", tensor.Int32, []int{2, 2}, nil)
	b.Op(builder.Gather, []int{in, idx}, []int{out}, builder.GatherOptions{Axis: 1, BatchDims: -1})
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []int32{10, 11, 12, 20, 21, 22})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int32(), []int32{12, 11, 20, 20})
}

func TestGatherAllTypes(t *testing.T) {
	for _, dt := range allTypes {
		t.Run(dt.String(), func(t *testing.T) {
			b := builder.New()
			in := b.Tensor("in", dt, []int{2, 3}, nil)
			idx := b.Const("idx", tensor.Int32, []int{3}, nil, []int32{1, 1, 0})
			out := b.Tensor("out", dt, []int{3, 3}, nil)
			b.Op(builder.Gather, []int{in, idx}, []int{out}, nil)
			it := build(t, b, []int{in}, []int{out})
			fillPattern(it.Input(0))
			opstest.Invoke(t, it)
			checkGather(t, it.Input(0), it.Output(0), []int{3, 4, 5, 3, 4, 5, 0, 1, 2}, nil)
		})
	}
}

func TestGatherIndexOutOfRange(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{3}, nil)
	idx := b.Tensor("idx", tensor.Int32, []int{2}, nil)
	out := b.Tensor("out", tensor.Float32, []int{2}, nil)
	b.Op(builder.Gather, []int{in, idx}, []int{out}, nil)
	it := build(t, b, []int{in, idx}, []int{out})
	for _, bad := range [][]int32{{0, 3}, {-1, 0}} {
		opstest.Set(t, it.Input(1), bad)
		err := it.Invoke()
		if err == nil || !strings.Contains(err.Error(), "GATHER") || strings.Contains(err.Error(), "kernel failed") {
			t.Errorf("indices %v: Invoke = %v, want an index error from GATHER", bad, err)
		}
	}
	opstest.Set(t, it.Input(1), []int32{2, 0})
	opstest.Set(t, it.Input(0), []float32{1, 2, 3})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Float32(), []float32{3, 1})
}

func TestGatherRefusals(t *testing.T) {
	t.Run("output shape", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{3, 2}, nil)
		idx := b.Const("idx", tensor.Int32, []int{2}, nil, []int32{0, 1})
		out := b.Tensor("out", tensor.Float32, []int{2, 3}, nil)
		b.Op(builder.Gather, []int{in, idx}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "GATHER", "shape")
	})
	t.Run("index type", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{3}, nil)
		idx := b.Const("idx", tensor.Float32, []int{1}, nil, []float32{0})
		out := b.Tensor("out", tensor.Float32, []int{1}, nil)
		b.Op(builder.Gather, []int{in, idx}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "GATHER", "FLOAT32")
	})
	t.Run("axis", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{3}, nil)
		idx := b.Const("idx", tensor.Int32, []int{1}, nil, []int32{0})
		out := b.Tensor("out", tensor.Float32, []int{1}, nil)
		b.Op(builder.Gather, []int{in, idx}, []int{out}, builder.GatherOptions{Axis: 1})
		refused(t, b, []int{in}, []int{out}, "GATHER", "axis")
	})
	t.Run("batch_dims", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		idx := b.Const("idx", tensor.Int32, []int{3, 1}, nil, []int32{0, 0, 0})
		out := b.Tensor("out", tensor.Float32, []int{2, 1}, nil)
		b.Op(builder.Gather, []int{in, idx}, []int{out}, builder.GatherOptions{Axis: 1, BatchDims: 1})
		refused(t, b, []int{in}, []int{out}, "GATHER", "batch dimension")
	})
}
