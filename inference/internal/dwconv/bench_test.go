package dwconv

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// benchShapes are MobileNet v2's 3x3 depthwise layers (input hw×hw×c).
var benchShapes = []struct{ hw, c, stride int }{
	{112, 32, 1},
	{112, 96, 2},
	{56, 144, 1},
	{56, 144, 2},
	{28, 192, 1},
	{14, 384, 1},
	{14, 576, 1},
	{7, 960, 1},
}

// BenchmarkDepthwise runs each layer on every available path and reports
// GMAC/s: KH*KW*C*OH*OW multiply-adds per run.
func BenchmarkDepthwise(b *testing.B) {
	for _, s := range benchShapes {
		rng := rand.New(rand.NewPCG(uint64(s.hw), uint64(s.c)))
		pr := mobileNetProblem(rng, s.hw, s.c, s.stride)
		p := &pr.p
		out := make([]int8, p.OH*p.OW*p.C)
		for _, path := range gemm.Paths() {
			k, err := Pack(path, pr.filter, pr.p)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%dx%dx%d_s%d/%s", s.hw, s.hw, s.c, s.stride, path), func(b *testing.B) {
				for b.Loop() {
					if err := k.Run(out, pr.in, 0, 0, p.OH); err != nil {
						b.Fatal(err)
					}
				}
				macs := float64(p.KH*p.KW*p.C*p.OH*p.OW) * float64(b.N)
				b.ReportMetric(macs/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}
