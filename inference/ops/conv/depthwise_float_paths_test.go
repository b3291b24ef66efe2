package conv_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/conv"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// depthwiseFloatGeoms are float DEPTHWISE_CONV_2D geometries for the
// kernel-path tests: channel counts below, at and across the SIMD group
// widths (8, 16), strides, dilations, SAME and VALID, windows larger than
// the input, batches, and depth multipliers other than 1 (the plain-Go
// kernel on every path).
var depthwiseFloatGeoms = []struct {
	name       string
	in, filter []int
	stride     [2]int
	dil        [2]int
	pad        builder.Padding
	mult       int
}{
	{"3x3 same 32 channels", []int{1, 9, 8, 32}, []int{1, 3, 3, 32}, [2]int{1, 1}, [2]int{}, builder.Same, 1},
	{"3x3 stride 2 70 channels", []int{2, 11, 9, 70}, []int{1, 3, 3, 70}, [2]int{2, 2}, [2]int{}, builder.Same, 1},
	{"3x3 valid 8 channels", []int{1, 6, 7, 8}, []int{1, 3, 3, 8}, [2]int{1, 1}, [2]int{}, builder.Valid, 1},
	{"5x5 dilated 12 channels", []int{1, 12, 13, 12}, []int{1, 5, 5, 12}, [2]int{1, 1}, [2]int{2, 1}, builder.Valid, 1},
	{"3x2 stride 2x1 dilation 2x3 17 channels", []int{1, 10, 9, 17}, []int{1, 3, 2, 17}, [2]int{2, 1}, [2]int{2, 3}, builder.Same, 1},
	{"filter larger than input", []int{1, 2, 3, 24}, []int{1, 5, 5, 24}, [2]int{1, 1}, [2]int{}, builder.Same, 1},
	{"dilated window wider than input", []int{1, 3, 1, 16}, []int{1, 3, 3, 16}, [2]int{1, 1}, [2]int{2, 2}, builder.Same, 1},
	{"wide row", []int{1, 3, 40, 9}, []int{1, 3, 3, 9}, [2]int{1, 1}, [2]int{}, builder.Same, 1},
	{"few channels", []int{1, 6, 6, 5}, []int{1, 3, 3, 5}, [2]int{1, 1}, [2]int{}, builder.Same, 1},
	{"depth multiplier 2", []int{1, 5, 6, 8}, []int{1, 3, 3, 16}, [2]int{1, 1}, [2]int{}, builder.Same, 2},
	{"one channel multiplier 8", []int{1, 12, 11, 1}, []int{1, 3, 3, 8}, [2]int{2, 2}, [2]int{}, builder.Same, 8},
}

// TestDepthwiseFloatKernelPaths requires the reference path's bits from
// every kernel path, on one and two threads, for the geometries above,
// with and without infinities, NaNs, signed zeros and subnormals in the
// input, filter and bias, under every activation.
func TestDepthwiseFloatKernelPaths(t *testing.T) {
	acts := []builder.Activation{builder.ActNone, builder.ActRelu, builder.ActRelu6, tflite.ActivationFunctionTypeRELU_N1_TO_1}
	for i, gm := range depthwiseFloatGeoms {
		for j, special := range []float64{0, 0.02, 0.3} {
			c := convCase{op: builder.DepthwiseConv2D, typ: tensor.Float32, in: gm.in, filter: gm.filter, stride: gm.stride,
				dil: gm.dil, pad: gm.pad, mult: gm.mult, special: special, seed: uint64(300 + 10*i + j)}
			c.act = acts[(i+j)%4]
			c.noBias = (i+j)%5 == 4
			t.Run(fmt.Sprintf("%s/special=%v", gm.name, special), c.samePaths)
		}
	}
}

// TestDepthwiseFloatNaNIsCanonical checks the reference's epilogue: a NaN
// output (from a NaN input with a payload and sign, or Inf - Inf) is the
// canonical 0x7FC00000 on every path.
func TestDepthwiseFloatNaNIsCanonical(t *testing.T) {
	const C = 8
	ones := make([]float32, 2*C)
	for i := range ones {
		ones[i] = 1
	}
	in := make([]float32, 2*C)
	for i := range C {
		in[i], in[C+i] = float32(i), 2
	}
	in[1] = math.Float32frombits(0xFFC12345)
	in[2], in[C+2] = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, run := range kernelRuns() {
		b := builder.New()
		x := b.Tensor("in", tensor.Float32, []int{1, 1, 2, C}, nil)
		w := b.Const("w", tensor.Float32, []int{1, 1, 2, C}, nil, ones)
		out := b.Tensor("out", tensor.Float32, []int{1, 1, 1, C}, nil)
		b.Op(builder.DepthwiseConv2D, []int{x, w, -1}, []int{out}, builder.DepthwiseConv2DOptions{Padding: builder.Valid,
			StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1, DepthMultiplier: 1})
		b.Inputs(x)
		b.Outputs(out)
		it, err := opstest.TryBuild(b, resolver(), inference.Options{Threads: run.threads, Kernels: run.kernels})
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		opstest.Set(t, it.Input(0), in)
		opstest.Invoke(t, it)
		for ch, v := range it.Output(0).Float32() {
			if ch == 1 || ch == 2 {
				if math.Float32bits(v) != 0x7FC00000 {
					t.Errorf("%s: channel %d = %#08x, want the canonical NaN", run.kernels, ch, math.Float32bits(v))
				}
			} else if v != float32(ch)+2 {
				t.Errorf("%s: channel %d = %v, want %v", run.kernels, ch, v, float32(ch)+2)
			}
		}
	}
}

