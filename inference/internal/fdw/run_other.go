//go:build !amd64 && !arm64

package fdw

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// kernelFor reports no SIMD kernel outside amd64 and arm64.
func kernelFor(gemm.Path, int) (kernel, int, gemm.Path) { return 0, 0, gemm.Generic }

// runSIMD is never reached outside amd64 and arm64, where every Packed
// runs the generic path; it falls back to the portable kernel for
// completeness.
func (k *Packed) runSIMD(out, in []float32, n, oy0, oy1 int) {
	k.runGeneric(out, in, n, oy0, oy1)
}
