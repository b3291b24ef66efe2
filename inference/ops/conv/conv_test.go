package conv_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestConvSeanet(t *testing.T) { opstest.CheckSeanet(t, "conv", resolver()) }

// TestConv2DFloatByHand: a 1x3x3x1 input 1..9 and a 2x2 filter [1 2; 3 4].
func TestConv2DFloatByHand(t *testing.T) {
	in := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	for _, tc := range []struct {
		name   string
		pad    builder.Padding
		stride int
		act    builder.Activation
		out    []int
		want   []float32
	}{
		// VALID: 1+4+12+20=37, 2+6+15+24=47, 4+10+21+32=67, 5+12+24+36=77; plus bias 0.5.
		{"valid", builder.Valid, 1, builder.ActNone, []int{1, 2, 2, 1}, []float32{37.5, 47.5, 67.5, 77.5}},
		// SAME pads one row and column at the bottom and right: output (0, 2)
		// sees only in[0][2] = 3 and in[1][2] = 6 through taps 1 and 3: 3+18 = 21.
		{"same", builder.Same, 1, builder.ActNone, []int{1, 3, 3, 1}, []float32{
			37.5, 47.5, 21.5,
			67.5, 77.5, 33.5,
			7 + 16 + 0.5, 8 + 18 + 0.5, 9 + 0.5}},
		// SAME with stride 2: output 2x2 at input rows/cols 0 and 2.
		{"same stride 2", builder.Same, 2, builder.ActNone, []int{1, 2, 2, 1}, []float32{37.5, 21.5, 23.5, 9.5}},
		{"relu6", builder.Valid, 1, builder.ActRelu6, []int{1, 2, 2, 1}, []float32{6, 6, 6, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := builder.New()
			x := b.Tensor("in", tensor.Float32, []int{1, 3, 3, 1}, nil)
			w := b.Const("w", tensor.Float32, []int{1, 2, 2, 1}, nil, []float32{1, 2, 3, 4})
			bias := b.Const("bias", tensor.Float32, []int{1}, nil, []float32{0.5})
			out := b.Tensor("out", tensor.Float32, tc.out, nil)
			b.Op(builder.Conv2D, []int{x, w, bias}, []int{out}, builder.Conv2DOptions{Padding: tc.pad,
				StrideH: int32(tc.stride), StrideW: int32(tc.stride), DilationHFactor: 1, DilationWFactor: 1, FusedActivationFunction: tc.act})
			b.Inputs(x)
			b.Outputs(out)
			it := opstest.Build(t, b, resolver())
			opstest.Set(t, it.Input(0), in)
			opstest.Invoke(t, it)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 1e-5)
		})
	}
}

// TestConv2DInt8ByHand checks zero points and per-channel scales on values
// that requantize exactly. Input scale 0.5, zero point 10: q = 2*x + 10.
// Channel 0 has filter scale 1, channel 1 filter scale 0.25; output scale 1,
// zero point -5.
func TestConv2DInt8ByHand(t *testing.T) {
	b := builder.New()
	x := b.Tensor("in", tensor.Int8, []int{1, 2, 2, 1}, builder.PerTensor(0.5, 10))
	// Two 2x2 filters: channel 0 all ones, channel 1 = [4 8; -4 -8] (real 1 2 -1 -2).
	w := b.Const("w", tensor.Int8, []int{2, 2, 2, 1}, builder.PerChannel(0, 1, 0.25), []int8{1, 1, 1, 1, 4, 8, -4, -8})
	// Bias scales 0.5*1 and 0.5*0.25; real biases 3 and -1.
	bias := b.Const("bias", tensor.Int32, []int{2}, builder.PerChannel(0, 0.5, 0.125), []int32{6, -8})
	out := b.Tensor("out", tensor.Int8, []int{1, 1, 1, 2}, builder.PerTensor(1, -5))
	b.Op(builder.Conv2D, []int{x, w, bias}, []int{out}, builder.Conv2DOptions{Padding: builder.Valid,
		StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1})
	b.Inputs(x)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	// Real input 1, 2, 3, 4.
	opstest.Set(t, it.Input(0), []int8{12, 14, 16, 18})
	opstest.Invoke(t, it)
	// Channel 0: 1+2+3+4+3 = 13 -> 8. Channel 1: 1+4-3-8-1 = -7 -> -12.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{8, -12})
}

