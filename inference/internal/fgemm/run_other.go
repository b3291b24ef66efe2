//go:build !amd64 && !arm64

package fgemm

// runSIMD is never reached outside amd64 and arm64, where Generic is the
// only available path; it falls back to the portable kernel for
// completeness.
func (p *PackedFloat32) runSIMD(dst []float32, ldd int, a []float32, lda, m, c0, c1 int) {
	p.runGeneric(dst, ldd, a, lda, m, c0, c1)
}
