package fc_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// TestInt8KernelPaths runs random int8 FULLY_CONNECTED layers on every
// kernel path of this CPU and requires the bytes of the plain-Go
// reference path: batches, depths and unit counts around the SIMD tiles,
// per-tensor and per-channel scales, zero points, bias or none,
// activations, one and two threads.
func TestInt8KernelPaths(t *testing.T) {
	paths := inference.KernelPaths()
	rng := rand.New(rand.NewPCG(7, 9))
	for i := 0; i < 60; i++ {
		batches, depth, units := 1+rng.IntN(4), 1+rng.IntN(300), 1+rng.IntN(70)
		if i%10 == 0 {
			depth = 1280 + rng.IntN(64)
		}
		b := builder.New()
		inQ := builder.PerTensor(0.02+rng.Float32()*0.1, int64(rng.IntN(256)-128))
		outQ := builder.PerTensor(0.05+rng.Float32()*0.5, int64(rng.IntN(256)-128))
		var wQ *builder.Quant
		if i%2 == 0 {
			scales := make([]float32, units)
			for c := range scales {
				scales[c] = 0.001 + rng.Float32()*0.02
			}
			wQ = builder.PerChannel(0, scales...)
		} else {
			wQ = builder.PerTensor(0.001+rng.Float32()*0.02, 0)
		}
		w := make([]int8, units*depth)
		for j := range w {
			w[j] = int8(rng.IntN(255) - 127)
		}
		in := b.Tensor("in", tensor.Int8, []int{batches, depth}, inQ)
		wt := b.Const("w", tensor.Int8, []int{units, depth}, wQ, w)
		bias := -1
		if i%3 != 0 {
			bv := make([]int32, units)
			for c := range bv {
				bv[c] = int32(rng.IntN(20001) - 10000)
			}
			bias = b.Const("bias", tensor.Int32, []int{units}, nil, bv)
		}
		out := b.Tensor("out", tensor.Int8, []int{batches, units}, outQ)
		act := []builder.Activation{builder.ActNone, builder.ActRelu, builder.ActRelu6}[i%3]
		b.Op(builder.FullyConnected, []int{in, wt, bias}, []int{out}, builder.FullyConnectedOptions{FusedActivationFunction: act})
		b.Inputs(in)
		b.Outputs(out)
		x := make([]int8, batches*depth)
		for j := range x {
			x[j] = int8(rng.IntN(256) - 128)
		}
		var want []int8
		for _, path := range paths {
			for _, threads := range []int{1, 2} {
				it, err := opstest.TryBuild(b, resolver(), inference.Options{Threads: threads, Kernels: path})
				if err != nil {
					t.Fatalf("case %d on %s: %v", i, path, err)
				}
				opstest.Set(t, it.Input(0), x)
				opstest.Invoke(t, it)
				got := append([]int8(nil), it.Output(0).Int8()...)
				it.Close()
				if want == nil {
					want = got // the reference path comes first
					continue
				}
				opstest.Equal(t, fmt.Sprintf("case %d (%dx%d, %d units) on %s, %d threads", i, batches, depth, units, path, threads), got, want)
			}
		}
	}
}