// TestConv2DInt8Saturation drives outputs to both int8 limits and checks
// the activation clamps in the quantized domain.
func TestConv2DInt8Saturation(t *testing.T) {
	for _, tc := range []struct {
		act  builder.Activation
		want []int8
	}{
		// Real outputs 127*127-127 = 16002 (saturates), -16002 (saturates)
		// and 0*127 + (-3)*(-1) = 3, plus the output zero point -1.
		{builder.ActNone, []int8{127, -128, 2}},
		// RELU: real 0 is q = -1; RELU6: 6 is q = 5; RELU_N1_TO_1: [-2, 0].
		{builder.ActRelu, []int8{127, -1, 2}},
		{builder.ActRelu6, []int8{5, -1, 2}},
		{actReluN1To1, []int8{0, -2, 0}},
	} {
		t.Run(fmt.Sprint(tc.act), func(t *testing.T) {
			b := builder.New()
			x := b.Tensor("in", tensor.Int8, []int{1, 1, 1, 2}, builder.PerTensor(1, 0))
			w := b.Const("w", tensor.Int8, []int{3, 1, 1, 2}, builder.PerTensor(1, 0), []int8{127, 127, -127, -127, 0, -3})
			out := b.Tensor("out", tensor.Int8, []int{1, 1, 1, 3}, builder.PerTensor(1, -1))
			b.Op(builder.Conv2D, []int{x, w, -1}, []int{out}, builder.Conv2DOptions{Padding: builder.Valid,
				StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1, FusedActivationFunction: tc.act})
			b.Inputs(x)
			b.Outputs(out)
			it := opstest.Build(t, b, resolver())
			opstest.Set(t, it.Input(0), []int8{127, -1})
			opstest.Invoke(t, it)
			opstest.Equal(t, "output", it.Output(0).Int8(), tc.want)
		})
	}
}

// TestConv2DInt16Saturation drives 16x8 outputs to the int16 limits.
func TestConv2DInt16Saturation(t *testing.T) {
	b := builder.New()
	x := b.Tensor("in", tensor.Int16, []int{1, 1, 1, 2}, builder.PerTensor(1, 0))
	w := b.Const("w", tensor.Int8, []int{3, 1, 1, 2}, builder.PerChannel(0, 1, 1, 0.5), []int8{127, 127, -127, -127, 1, 2})
	bias := b.Const("bias", tensor.Int64, []int{3}, builder.PerChannel(0, 1, 1, 0.5), []int64{0, 0, 1})
	out := b.Tensor("out", tensor.Int16, []int{1, 1, 1, 3}, builder.PerTensor(1, 0))
	b.Op(builder.Conv2D, []int{x, w, bias}, []int{out}, builder.Conv2DOptions{Padding: builder.Valid,
		StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1})
	b.Inputs(x)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), []int16{32767, 1000})
	opstest.Invoke(t, it)
	// Channel 2: (32767 + 2000 + 1) * 0.5 = 17384.
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{32767, -32768, 17384})
}

