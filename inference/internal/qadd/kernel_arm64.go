package qadd

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// addNEON runs blocks blocks of 16 elements (neon_arm64.s).
//
//go:noescape
func addNEON(c *consts, out, x, y *int8, blocks int)

// kindFor returns the kernel of an available path and its block size: the
// neon kernel for both neon and sdot (it needs no dot products).
func kindFor(path gemm.Path) (kind, int) {
	switch path.Vector() {
	case gemm.NEON:
		return kindNEON, 16
	}
	return kindGeneric, 0
}

// runBlocks runs nb (at least 1) blocks of k's vector kernel.
func (k *Kernel) runBlocks(out, x, y *int8, nb int) {
	addNEON(&k.c, out, x, y, nb)
}
