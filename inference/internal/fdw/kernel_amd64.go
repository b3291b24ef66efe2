package fdw

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// dwYMM computes a run of pixels for groups of 8 channels (AVX2).
//
//go:noescape
func dwYMM(a *args)

// dwZMM computes a run of pixels for groups of 16 channels (AVX-512 F).
//
//go:noescape
func dwZMM(a *args)

// kernelFor returns the kernel of path for c channels, its group width
// and the path reported: avx512vnni takes 16 channels a group from 16
// channels on, and the avx2 kernel's 8 below; avx2 needs 8.
func kernelFor(path gemm.Path, c int) (kernel, int, gemm.Path) {
	switch {
	case path.Vector() == gemm.AVX512VNNI && c >= 16:
		return kernelZMM, 16, path
	case (path.Vector() == gemm.AVX2 || path.Vector() == gemm.AVX512VNNI) && c >= 8:
		return kernelYMM, 8, path
	}
	return 0, 0, gemm.Generic
}

// run runs the layout's kernel on a.
func (l *simdLayout) run(a *args) {
	if l.kern == kernelZMM {
		dwZMM(a)
		return
	}
	dwYMM(a)
}