// TestConv2DRandom compares many geometries with the naive definition:
// integer outputs bit-exactly, on one and two threads.
func TestConv2DRandom(t *testing.T) {
	geoms := []struct {
		name       string
		in, filter []int
		stride     [2]int
		dil        [2]int
		pad        builder.Padding
	}{
		{"1x1", []int{1, 5, 7, 24}, []int{20, 1, 1, 24}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"1x1 stride 2", []int{2, 6, 5, 8}, []int{6, 1, 1, 8}, [2]int{2, 2}, [2]int{}, builder.Valid},
		{"3x3 same", []int{1, 7, 6, 5}, []int{9, 3, 3, 5}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"3x3 valid", []int{1, 7, 6, 5}, []int{8, 3, 3, 5}, [2]int{1, 1}, [2]int{}, builder.Valid},
		{"3x3 stride 2 same", []int{1, 9, 8, 3}, []int{7, 3, 3, 3}, [2]int{2, 2}, [2]int{}, builder.Same},
		{"dilation 2", []int{1, 9, 10, 4}, []int{5, 3, 3, 4}, [2]int{1, 1}, [2]int{2, 2}, builder.Same},
		{"dilation 2x3 valid", []int{2, 9, 10, 4}, []int{4, 2, 3, 4}, [2]int{1, 2}, [2]int{2, 3}, builder.Valid},
		{"stride 1x2 3x4", []int{1, 4, 12, 8}, []int{16, 3, 4, 8}, [2]int{1, 2}, [2]int{}, builder.Valid},
		{"7x7 same", []int{1, 8, 9, 2}, []int{8, 7, 7, 2}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"groups", []int{1, 5, 5, 6}, []int{8, 3, 3, 3}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"filter larger than input", []int{1, 2, 3, 4}, []int{4, 5, 5, 4}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"dilated window wider than input", []int{1, 3, 1, 4}, []int{4, 3, 3, 4}, [2]int{1, 1}, [2]int{2, 2}, builder.Same},
	}
	for _, typ := range []tensor.DType{tensor.Int8, tensor.Int16, tensor.Float32} {
		for i, gm := range geoms {
			c := convCase{op: builder.Conv2D, typ: typ, in: gm.in, filter: gm.filter, stride: gm.stride,
				dil: gm.dil, pad: gm.pad, seed: uint64(i)}
			// Vary the remaining options across geometries.
			c.perChannel = i%2 == 0
			c.act = []builder.Activation{builder.ActNone, builder.ActRelu, builder.ActRelu6, actReluN1To1}[i%4]
			if typ == tensor.Int8 {
				c.inZP, c.outZP = int64(i*7%50-25), int64(i*5%30-15)
			}
			c.noBias = i%5 == 4
			c.bias32 = typ == tensor.Int16 && i%3 == 1
			c.int32Accum = c.noBias && i%2 == 0
			t.Run(fmt.Sprintf("%s/%s", typ, gm.name), c.check)
		}
	}
}

// TestConv2DFilterInput: a filter that is not constant (a graph input)
// makes the int8 kernel recompute its per-channel constants on Eval.
func TestConv2DFilterInput(t *testing.T) {
	for _, typ := range []tensor.DType{tensor.Int8, tensor.Float32} {
		c := convCase{op: builder.Conv2D, typ: typ, in: []int{1, 4, 4, 3}, filter: []int{5, 3, 3, 3},
			stride: [2]int{1, 1}, pad: builder.Same, inZP: 7, filterInput: true}
		t.Run(typ.String(), c.check)
	}
}

// TestConv2DDeepFilter takes the unpacked int8 path: 65537 taps per output.
func TestConv2DDeepFilter(t *testing.T) {
	c := convCase{op: builder.Conv2D, typ: tensor.Int8, in: []int{1, 1, 2, 65537}, filter: []int{3, 1, 1, 65537},
		stride: [2]int{1, 1}, pad: builder.Valid, inZP: -3, outZP: 2, perChannel: true}
	c.check(t)
}

