package fdw

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// FuzzDepthwise drives the geometry, clamp bounds, bias, filter and input
// (any bit patterns) from the fuzzer's bytes. Invalid parameters must be
// rejected by Pack with an error on every path; valid ones must give the
// naive loops' bits on the generic path and the generic path's bits on
// every other path, for rows split at random points.
func FuzzDepthwise(f *testing.F) {
	f.Add([]byte{5, 7, 17, 2, 2, 0, 1, 0, 0, 1, 1, 6, 4, 3, 0, 1, 0x81, 0x7f, 9, 200, 3})
	f.Add([]byte{20, 20, 64, 2, 2, 1, 1, 0, 0, 1, 1, 20, 20, 2, 3, 0, 0, 0, 0, 0, 127})
	f.Add([]byte{3, 40, 33, 4, 0, 0, 1, 1, 0, 2, 3, 2, 40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte{0xff, 3, 16, 2, 2})
	f.Add(bytes.Repeat([]byte{0x80}, 400))
	f.Add(bytes.Repeat([]byte{0x7f, 0x81, 0x13, 0x40}, 150))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fptest.NewByteReader(data)
		var p Params
		p.H, p.W, p.C = r.Small(1, 16), r.Small(1, 16), r.Small(1, 40)
		p.KH, p.KW = r.Small(1, 5), r.Small(1, 5)
		p.SH, p.SW = r.Small(1, 3), r.Small(1, 3)
		p.DH, p.DW = r.Small(1, 3), r.Small(1, 3)
		p.PadTop, p.PadLeft = r.Small(0, 5), r.Small(0, 5)
		p.OH, p.OW = r.Small(1, 18), r.Small(1, 18)
		mode := r.U8()
		if mode&1 == 0 {
			b := clampBounds[int(r.U8())%len(clampBounds)]
			p.Min, p.Max = b[0], b[1]
		} else {
			p.Min, p.Max = r.F32(), r.F32()
		}
		valid := p.check() == nil
		pr := &problem{p: p, batches: 1 + int(mode>>2&1)}
		if valid {
			pr.filter = make([]float32, p.KH*p.KW*p.C)
			for i := range pr.filter {
				pr.filter[i] = r.F32()
			}
			if mode&2 != 0 {
				pr.bias = make([]float32, p.C)
				for i := range pr.bias {
					pr.bias[i] = r.F32()
				}
			}
			pr.in = make([]float32, pr.batches*p.H*p.W*p.C)
			for i := range pr.in {
				pr.in[i] = r.F32()
			}
		}
		for _, path := range gemm.Paths() {
			k, err := Pack(path, pr.filter, pr.bias, p)
			if (err == nil) != valid || (k == nil) == valid {
				t.Fatalf("%v: Pack(%s) = %v, %v; valid %v", pr, path, k, err, valid)
			}
		}
		if valid {
			pr.check(t, rand.New(rand.NewPCG(uint64(len(data)), uint64(mode))))
		}
	})
}
