package fgemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// benchShapes: LSTM gate and fully connected matrix-vector products (one
// row), a 14x14 1x1 convolution, and MobileNet-like 1x1 convolutions.
var benchShapes = []struct{ m, k, n int }{
	{1, 28, 80},
	{1, 128, 256},
	{1, 1024, 1000},
	{4, 128, 256},
	{196, 256, 256},
	{3136, 24, 144},
}

func BenchmarkFgemm(b *testing.B) {
	for _, s := range benchShapes {
		rng := rand.New(rand.NewPCG(uint64(s.m), uint64(s.k)))
		w := fptest.RandFloats(rng, s.n*s.k, 0)
		a := fptest.RandFloats(rng, s.m*s.k, 0)
		bias := fptest.RandFloats(rng, s.n, 0)
		dst := make([]float32, s.m*s.n)
		for _, path := range gemm.Paths() {
			p, err := PackFloat32(path, w, s.n, s.k, bias, 0, 6)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("m=%d_k=%d_n=%d/%s", s.m, s.k, s.n, path), func(b *testing.B) {
				for b.Loop() {
					if err := p.Run(dst, s.n, a, s.k, s.m, 0, s.n); err != nil {
						b.Fatal(err)
					}
				}
				flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
