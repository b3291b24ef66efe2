//go:build !amd64 && !arm64

package gemm

// runSIMD is never reached outside amd64 and arm64, where Generic is the
// only available path; it falls back to the portable kernel for
// completeness.
func (p *PackedInt8) runSIMD(dst []int8, ldd int, a []int8, lda, m, c0, c1 int) {
	p.runGeneric(dst, ldd, a, lda, m, c0, c1)
}
