package shape_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestSqueeze(t *testing.T) {
	for _, tc := range []struct {
		name string
		dims []int
		out  []int
	}{
		{"all ones", nil, []int{3, 2}},
		{"negative dim", []int{-2}, []int{1, 3, 2}},
		{"listed dims", []int{0, 2}, []int{3, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := builder.New()
			in := b.Tensor("in", tensor.Int32, []int{1, 3, 1, 2}, nil)
			out := b.Tensor("out", tensor.Int32, tc.out, nil)
			b.Op(builder.Squeeze, []int{in}, []int{out}, builder.SqueezeOptions{SqueezeDims: tc.dims})
			it := build(t, b, []int{in}, []int{out})
			opstest.Set(t, it.Input(0), []int32{1, -2, 3, -4, 5, -6})
			opstest.Invoke(t, it)
			opstest.Equal(t, "output", it.Output(0).Int32(), []int32{1, -2, 3, -4, 5, -6})
		})
	}
}

func TestSqueezeBool(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Bool, []int{3, 1}, nil)
	out := b.Tensor("out", tensor.Bool, []int{3}, nil)
	b.Op(builder.Squeeze, []int{in}, []int{out}, nil)
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []bool{true, false, true})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Bool(), []bool{true, false, true})
}

func TestSqueezeRefusals(t *testing.T) {
	t.Run("dimension not 1", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{1, 3}, nil)
		out := b.Tensor("out", tensor.Float32, []int{1}, nil)
		b.Op(builder.Squeeze, []int{in}, []int{out}, builder.SqueezeOptions{SqueezeDims: []int{1}})
		refused(t, b, []int{in}, []int{out}, "SQUEEZE", "not 1")
	})
	t.Run("axis out of range", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{1, 3}, nil)
		out := b.Tensor("out", tensor.Float32, []int{3}, nil)
		b.Op(builder.Squeeze, []int{in}, []int{out}, builder.SqueezeOptions{SqueezeDims: []int{-3}})
		refused(t, b, []int{in}, []int{out}, "SQUEEZE", "out of range")
	})
	t.Run("output shape", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{1, 3, 1}, nil)
		out := b.Tensor("out", tensor.Float32, []int{3, 1}, nil)
		b.Op(builder.Squeeze, []int{in}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "SQUEEZE", "shape")
	})
}
