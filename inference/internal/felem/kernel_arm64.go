package felem

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// kernel names a vector kernel.
type kernel uint8

const kernelNEON kernel = 1 // neon_arm64.s: 4 lanes

// The kernels compute n vectors: out = op(x, y) per lane, x and y read
// sx and sy bytes apart (one vector, or 0 for a broadcast vector).

//go:noescape
func addNEON(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func subNEON(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func mulNEON(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func maxNEON(c *consts, out, x, y *float32, n, sx, sy int)

//go:noescape
func minNEON(c *consts, out, x, y *float32, n, sx, sy int)

// kernelFor returns the vector kernel of path for op, its lanes and the
// path reported: neon and sdot share the neon kernel, which clamps
// exactly for every bound.
func kernelFor(path gemm.Path, _ Op, _, _ float32) (kernel, int, gemm.Path) {
	if path.Vector() == gemm.NEON {
		return kernelNEON, 4, gemm.NEON
	}
	return 0, 0, gemm.Generic
}

// hasHalf reports that the neon kernel has no half-width kernel.
func (kernel) hasHalf() bool { return false }

// halfVector is never called on arm64 (hasHalf is false).
func (k *Kernel) halfVector(out, x, y *float32, sx, sy int) {}

// vectors runs k's vector kernel on n vectors.
func (k *Kernel) vectors(out, x, y *float32, n, sx, sy int) {
	c := &k.c
	switch k.op {
	case Add:
		addNEON(c, out, x, y, n, sx, sy)
	case Sub:
		subNEON(c, out, x, y, n, sx, sy)
	case Mul:
		mulNEON(c, out, x, y, n, sx, sy)
	case Max:
		maxNEON(c, out, x, y, n, sx, sy)
	case Min:
		minNEON(c, out, x, y, n, sx, sy)
	}
}
