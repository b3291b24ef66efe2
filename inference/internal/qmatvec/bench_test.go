package qmatvec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// BenchmarkMulVec times one product on every path for the shapes of the
// recurrent models: an LSTM's four gates over the input and the hidden
// state, and SVDF feature projections.
func BenchmarkMulVec(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []struct{ rows, cols int }{{512, 257}, {512, 128}, {80, 28}, {80, 20}, {64, 96}, {32, 16}} {
		w := randInt8s(rng, s.rows*s.cols)
		x := randInt8s(rng, s.cols)
		dst := make([]int32, s.rows)
		for _, path := range gemm.Paths() {
			m, err := Pack(path, w, s.rows, s.cols, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%dx%d/%s", s.rows, s.cols, path), func(b *testing.B) {
				for b.Loop() {
					_ = m.MulVec(dst, x)
				}
				b.ReportMetric(float64(s.rows*s.cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}