// packSpy wraps DEPTHWISE_CONV_2D and records whether its Prepare handed
// the filter to Node.Discard, which the kernel does exactly when it packs
// the filter for a SIMD kernel.
type packSpy struct {
	conv.DepthwiseConv2D
	packed bool
}

func (s *packSpy) Prepare(n *ops.Node) error {
	n.Discard = func(*tensor.Tensor) { s.packed = true }
	return s.DepthwiseConv2D.Prepare(n)
}

// TestDepthwiseFloatTakesSIMD checks which float depthwise layers take
// the packed SIMD kernel: on a SIMD path, depth multiplier 1 with 8
// channels or more and a constant filter; never on the generic path.
func TestDepthwiseFloatTakesSIMD(t *testing.T) {
	for _, tc := range []struct {
		in, filter  []int
		mult        int
		filterInput bool
		want        bool
	}{
		{[]int{1, 5, 5, 8}, []int{1, 3, 3, 8}, 1, false, true},
		{[]int{1, 5, 5, 40}, []int{1, 3, 3, 40}, 1, false, true},
		{[]int{1, 5, 5, 7}, []int{1, 3, 3, 7}, 1, false, false},
		{[]int{1, 5, 5, 8}, []int{1, 3, 3, 16}, 2, false, false},
		{[]int{1, 5, 5, 16}, []int{1, 3, 3, 16}, 1, true, false},
	} {
		c := convCase{op: builder.DepthwiseConv2D, typ: tensor.Float32, in: tc.in, filter: tc.filter,
			stride: [2]int{1, 1}, pad: builder.Same, mult: tc.mult, filterInput: tc.filterInput}
		m := c.build(t, 1)
		for _, path := range inference.KernelPaths() {
			var spy *packSpy
			r := ops.NewResolver()
			r.AddBuiltin(tflite.BuiltinOperatorDEPTHWISE_CONV_2D, func() ops.Kernel { spy = &packSpy{}; return spy })
			it, err := opstest.TryBuild(m.b, r, inference.Options{Kernels: path})
			if err != nil {
				t.Fatal(err)
			}
			it.Close()
			if want := tc.want && path != "generic"; spy.packed != want {
				t.Errorf("%s, input %v, filter %v, filter input %v: packed %v, want %v", path, tc.in, tc.filter, tc.filterInput, spy.packed, want)
			}
		}
	}
}

// TestDepthwiseFloatRandomPaths draws random float depthwise layers
// (sizes, channels, depth multipliers, strides, dilations, SAME or VALID,
// activations, edge values, with or without bias) and requires the
// reference path's bits from every kernel path on one and two threads.
func TestDepthwiseFloatRandomPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	acts := []builder.Activation{builder.ActNone, builder.ActRelu, builder.ActRelu6, tflite.ActivationFunctionTypeRELU_N1_TO_1}
	cases := 30
	if testing.Short() {
		cases = 10
	}
	for i := range cases {
		inC := 1 + rng.IntN(40)
		mult := 1
		if rng.IntN(4) == 0 {
			mult = 1 + rng.IntN(3)
		}
		c := convCase{op: builder.DepthwiseConv2D, typ: tensor.Float32,
			in:     []int{1 + rng.IntN(2), 1 + rng.IntN(12), 1 + rng.IntN(12), inC},
			filter: []int{1, 1 + rng.IntN(4), 1 + rng.IntN(4), inC * mult},
			stride: [2]int{1 + rng.IntN(2), 1 + rng.IntN(2)}, dil: [2]int{1 + rng.IntN(2), 1 + rng.IntN(2)},
			pad: builder.Same, act: acts[rng.IntN(4)], mult: mult, noBias: rng.IntN(4) == 0,
			special: []float64{0, 0.01, 0.2}[rng.IntN(3)], seed: uint64(400 + i)}
		if rng.IntN(2) == 0 {
			c.pad = builder.Valid
			dh, dw := c.dilation()
			c.in[1] = max(c.in[1], (c.filter[1]-1)*dh+1)
			c.in[2] = max(c.in[2], (c.filter[2]-1)*dw+1)
		}
		t.Run(fmt.Sprintf("%d/in=%v/filter=%v/stride=%v/dil=%v/%v", i, c.in, c.filter, c.stride, c.dil, c.pad), c.samePaths)
	}
}
