package qadd

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// addAVX2 runs blocks blocks of 16 elements (avx2_amd64.s).
//
//go:noescape
func addAVX2(c *consts, out, x, y *int8, blocks int)

// addAVX512 runs blocks blocks of 32 elements (avx512_amd64.s).
//
//go:noescape
func addAVX512(c *consts, out, x, y *int8, blocks int)

// kindFor returns the kernel of an available path and its block size.
func kindFor(path gemm.Path) (kind, int) {
	switch path.Vector() {
	case gemm.AVX2:
		return kindAVX2, 16
	case gemm.AVX512VNNI:
		return kindAVX512, 32
	}
	return kindGeneric, 0
}

// runBlocks runs nb (at least 1) blocks of k's vector kernel.
func (k *Kernel) runBlocks(out, x, y *int8, nb int) {
	if k.kind == kindAVX512 {
		addAVX512(&k.c, out, x, y, nb)
	} else {
		addAVX2(&k.c, out, x, y, nb)
	}
}
