package pool_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestMaxFloatValidStride2(t *testing.T) {
	it := poolModel{code: builder.MaxPool2D, dtype: tensor.Float32,
		in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}, opts: opts(builder.Valid, 2, 2, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), image4x4)
	opstest.Invoke(t, it)
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{6, 8, 14, 16}, 0)
}

func TestMaxFloatSamePaddingIsNotZero(t *testing.T) {
	// All-negative input: with SAME padding the padded taps must not count
	// as zeros. 3x3 filter, stride 2 on 3x3: output 2x2, total padding 2,
	// windows rows/cols {0,1} and {1,2} (pad 1 before).
	in := []float32{-1, -2, -3, -4, -5, -6, -7, -8, -9}
	it := poolModel{code: builder.MaxPool2D, dtype: tensor.Float32,
		in: []int{1, 3, 3, 1}, out: []int{1, 2, 2, 1}, opts: opts(builder.Same, 3, 2, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), in)
	opstest.Invoke(t, it)
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{-1, -2, -4, -5}, 0)
}

func TestMaxFloatRelu(t *testing.T) {
	it := poolModel{code: builder.MaxPool2D, dtype: tensor.Float32,
		in: []int{1, 2, 4, 1}, out: []int{1, 1, 2, 1}, opts: opts(builder.Valid, 2, 2, builder.ActRelu)}.build(t)
	opstest.Set(t, it.Input(0), []float32{-1, -2, 7, 1, -3, -0.5, 2, 3})
	opstest.Invoke(t, it)
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{0, 7}, 0)
}

func TestMaxInt8SameStride2Channels(t *testing.T) {
	// 2 channels, 3x3 input, 2x2 filter, stride 2, SAME: output 2x2, total
	// padding 1, all after, so windows are rows/cols {0,1} and {2}.
	ch0 := []int8{-128, -100, 5, -50, -60, -70, 127, -1, -2}
	in := make([]int8, 18)
	for i, v := range ch0 {
		in[2*i], in[2*i+1] = v, -v-1 // channel 1 mirrors channel 0 within int8
	}
	it := poolModel{code: builder.MaxPool2D, dtype: tensor.Int8, in: []int{1, 3, 3, 2}, out: []int{1, 2, 2, 2},
		inQ: builder.PerTensor(0.25, 0), opts: opts(builder.Same, 2, 2, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), in)
	opstest.Invoke(t, it)
	// ch0: max{-128,-100,-50,-60} = -50, max{5,-70} = 5, max{127,-1} = 127, -2.
	// ch1 (-v-1): {127,99,49,59} -> 127, {-6,69} -> 69, {-128,0} -> 0, 1.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-50, 127, 5, 69, 127, 0, -2, 1})
}

func TestMaxInt8Relu6Saturates(t *testing.T) {
	// Scale 0.05, zero point -128: RELU6 bounds are -128 and -128+120 = -8.
	it := poolModel{code: builder.MaxPool2D, dtype: tensor.Int8, in: []int{1, 1, 4, 1}, out: []int{1, 1, 2, 1},
		inQ: builder.PerTensor(0.05, -128), opts: builder.Pool2DOptions{Padding: builder.Valid,
			FilterHeight: 1, FilterWidth: 2, StrideH: 1, StrideW: 2, FusedActivationFunction: builder.ActRelu6}}.build(t)
	opstest.Set(t, it.Input(0), []int8{-20, -9, 127, 0})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-9, -8})
}

func TestMaxInt16(t *testing.T) {
	it := poolModel{code: builder.MaxPool2D, dtype: tensor.Int16, in: []int{2, 2, 2, 1}, out: []int{2, 1, 1, 1},
		inQ: builder.PerTensor(1.0/32768, 0), opts: opts(builder.Valid, 2, 2, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), []int16{-32768, -32768, -32768, -32767, 1000, 32767, -5, 0})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{-32767, 32767})
}

func TestMaxInt16ReluN1To1(t *testing.T) {
	// Scale 1/1024: RELU_N1_TO_1 clamps to [-1024, 1024].
	it := poolModel{code: builder.MaxPool2D, dtype: tensor.Int16, in: []int{1, 1, 3, 1}, out: []int{1, 1, 3, 1},
		inQ: builder.PerTensor(1.0/1024, 0), opts: opts(builder.Same, 1, 1, tflite.ActivationFunctionTypeRELU_N1_TO_1)}.build(t)
	opstest.Set(t, it.Input(0), []int16{-3000, 17, 3000})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{-1024, 17, 1024})
}
