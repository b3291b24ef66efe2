package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are MobileNet v2's 1x1 convolutions (m pixels, k input
// channels, n output channels) and its classifier.
var benchShapes = []struct{ m, k, n int }{
	{12544, 16, 96},
	{3136, 24, 144},
	{784, 192, 32},
	{196, 384, 64},
	{49, 960, 320},
	{1, 1280, 1000},
}

func BenchmarkGemm(b *testing.B) {
	for _, s := range benchShapes {
		rng := rand.New(rand.NewPCG(uint64(s.m), uint64(s.k)))
		w := randInt8s(rng, s.n*s.k, -127, 127)
		a := randInt8s(rng, s.m*s.k, -128, 127)
		rq := randRequant(rng, s.n, s.k)
		dst := make([]int8, s.m*s.n)
		for _, path := range Paths() {
			p, err := PackInt8With(path, w, s.n, s.k, rq)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("m=%d_k=%d_n=%d/%s", s.m, s.k, s.n, path), func(b *testing.B) {
				for b.Loop() {
					if err := p.Run(dst, s.n, a, s.k, s.m, 0, s.n); err != nil {
						b.Fatal(err)
					}
				}
				ops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
				b.ReportMetric(ops/b.Elapsed().Seconds()/1e9, "GOPS")
			})
		}
	}
}
