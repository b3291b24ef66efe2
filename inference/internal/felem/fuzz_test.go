package felem

import (
	"bytes"
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// FuzzElementwise drives the operation, bounds (any bits), length,
// broadcasts and values from the fuzzer's bytes. Invalid arguments must
// be rejected by New on every path; valid ones must give the naive loop's
// bits on the generic path and the generic path's on every other path.
func FuzzElementwise(f *testing.F) {
	f.Add([]byte{0, 0, 40, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{4, 1, 17, 1, 0x80, 0x7f, 0xc0, 0x00, 0x01, 0x40, 0x20})
	f.Add([]byte{2, 2, 200, 2, 0x85, 0, 0, 0x80, 0xff})
	f.Add(bytes.Repeat([]byte{0x81, 0x00, 0x00, 0xc0, 0x7f}, 80))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fptest.NewByteReader(data)
		op := Op(r.U8() % 6)
		mode := r.U8()
		p := &problem{op: op, n: int(r.U8())}
		if mode&1 == 0 {
			p.lo, p.hi = bounds(op, int(mode>>4))
		} else {
			p.lo, p.hi = r.F32(), r.F32()
		}
		nx, ny := p.n, p.n
		if mode&2 != 0 {
			nx = 1
		}
		if mode&4 != 0 {
			ny = 1
		}
		p.x, p.y = make([]float32, min(nx, p.n)), make([]float32, min(ny, p.n))
		for i := range p.x {
			p.x[i] = r.F32()
		}
		for i := range p.y {
			p.y[i] = r.F32()
		}
		valid := op <= Min && p.lo == p.lo && p.hi == p.hi && p.lo <= p.hi &&
			(op.clamped() || (math.IsInf(float64(p.lo), -1) && math.IsInf(float64(p.hi), 1)))
		for _, path := range gemm.Paths() {
			k, err := New(path, op, p.lo, p.hi)
			if (err == nil) != valid || (k == nil) == valid {
				t.Fatalf("%v: New(%s) = %v, %v; valid %v", p, path, k, err, valid)
			}
		}
		if valid {
			p.check(t)
		}
	})
}
