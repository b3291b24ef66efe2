package arith_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// BenchmarkFloatElementwise runs FLOAT32 ADD (MobileNet v2's largest,
// 56x56x24), MUL by a per-channel row (a broadcast) and MAXIMUM through
// the interpreter on every kernel path, one thread: the plain-Go loops
// and the vector kernels (felem). It reports ns per element.
func BenchmarkFloatElementwise(b *testing.B) {
	shape := []int{1, 56, 56, 24}
	n := tensor.NumElements(shape)
	for _, tc := range []struct {
		name string
		code builder.Code
		opts builder.Options
		s2   []int
	}{
		{"ADD", builder.Add, builder.AddOptions{}, shape},
		{"MUL_row_RELU6", builder.Mul, builder.MulOptions{FusedActivationFunction: builder.ActRelu6}, []int{24}},
		{"MAXIMUM", builder.Maximum, nil, shape},
	} {
		for _, path := range inference.KernelPaths() {
			b.Run(fmt.Sprintf("%s/%s", tc.name, path), func(b *testing.B) {
				s := spec{code: tc.code, opts: tc.opts, dt: tensor.Float32, s1: shape, s2: tc.s2, so: shape, threads: 1, kernels: path}
				it, err := opstest.TryBuild(s.builder(), resolver(), inference.Options{Threads: 1, Kernels: path})
				if err != nil {
					b.Fatal(err)
				}
				defer it.Close()
				rng := rand.New(rand.NewPCG(1, 2))
				opstest.Set(b, it.Input(0), floatValues(rng, n, 0))
				opstest.Set(b, it.Input(1), floatValues(rng, tensor.NumElements(tc.s2), 0))
				for b.Loop() {
					if err := it.Invoke(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
	}
}
