package fc_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// edgeFloats are the values that test IEEE edges: signed zeros,
// subnormals, infinities, NaNs of several payloads and signs, and
// magnitudes whose products overflow or underflow.
var edgeFloats = []float32{
	0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.Float32frombits(0x007FFFFF),
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7FC00000), math.Float32frombits(0xFFC12345), math.Float32frombits(0x7F800001),
	math.MaxFloat32, -3e38, 1e20, -1e-30, 6, -1,
}

// randFloats draws n values around ±1, with probability special one of
// edgeFloats.
func randFloats(rng *rand.Rand, n int, special float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		if rng.Float64() < special {
			v[i] = edgeFloats[rng.IntN(len(edgeFloats))]
		} else {
			v[i] = float32(rng.NormFloat64())
		}
	}
	return v
}

// sameBits reports the first output whose bits differ, or "".
func sameBits(got, want []float32) string {
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Sprintf("output[%d] = %v (%#08x), want %v (%#08x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
	return ""
}

// TestFloatKernelPaths runs random float32 FULLY_CONNECTED layers on every
// kernel path of this CPU and requires the bits of the plain-Go reference
// path: batches, depths and unit counts around the SIMD tiles (one-row
// kernels, full and partial tiles and panels), bias or none, every
// activation, a filter given as a graph input (the plain loops on every
// path), values with infinities, NaNs, signed zeros and subnormals, one
// and two threads.
func TestFloatKernelPaths(t *testing.T) {
	paths := inference.KernelPaths()
	rng := rand.New(rand.NewPCG(17, 19))
	for i := range 48 {
		batches, depth, units := 1+rng.IntN(10), 1+rng.IntN(200), 1+rng.IntN(150)
		if i%12 == 0 {
			batches, depth, units = 1, 512+rng.IntN(64), 300+rng.IntN(40) // split over two threads
		}
		special := []float64{0, 0.01, 0.1}[i%3]
		filterInput := i%11 == 5
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{batches, depth}, nil)
		wv := randFloats(rng, units*depth, special)
		var wt int
		if filterInput {
			wt = b.Tensor("w", tensor.Float32, []int{units, depth}, nil)
		} else {
			wt = b.Const("w", tensor.Float32, []int{units, depth}, nil, wv)
		}
		bias := -1
		if i%4 != 3 {
			bias = b.Const("bias", tensor.Float32, []int{units}, nil, randFloats(rng, units, special))
		}
		out := b.Tensor("out", tensor.Float32, []int{batches, units}, nil)
		act := []builder.Activation{builder.ActNone, builder.ActRelu, builder.ActRelu6, tflite.ActivationFunctionTypeRELU_N1_TO_1}[i%4]
		b.Op(builder.FullyConnected, []int{in, wt, bias}, []int{out}, builder.FullyConnectedOptions{FusedActivationFunction: act})
		if filterInput {
			b.Inputs(in, wt)
		} else {
			b.Inputs(in)
		}
		b.Outputs(out)
		x := randFloats(rng, batches*depth, special)
		var want []float32
		for _, path := range paths {
			for _, threads := range []int{1, 2} {
				it, err := opstest.TryBuild(b, resolver(), inference.Options{Threads: threads, Kernels: path})
				if err != nil {
					t.Fatalf("case %d on %s: %v", i, path, err)
				}
				opstest.Set(t, it.Input(0), x)
				if filterInput {
					opstest.Set(t, it.Input(1), wv)
				}
				opstest.Invoke(t, it)
				got := append([]float32(nil), it.Output(0).Float32()...)
				it.Close()
				if want == nil {
					want = got // the reference path comes first
					continue
				}
				if d := sameBits(got, want); d != "" {
					t.Fatalf("case %d (%dx%d, %d units, act %v) on %s, %d threads: %s", i, batches, depth, units, act, path, threads, d)
				}
			}
		}
	}
}
