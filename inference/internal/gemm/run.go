package gemm

import (
	"errors"

	"github.com/edge-agent/edge-agent/inference/internal/gemmargs"
)

var errNil = errors.New("gemm: run: nil PackedInt8")

// Run computes output rows 0..m-1, channels [c0, c1): for row i and
// channel c it reads the k activations a[i*lda : i*lda+k] and writes
// dst[i*ldd+c]. Nothing outside those positions of dst is written. Run
// allocates nothing; calls on the same PackedInt8 may run concurrently
// when their outputs do not overlap. Slices too short for the shape, or a
// channel range outside [0, N], are errors.
func (p *PackedInt8) Run(dst []int8, ldd int, a []int8, lda, m, c0, c1 int) error {
	if p == nil {
		return errNil
	}
	if err := p.checkRun(dst, ldd, a, lda, m, c0, c1); err != nil {
		return err
	}
	if m == 0 || c0 == c1 {
		return nil
	}
	if p.path == Generic {
		p.runGeneric(dst, ldd, a, lda, m, c0, c1)
		return nil
	}
	p.runSIMD(dst, ldd, a, lda, m, c0, c1)
	return nil
}

func (p *PackedInt8) checkRun(dst []int8, ldd int, a []int8, lda, m, c0, c1 int) error {
	return gemmargs.Shape{N: p.n, K: p.k}.CheckRun("gemm: run", len(dst), ldd, len(a), lda, m, c0, c1)
}
