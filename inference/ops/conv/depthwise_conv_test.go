package conv_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// TestDepthwiseFloatByHand: two input channels, depth multiplier 2, a 2x2
// VALID window over a 2x3 input.
func TestDepthwiseFloatByHand(t *testing.T) {
	b := builder.New()
	x := b.Tensor("in", tensor.Float32, []int{1, 2, 3, 2}, nil)
	// filter[0, fy, fx, c*2+m]
	w := b.Const("w", tensor.Float32, []int{1, 2, 2, 4}, nil, []float32{
		1, 2, 3, 4, // (0, 0)
		-1, 0, 1, 0, // (0, 1)
		0, 1, 0, 1, // (1, 0)
		1, 1, 1, 1, // (1, 1)
	})
	bias := b.Const("bias", tensor.Float32, []int{4}, nil, []float32{0, 10, 20, 30})
	out := b.Tensor("out", tensor.Float32, []int{1, 1, 2, 4}, nil)
	b.Op(builder.DepthwiseConv2D, []int{x, w, bias}, []int{out}, builder.DepthwiseConv2DOptions{Padding: builder.Valid,
		StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1, DepthMultiplier: 2})
	b.Inputs(x)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	// Channel 0 rows: [1 2 3; 4 5 6]; channel 1 rows: [10 20 30; 40 50 60].
	opstest.Set(t, it.Input(0), []float32{1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60})
	opstest.Invoke(t, it)
	want := []float32{
		// x = 0: channel 0 taps 1, 2, 4, 5; channel 1 taps 10, 20, 40, 50.
		1*1 - 2 + 0 + 5, 10 + 2*1 + 0 + 4 + 5, 20 + 3*10 + 20 + 0 + 50, 30 + 4*10 + 0 + 40 + 50,
		// x = 1: channel 0 taps 2, 3, 5, 6; channel 1 taps 20, 30, 50, 60.
		2 - 3 + 0 + 6, 10 + 4 + 0 + 5 + 6, 20 + 60 + 30 + 0 + 60, 30 + 80 + 0 + 50 + 60,
	}
	opstest.Near(t, "output", it.Output(0).Float32(), want, 1e-5)
}

// TestDepthwiseInt8ByHand: per-channel scales along dimension 3, input and
// output zero points, SAME padding (padded taps must contribute nothing).
func TestDepthwiseInt8ByHand(t *testing.T) {
	b := builder.New()
	// Input scale 1, zero point -3: q = x - 3.
	x := b.Tensor("in", tensor.Int8, []int{1, 1, 2, 2}, builder.PerTensor(1, -3))
	// A 1x3 window, channel 0 scale 1 with taps [1 1 1], channel 1 scale
	// 0.5 with taps [2 4 6] (real 1 2 3).
	w := b.Const("w", tensor.Int8, []int{1, 1, 3, 2}, builder.PerChannel(3, 1, 0.5), []int8{1, 2, 1, 4, 1, 6})
	out := b.Tensor("out", tensor.Int8, []int{1, 1, 2, 2}, builder.PerTensor(0.5, 4))
	b.Op(builder.DepthwiseConv2D, []int{x, w, -1}, []int{out}, builder.DepthwiseConv2DOptions{Padding: builder.Same,
		StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1, DepthMultiplier: 1})
	b.Inputs(x)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	// Real input: pixel 0 = (1, 2), pixel 1 = (3, -4).
	opstest.Set(t, it.Input(0), []int8{-2, -1, 0, -7})
	opstest.Invoke(t, it)
	// Output pixel 0 sees (pad, p0, p1): channel 0: 1+3 = 4; channel 1: 2*2 + 3*(-4) = -8.
	// Output pixel 1 sees (p0, p1, pad): channel 0: 1+3 = 4; channel 1: 1*2 + 2*(-4) = -6.
	// Output q = 2*y + 4.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{12, -12, 12, -8})
}

