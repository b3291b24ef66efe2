package qadd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkRun measures each path on a MobileNet-sized ADD (the largest
// of MobileNet v2's: 56x56x24) and a short one, reporting ns per element.
func BenchmarkRun(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	p, ok := fromScales(0.02, -3, 0.03, 7, 0.04, -5, -128, 127, false)
	if !ok {
		b.Fatal("fromScales refused the benchmark's scales")
	}
	for _, n := range []int{56 * 56 * 24, 100} {
		x, y, out := make([]int8, n), make([]int8, n), make([]int8, n)
		for i := range x {
			x[i], y[i] = int8(r.Uint32()), int8(r.Uint32())
		}
		for _, k := range kernels(b, p) {
			b.Run(fmt.Sprintf("%s/n=%d", k.Path(), n), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					k.Run(out, x, y)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
	}
}
