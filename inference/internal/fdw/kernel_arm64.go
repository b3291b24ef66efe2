package fdw

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// dwNEON computes a run of pixels for groups of 8 channels (Advanced SIMD).
//
//go:noescape
func dwNEON(a *args)

// kernelFor returns the kernel of path for c channels, its group width
// and the path reported: neon and sdot share the neon kernel, which needs
// 8 channels.
func kernelFor(path gemm.Path, c int) (kernel, int, gemm.Path) {
	if path.Vector() == gemm.NEON && c >= 8 {
		return kernelNEON, 8, gemm.NEON
	}
	return 0, 0, gemm.Generic
}

// run runs the layout's kernel on a.
func (l *simdLayout) run(a *args) { dwNEON(a) }