// TestDepthwiseInt16Saturation drives 16x8 outputs to the int16 limits.
func TestDepthwiseInt16Saturation(t *testing.T) {
	b := builder.New()
	x := b.Tensor("in", tensor.Int16, []int{1, 1, 1, 3}, builder.PerTensor(1, 0))
	w := b.Const("w", tensor.Int8, []int{1, 1, 1, 3}, builder.PerChannel(3, 1, 1, 0.25), []int8{2, -2, 3})
	bias := b.Const("bias", tensor.Int64, []int{3}, builder.PerChannel(0, 1, 1, 0.25), []int64{0, 0, -1 << 20})
	out := b.Tensor("out", tensor.Int16, []int{1, 1, 1, 3}, builder.PerTensor(1, 0))
	b.Op(builder.DepthwiseConv2D, []int{x, w, bias}, []int{out}, builder.DepthwiseConv2DOptions{Padding: builder.Valid,
		StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1, DepthMultiplier: 1})
	b.Inputs(x)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), []int16{20000, 20000, 1000})
	opstest.Invoke(t, it)
	// 40000 and -40000 saturate; (3000 - 2^20) / 4 = -261394 saturates too.
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{32767, -32768, -32768})
}

func TestDepthwiseRandom(t *testing.T) {
	geoms := []struct {
		name       string
		in, filter []int
		stride     [2]int
		dil        [2]int
		pad        builder.Padding
		mult       int
	}{
		{"3x3 same", []int{1, 7, 6, 10}, []int{1, 3, 3, 10}, [2]int{1, 1}, [2]int{}, builder.Same, 1},
		{"3x3 stride 2", []int{2, 9, 8, 6}, []int{1, 3, 3, 6}, [2]int{2, 2}, [2]int{}, builder.Same, 1},
		{"3x3 valid", []int{1, 6, 7, 5}, []int{1, 3, 3, 5}, [2]int{1, 1}, [2]int{}, builder.Valid, 0},
		{"dilation 2", []int{1, 9, 9, 4}, []int{1, 3, 3, 4}, [2]int{1, 1}, [2]int{2, 2}, builder.Same, 1},
		{"dilation 2x3 stride 2x1", []int{1, 10, 9, 3}, []int{1, 3, 2, 3}, [2]int{2, 1}, [2]int{2, 3}, builder.Valid, 1},
		// person_detect's first layer: one channel, depth multiplier 8.
		{"depth multiplier 8", []int{1, 12, 11, 1}, []int{1, 3, 3, 8}, [2]int{2, 2}, [2]int{}, builder.Same, 8},
		// Wide enough for the SIMD depthwise kernels (16, 32, 64 channels).
		{"3x3 same 48 channels", []int{1, 9, 8, 48}, []int{1, 3, 3, 48}, [2]int{1, 1}, [2]int{}, builder.Same, 1},
		{"3x3 stride 2 70 channels", []int{2, 11, 9, 70}, []int{1, 3, 3, 70}, [2]int{2, 2}, [2]int{}, builder.Same, 1},
		{"5x5 valid 64 channels dilated", []int{1, 12, 13, 64}, []int{1, 5, 5, 64}, [2]int{1, 1}, [2]int{2, 1}, builder.Valid, 1},
		// One input channel, as micro_speech: a convolution in disguise.
		{"one channel multiplier 8 (micro_speech)", []int{1, 49, 40, 1}, []int{1, 10, 8, 8}, [2]int{2, 2}, [2]int{}, builder.Same, 8},
		{"one channel multiplier 3 valid", []int{2, 7, 9, 1}, []int{1, 2, 4, 3}, [2]int{1, 2}, [2]int{}, builder.Valid, 3},
		{"depth multiplier 2", []int{1, 5, 6, 3}, []int{1, 5, 5, 6}, [2]int{1, 1}, [2]int{}, builder.Same, 2},
		{"filter larger than input", []int{1, 2, 2, 4}, []int{1, 3, 3, 4}, [2]int{1, 1}, [2]int{}, builder.Same, 1},
		// Width 1 with dilation 2: the outer columns of the window never touch the input.
		{"dilated window wider than input", []int{1, 3, 1, 4}, []int{1, 3, 3, 4}, [2]int{1, 1}, [2]int{2, 2}, builder.Same, 1},
	}
	for _, typ := range []tensor.DType{tensor.Int8, tensor.Int16, tensor.Float32} {
		for i, gm := range geoms {
			c := convCase{op: builder.DepthwiseConv2D, typ: typ, in: gm.in, filter: gm.filter, stride: gm.stride,
				dil: gm.dil, pad: gm.pad, mult: gm.mult, seed: uint64(100 + i)}
			c.perChannel = i%2 == 0
			c.act = []builder.Activation{builder.ActNone, builder.ActRelu6, builder.ActRelu, actReluN1To1}[i%4]
			if typ == tensor.Int8 {
				c.inZP, c.outZP = int64(i*11%60-30), int64(i*3%20-10)
			}
			c.noBias = i%4 == 3
			t.Run(fmt.Sprintf("%s/%s", typ, gm.name), c.check)
		}
	}
}

