package fdw

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// byteReader hands out the fuzzer's bytes, then zeros.
type byteReader struct{ b []byte }

func (r *byteReader) u8() byte {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// small returns a value in [lo, lo+n), or occasionally an invalid one
// (0 or negative) when the byte says so.
func (r *byteReader) small(lo, n int) int {
	v := r.u8()
	if v == 0xff {
		return -int(r.u8())
	}
	return lo + int(v)%n
}

// f32 reads a float: a special value, a small integer, or any 32 bits
// (every NaN payload included), as the selector byte says.
func (r *byteReader) f32() float32 {
	switch sel := r.u8(); {
	case sel < 64:
		return specials[int(sel)%len(specials)]
	case sel < 128:
		return float32(int8(r.u8())) / 8
	default:
		var b [4]byte
		for i := range b {
			b[i] = r.u8()
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
	}
}

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
		r := &byteReader{b: data}
		var p Params
		p.H, p.W, p.C = r.small(1, 16), r.small(1, 16), r.small(1, 40)
		p.KH, p.KW = r.small(1, 5), r.small(1, 5)
		p.SH, p.SW = r.small(1, 3), r.small(1, 3)
		p.DH, p.DW = r.small(1, 3), r.small(1, 3)
		p.PadTop, p.PadLeft = r.small(0, 5), r.small(0, 5)
		p.OH, p.OW = r.small(1, 18), r.small(1, 18)
		mode := r.u8()
		if mode&1 == 0 {
			b := clampBounds[int(r.u8())%len(clampBounds)]
			p.Min, p.Max = b[0], b[1]
		} else {
			p.Min, p.Max = r.f32(), r.f32()
		}
		valid := p.check() == nil
		pr := &problem{p: p, batches: 1 + int(mode>>2&1)}
		if valid {
			pr.filter = make([]float32, p.KH*p.KW*p.C)
			for i := range pr.filter {
				pr.filter[i] = r.f32()
			}
			if mode&2 != 0 {
				pr.bias = make([]float32, p.C)
				for i := range pr.bias {
					pr.bias[i] = r.f32()
				}
			}
			pr.in = make([]float32, pr.batches*p.H*p.W*p.C)
			for i := range pr.in {
				pr.in[i] = r.f32()
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
