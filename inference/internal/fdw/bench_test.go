package fdw

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// BenchmarkDepthwise runs MobileNet v2's depthwise layers (3x3, RELU6,
// float32) on every path, one thread, and reports GFLOP/s (a multiply
// and an add per in-bounds tap).
func BenchmarkDepthwise(b *testing.B) {
	for _, s := range []struct{ hw, c, stride int }{
		{112, 32, 1}, {112, 96, 2}, {56, 144, 1}, {28, 192, 1}, {14, 576, 1}, {7, 960, 1},
	} {
		rng := rand.New(rand.NewPCG(uint64(s.hw), uint64(s.c)))
		pr := mobileNet(rng, s.hw, s.c, s.stride)
		p := &pr.p
		out := make([]float32, p.OH*p.OW*p.C)
		flops := 0.0
		for oy := range p.OH {
			fy0, fy1 := tapRange(oy*p.SH-p.PadTop, p.DH, p.KH, p.H)
			for ox := range p.OW {
				fx0, fx1 := tapRange(ox*p.SW-p.PadLeft, p.DW, p.KW, p.W)
				flops += 2 * float64((fy1-fy0)*(fx1-fx0)*p.C)
			}
		}
		for _, path := range gemm.Paths() {
			k, err := Pack(path, pr.filter, pr.bias, *p)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%dx%dx%d_s%d/%s", s.hw, s.hw, s.c, s.stride, path), func(b *testing.B) {
				for b.Loop() {
					if err := k.Run(out, pr.in, 0, 0, p.OH); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
