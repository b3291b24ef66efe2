package arith_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// BenchmarkInt8Add runs MobileNet v2's largest INT8 ADD (56x56x24) on
// each kernel path: generic is the pair table, the others the SIMD
// kernels. It reports ns per element.
func BenchmarkInt8Add(b *testing.B) {
	shape := []int{1, 56, 56, 24}
	n := tensor.NumElements(shape)
	for _, path := range inference.KernelPaths() {
		b.Run(path, func(b *testing.B) {
			s := spec{code: builder.Add, opts: builder.AddOptions{}, dt: tensor.Int8, s1: shape, s2: shape, so: shape,
				q1: builder.PerTensor(0.02, -3), q2: builder.PerTensor(0.03, 7), qo: builder.PerTensor(0.04, -5), kernels: path}
			it, err := opstest.TryBuild(s.builder(), resolver(), inference.Options{Kernels: path})
			if err != nil {
				b.Fatal(err)
			}
			defer it.Close()
			for i, v := range it.Input(0).Data {
				it.Input(0).Data[i], it.Input(1).Data[i] = v+byte(i*7), byte(i*13)
			}
			for b.Loop() {
				if err := it.Invoke(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
		})
	}
}
