package fgemm

import (
	"errors"
	"fmt"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

var errNil = errors.New("fgemm: run: nil PackedFloat32")

// Run computes output rows 0..m-1, channels [c0, c1): for row i and
// channel c it reads the k activations a[i*lda : i*lda+k] and writes
// dst[i*ldd+c]. Nothing outside those positions of dst is written. Run
// allocates nothing; calls on the same PackedFloat32 may run concurrently
// when their outputs do not overlap. Slices too short for the shape, or a
// channel range outside [0, N], are errors.
func (p *PackedFloat32) Run(dst []float32, ldd int, a []float32, lda, m, c0, c1 int) error {
	if p == nil {
		return errNil
	}
	if err := p.checkRun(dst, ldd, a, lda, m, c0, c1); err != nil {
		return err
	}
	if m == 0 || c0 == c1 {
		return nil
	}
	if p.path == gemm.Generic {
		p.runGeneric(dst, ldd, a, lda, m, c0, c1)
		return nil
	}
	p.runSIMD(dst, ldd, a, lda, m, c0, c1)
	return nil
}

func (p *PackedFloat32) checkRun(dst []float32, ldd int, a []float32, lda, m, c0, c1 int) error {
	switch {
	case m < 0:
		return fmt.Errorf("fgemm: run: %d rows", m)
	case c0 < 0 || c1 < c0 || c1 > p.n:
		return fmt.Errorf("fgemm: run: channels [%d, %d) outside [0, %d)", c0, c1, p.n)
	case m == 0 || c0 == c1:
		return nil
	case m > 1 && lda < p.k:
		return fmt.Errorf("fgemm: run: activation stride %d below depth %d", lda, p.k)
	case m > 1 && ldd < c1:
		return fmt.Errorf("fgemm: run: output stride %d below channel end %d", ldd, c1)
	}
	// m >= 1 and the strides are bounded below, so the products stay
	// within the lengths checked (each is at most a slice length).
	if need := (m-1)*lda + p.k; m-1 > (len(a)-p.k)/max(lda, 1) || len(a) < need {
		return fmt.Errorf("fgemm: run: %d activations for %d rows of %d (stride %d)", len(a), m, p.k, lda)
	}
	if m-1 > (len(dst)-c1)/max(ldd, 1) || len(dst) < (m-1)*ldd+c1 {
		return fmt.Errorf("fgemm: run: %d outputs for %d rows up to channel %d (stride %d)", len(dst), m, c1, ldd)
	}
	return nil
}
