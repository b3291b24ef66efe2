package felem

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// BenchmarkElementwise runs every operation on every path for a tensor
// that stays in the L1 cache (4096 values), MobileNet v2's largest ADD
// (56x56x24) and one of 1 MiB per input, and a broadcast scalar; it
// reports ns per element.
func BenchmarkElementwise(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{4096, 56 * 56 * 24, 1 << 18} {
		x, y, out := randFloats(rng, n, 0), randFloats(rng, n, 0), make([]float32, n)
		for _, op := range ops {
			lo, hi := bounds(op, 3) // RELU6 for the arithmetic
			for _, path := range gemm.Paths() {
				k, err := New(path, op, lo, hi)
				if err != nil {
					b.Fatal(err)
				}
				for _, bc := range []string{"", "/scalar"} {
					yy := y
					if bc != "" {
						if n != 4096 {
							continue
						}
						yy = y[:1]
					}
					b.Run(fmt.Sprintf("%v/n=%d%s/%s", op, n, bc, path), func(b *testing.B) {
						for b.Loop() {
							if err := k.Run(out, x, yy); err != nil {
								b.Fatal(err)
							}
						}
						b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
					})
				}
			}
		}
	}
}