func TestConv2DPrepareRefusals(t *testing.T) {
	type spec struct {
		inType, filterType, biasType tensor.DType
		in, filter, out              []int
		inQ, filterQ, outQ           *builder.Quant
		opts                         builder.Conv2DOptions
	}
	base := func() spec {
		return spec{tensor.Int8, tensor.Int8, tensor.Int32, []int{1, 4, 4, 2}, []int{3, 3, 3, 2}, []int{1, 4, 4, 3},
			builder.PerTensor(0.5, 0), builder.PerTensor(0.1, 0), builder.PerTensor(1, 0),
			builder.Conv2DOptions{Padding: builder.Same, StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1}}
	}
	for _, tc := range []struct {
		name, want string
		edit       func(*spec)
	}{
		{"output size", "output is 3x3", func(s *spec) { s.out = []int{1, 3, 3, 3} }},
		{"output channels", "output channels", func(s *spec) { s.out = []int{1, 4, 4, 4} }},
		{"hybrid", "INT8", func(s *spec) { s.inType, s.biasType, s.inQ, s.outQ = tensor.Float32, tensor.Float32, nil, nil }},
		{"bias type", "bias", func(s *spec) { s.biasType = tensor.Int64 }},
		{"rank", "rank", func(s *spec) { s.in = []int{4, 4, 2} }},
		{"groups", "multiple", func(s *spec) { s.filter = []int{3, 3, 3, 3} }},
		{"group split", "groups", func(s *spec) { s.filter = []int{3, 3, 3, 1} }},
		{"filter zero point", "zero point", func(s *spec) { s.filterQ = builder.PerTensor(0.1, 3) }},
		{"per-channel dimension", "dimension", func(s *spec) {
			s.filterQ = &builder.Quant{Scale: []float32{1, 1, 1}, ZeroPoint: []int64{0, 0, 0}, Dim: 1}
		}},
		{"int16 zero point", "zero point", func(s *spec) {
			s.inType, s.biasType, s.inQ = tensor.Int16, tensor.Int64, builder.PerTensor(0.5, 4)
		}},
		{"unquantized input", "not quantized", func(s *spec) { s.inQ = nil }},
		{"stride 0", "strides", func(s *spec) { s.opts.StrideW = 0 }},
		{"dilation 0", "dilations", func(s *spec) { s.opts.DilationHFactor = 0 }},
		{"tanh", "activation", func(s *spec) { s.opts.FusedActivationFunction = builder.ActTanh }},
		{"uint8", "UINT8", func(s *spec) { s.inType = tensor.Uint8 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(&s)
			b := builder.New()
			x := b.Tensor("in", s.inType, s.in, s.inQ)
			w := b.Const("w", s.filterType, s.filter, s.filterQ, make([]byte, tensor.NumElements(s.filter)*s.filterType.Size()))
			bias := b.Const("bias", s.biasType, []int{s.filter[0]}, nil, make([]byte, s.filter[0]*s.biasType.Size()))
			outType := s.inType
			out := b.Tensor("out", outType, s.out, s.outQ)
			b.Op(builder.Conv2D, []int{x, w, bias}, []int{out}, s.opts)
			b.Inputs(x)
			b.Outputs(out)
			_, err := opstest.TryBuild(b, resolver())
			if err == nil || !strings.Contains(err.Error(), "CONV_2D") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("TryBuild = %v, want an error about %q", err, tc.want)
			}
		})
	}
}

// TestConv2DWrongOptions: options of another operator are refused.
func TestConv2DWrongOptions(t *testing.T) {
	b := builder.New()
	x := b.Tensor("in", tensor.Float32, []int{1, 1, 1, 1}, nil)
	w := b.Const("w", tensor.Float32, []int{1, 1, 1, 1}, nil, []float32{1})
	out := b.Tensor("out", tensor.Float32, []int{1, 1, 1, 1}, nil)
	b.Op(builder.Conv2D, []int{x, w}, []int{out}, builder.DepthwiseConv2DOptions{StrideH: 1, StrideW: 1})
	b.Inputs(x)
	b.Outputs(out)
	if _, err := opstest.TryBuild(b, resolver()); err == nil || !strings.Contains(err.Error(), "CONV_2D") {
		t.Fatalf("TryBuild = %v, want an options error", err)
	}
}
