package shape_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestUnpackAxis0(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
	o0 := b.Tensor("o0", tensor.Float32, []int{3}, nil)
	o1 := b.Tensor("o1", tensor.Float32, []int{3}, nil)
	b.Op(builder.Unpack, []int{in}, []int{o0, o1}, builder.UnpackOptions{Num: 2})
	it := build(t, b, []int{in}, []int{o0, o1})
	opstest.Set(t, it.Input(0), []float32{1, 2, 3, 4, 5, 6})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output 0", it.Output(0).Float32(), []float32{1, 2, 3})
	opstest.Equal(t, "output 1", it.Output(1).Float32(), []float32{4, 5, 6})
}

func TestUnpackNegativeAxisInt16(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int16, []int{2, 3}, nil)
	var outs []int
	for i := 0; i < 3; i++ {
		outs = append(outs, b.Tensor("o", tensor.Int16, []int{2}, nil))
	}
	b.Op(builder.Unpack, []int{in}, outs, builder.UnpackOptions{Num: 3, Axis: -1})
	it := build(t, b, []int{in}, outs)
	opstest.Set(t, it.Input(0), []int16{1, 2, 3, 4, 5, 6})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output 0", it.Output(0).Int16(), []int16{1, 4})
	opstest.Equal(t, "output 1", it.Output(1).Int16(), []int16{2, 5})
	opstest.Equal(t, "output 2", it.Output(2).Int16(), []int16{3, 6})
}

func TestUnpackRefusals(t *testing.T) {
	t.Run("output count", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{3, 2}, nil)
		o0 := b.Tensor("o0", tensor.Float32, []int{2}, nil)
		o1 := b.Tensor("o1", tensor.Float32, []int{2}, nil)
		b.Op(builder.Unpack, []int{in}, []int{o0, o1}, builder.UnpackOptions{Num: 2})
		refused(t, b, []int{in}, []int{o0, o1}, "UNPACK", "num 2")
	})
	t.Run("output shape", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
		o0 := b.Tensor("o0", tensor.Float32, []int{1}, nil)
		b.Op(builder.Unpack, []int{in}, []int{o0}, builder.UnpackOptions{Num: 1})
		refused(t, b, []int{in}, []int{o0}, "UNPACK", "shape")
	})
	t.Run("int8 quantization", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Int8, []int{1, 2}, builder.PerTensor(0.1, 1))
		o0 := b.Tensor("o0", tensor.Int8, []int{2}, builder.PerTensor(0.1, 2))
		b.Op(builder.Unpack, []int{in}, []int{o0}, builder.UnpackOptions{Num: 1})
		refused(t, b, []int{in}, []int{o0}, "UNPACK", "rescaling")
	})
}
