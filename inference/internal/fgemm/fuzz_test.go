package fgemm

import (
	"bytes"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

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
		r := fptest.NewByteReader(data)
		p := &problem{m: 1 + int(r.U8())%20, n: 1 + int(r.U8())%140, k: 1 + int(r.U8())%64}
		p.lda = p.k + int(r.U8())%4
		p.ldd = p.n + int(r.U8())%4
		p.c0 = int(r.U8()) % (p.n + 1)
		p.c1 = p.c0 + int(r.U8())%(p.n-p.c0+1)
		mode := r.U8()
		if mode&1 == 0 {
			b := clampBounds[int(r.U8())%len(clampBounds)]
			p.lo, p.hi = b[0], b[1]
		} else {
			p.lo, p.hi = r.F32(), r.F32()
		}
		if mode&2 != 0 {
			p.bias = make([]float32, p.n)
			for c := range p.bias {
				p.bias[c] = r.F32()
			}
		}
		p.w = make([]float32, p.n*p.k)
		for i := range p.w {
			p.w[i] = r.F32()
		}
		p.a = make([]float32, (p.m-1)*p.lda+p.k)
		for i := range p.a {
			p.a[i] = r.F32()
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