func TestDepthwiseFilterInput(t *testing.T) {
	c := convCase{op: builder.DepthwiseConv2D, typ: tensor.Int8, in: []int{1, 5, 5, 4}, filter: []int{1, 3, 3, 4},
		stride: [2]int{1, 1}, pad: builder.Same, inZP: -9, filterInput: true, perChannel: true}
	c.check(t)
}

func TestDepthwisePrepareRefusals(t *testing.T) {
	type spec struct {
		inType, biasType   tensor.DType
		in, filter, out    []int
		inQ, filterQ, outQ *builder.Quant
		opts               builder.DepthwiseConv2DOptions
	}
	base := func() spec {
		return spec{tensor.Int8, tensor.Int32, []int{1, 4, 4, 2}, []int{1, 3, 3, 4}, []int{1, 4, 4, 4},
			builder.PerTensor(0.5, 0), builder.PerChannel(3, 0.1, 0.1, 0.1, 0.1), builder.PerTensor(1, 0),
			builder.DepthwiseConv2DOptions{Padding: builder.Same, StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1, DepthMultiplier: 2}}
	}
	for _, tc := range []struct {
		name, want string
		edit       func(*spec)
	}{
		{"depth multiplier", "depth multiplier", func(s *spec) { s.opts.DepthMultiplier = 3 }},
		{"channels", "not a multiple", func(s *spec) { s.in = []int{1, 4, 4, 3} }},
		{"output channels", "output channels", func(s *spec) { s.out = []int{1, 4, 4, 2} }},
		{"output size", "output is 4x4", func(s *spec) { s.opts.Padding = builder.Valid }},
		{"filter batch", "first dimension", func(s *spec) { s.filter = []int{2, 3, 3, 4}; s.filterQ = builder.PerTensor(0.1, 0) }},
		{"per-channel dimension", "along dimension 2", func(s *spec) { s.filterQ = builder.PerChannel(2, 0.1, 0.1, 0.1) }},
		{"int16 int32 bias", "bias", func(s *spec) { s.inType = tensor.Int16 }},
		{"int8 int64 bias", "bias", func(s *spec) { s.biasType = tensor.Int64 }},
		{"relu6 outside range", "activation", func(s *spec) { s.outQ = builder.PerTensor(1e-12, 0); s.opts.FusedActivationFunction = builder.ActRelu6 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(&s)
			b := builder.New()
			x := b.Tensor("in", s.inType, s.in, s.inQ)
			w := b.Const("w", tensor.Int8, s.filter, s.filterQ, make([]int8, tensor.NumElements(s.filter)))
			nb := s.filter[3]
			bias := b.Const("bias", s.biasType, []int{nb}, nil, make([]byte, nb*s.biasType.Size()))
			out := b.Tensor("out", s.inType, s.out, s.outQ)
			b.Op(builder.DepthwiseConv2D, []int{x, w, bias}, []int{out}, s.opts)
			b.Inputs(x)
			b.Outputs(out)
			_, err := opstest.TryBuild(b, resolver())
			if err == nil || !strings.Contains(err.Error(), "DEPTHWISE_CONV_2D") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("TryBuild = %v, want an error about %q", err, tc.want)
			}
		})
	}
}
