package felem

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// kernel names a vector kernel.
type kernel uint8

const (
	kernelYMM kernel = iota + 1 // avx2_amd64.s: 8 lanes
	kernelZMM                   // avx512_amd64.s: 16 lanes
)

// The kernels compute n vectors: out = op(x, y) per lane, x and y read
// sx and sy bytes apart (one vector, or 0 for a broadcast vector).

//go:noescape
func addYMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func subYMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func mulYMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func maxYMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func minYMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func addZMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func subZMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func mulZMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func maxZMM(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func minZMM(c *consts, out, x, y *float32, n, sx, sy int)

// kernelFor returns the vector kernel of path for op, its lanes and the
// path reported, or 0 where the generic path runs: on other paths, and
// for clamp bounds the amd64 clamp does not compute exactly (lo = -0 or
// hi = +0; see the package comment).
func kernelFor(path gemm.Path, op Op, lo, hi float32) (kernel, int, gemm.Path) {
	if op.clamped() && (math.Float32bits(lo) == 0x80000000 || math.Float32bits(hi) == 0) {
		return 0, 0, gemm.Generic
	}
	switch path.Vector() {
	case gemm.AVX512VNNI:
		return kernelZMM, 16, path
	case gemm.AVX2:
		return kernelYMM, 8, path
	}
	return 0, 0, gemm.Generic
}

// hasHalf reports whether the kernel's last half vector can go to a
// kernel of half its lanes: the avx512vnni path's 8 leftover elements go
// to the AVX2 kernel (its CPUs have AVX2), which computes the same.
func (k kernel) hasHalf() bool { return k == kernelZMM }

// halfVector runs the AVX2 kernel of k's operation on one vector.
func (k *Kernel) halfVector(out, x, y *float32, sx, sy int) {
	c := &k.c
	switch k.op {
	case Add:
		addYMM(c, out, x, y, 1, sx, sy)
	case Sub:
		subYMM(c, out, x, y, 1, sx, sy)
	case Mul:
		mulYMM(c, out, x, y, 1, sx, sy)
	case Max:
		maxYMM(c, out, x, y, 1, sx, sy)
	case Min:
		minYMM(c, out, x, y, 1, sx, sy)
	}
}

// vectors runs k's vector kernel on n vectors.
func (k *Kernel) vectors(out, x, y *float32, n, sx, sy int) {
	c := &k.c
	if k.kern == kernelZMM {
		switch k.op {
		case Add:
			addZMM(c, out, x, y, n, sx, sy)
		case Sub:
			subZMM(c, out, x, y, n, sx, sy)
		case Mul:
			mulZMM(c, out, x, y, n, sx, sy)
		case Max:
			maxZMM(c, out, x, y, n, sx, sy)
		case Min:
			minZMM(c, out, x, y, n, sx, sy)
		}
		return
	}
	switch k.op {
	case Add:
		addYMM(c, out, x, y, n, sx, sy)
	case Sub:
		subYMM(c, out, x, y, n, sx, sy)
	case Mul:
		mulYMM(c, out, x, y, n, sx, sy)
	case Max:
		maxYMM(c, out, x, y, n, sx, sy)
	case Min:
		minYMM(c, out, x, y, n, sx, sy)
	}
}
