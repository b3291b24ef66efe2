package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestARMEpilogueMatchesScalar runs the arm64 epilogue (shared by the neon
// and sdot kernels) on blocks of 16 channels with every (multiplier,
// shift) pair of scalingCases and checks each lane against the scalar
// formula (see checkEpilogue). Among the accumulators are the ties of
// every right shift, where SRSHL's rounding (half up) differs from the
// reference's (half away from zero), and the extremes where SQRDMULH
// could saturate.
func TestARMEpilogueMatchesScalar(t *testing.T) {
	if !Available(NEON) {
		t.Skip("neon: not available on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 7))
	layout := func(rq Requant) simdLayout {
		return newARMLayout(armNR, 1, neonBlock, neonStep, rq, make([]int8, armNR))
	}
	scale := func(dst, src []int32, l *simdLayout) {
		scaleARM((*[armNR]int32)(dst), (*[armNR]int32)(src), &l.meta[0], &l.cst)
	}
	checked := checkEpilogue(t, "neon", rng, armNR, layout, scale)
	t.Logf("%d lanes checked", checked)
}
