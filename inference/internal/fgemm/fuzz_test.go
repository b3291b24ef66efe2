package fgemm

import (
	"bytes"
	"encoding/binary"
	"math"
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

// FuzzFgemm drives shapes, strides, channel ranges, clamp bounds, bias,
// weights and activations (any bit patterns) from the input. Invalid
// bounds must be rejected with an error on every path; valid ones must
// give the naive loop's bits on the generic path, the generic path's bits
// on every other path, and write nothing else.
func FuzzFgemm(f *testing.F) {
	f.Add([]byte{3, 40, 9, 1, 2, 0, 40, 0, 1, 200, 0, 0, 0x80, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{11, 70, 33, 0, 0, 5, 64, 3, 2, 130, 0, 0, 0xc0, 0x7f, 0x81, 0x80, 0x7f})
	f.Add(bytes.Repeat([]byte{0x80, 0x01, 0x00, 0x80, 0x7f}, 100))
	f.Add(bytes.Repeat([]byte{0x7f, 0x81, 0x13, 0x30, 0xff}, 120))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &byteReader{b: data}
		p := &problem{m: 1 + int(r.u8())%20, n: 1 + int(r.u8())%140, k: 1 + int(r.u8())%64}
		p.lda = p.k + int(r.u8())%4
		p.ldd = p.n + int(r.u8())%4
		p.c0 = int(r.u8()) % (p.n + 1)
		p.c1 = p.c0 + int(r.u8())%(p.n-p.c0+1)
		mode := r.u8()
		if mode&1 == 0 {
			b := clampBounds[int(r.u8())%len(clampBounds)]
			p.lo, p.hi = b[0], b[1]
		} else {
			p.lo, p.hi = r.f32(), r.f32()
		}
		if mode&2 != 0 {
			p.bias = make([]float32, p.n)
			for c := range p.bias {
				p.bias[c] = r.f32()
			}
		}
		p.w = make([]float32, p.n*p.k)
		for i := range p.w {
			p.w[i] = r.f32()
		}
		p.a = make([]float32, (p.m-1)*p.lda+p.k)
		for i := range p.a {
			p.a[i] = r.f32()
		}
		valid := p.lo == p.lo && p.hi == p.hi && p.lo <= p.hi
		for _, path := range gemm.Paths() {
			_, err := PackFloat32(path, p.w, p.n, p.k, p.bias, p.lo, p.hi)
			if (err == nil) != valid {
				t.Fatalf("%s: pack error %v for clamp [%v, %v]", path, err, p.lo, p.hi)
			}
		}
		if valid {
			p.check(t)
		}
	})
}
