// Package gemmargs checks the arguments of a packed GEMM's Run, the same
// for the int8 (gemm) and float32 (fgemm) kernels: m rows of k
// activations at stride lda, output channels [c0, c1) of n written at
// stride ldd.
package gemmargs

import "fmt"

// Shape is a packed weight matrix's size: n output channels of depth k.
type Shape struct{ N, K int }

// CheckRun checks a Run of m rows, channels [c0, c1), reading lenA
// activations at stride lda and writing into lenDst outputs at stride
// ldd; prefix names the caller in the errors ("fgemm: run"). An empty
// call (m == 0 or c0 == c1) with a valid range is valid whatever the
// slices and strides.
func (s Shape) CheckRun(prefix string, lenDst, ldd, lenA, lda, m, c0, c1 int) error {
	switch {
	case m < 0:
		return fmt.Errorf("%s: %d rows", prefix, m)
	case c0 < 0 || c1 < c0 || c1 > s.N:
		return fmt.Errorf("%s: channels [%d, %d) outside [0, %d)", prefix, c0, c1, s.N)
	case m == 0 || c0 == c1:
		return nil
	case m > 1 && lda < s.K:
		return fmt.Errorf("%s: activation stride %d below depth %d", prefix, lda, s.K)
	case m > 1 && ldd < c1:
		return fmt.Errorf("%s: output stride %d below channel end %d", prefix, ldd, c1)
	}
	// m >= 1 and the strides are bounded below, so the products stay
	// within the lengths checked (each is at most a slice length).
	if need := (m-1)*lda + s.K; m-1 > (lenA-s.K)/max(lda, 1) || lenA < need {
		return fmt.Errorf("%s: %d activations for %d rows of %d (stride %d)", prefix, lenA, m, s.K, lda)
	}
	if m-1 > (lenDst-c1)/max(ldd, 1) || lenDst < (m-1)*ldd+c1 {
		return fmt.Errorf("%s: %d outputs for %d rows up to channel %d (stride %d)", prefix, lenDst, m, c1, ldd)
	}
	return nil
}
