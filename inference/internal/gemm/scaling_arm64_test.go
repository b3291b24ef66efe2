package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestARMEpilogueMatchesScalar runs the arm64 epilogue (shared by the neon
// and sdot kernels) on blocks of 16 channels with every (multiplier,
// shift) pair of scalingCases and checks each lane against the scalar
// formula, unclamped (the full int32 result plus a wrapping output
// offset) and clamped. Among the accumulators are the ties of every right
// shift, where SRSHL's rounding (half up) differs from the reference's
// (half away from zero), and the extremes where SQRDMULH could saturate.
func TestARMEpilogueMatchesScalar(t *testing.T) {
	if !Available(NEON) {
		t.Skip("neon: not available on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 7))
	mults, shifts, xs := scalingCases(rng)
	type pair struct {
		m int32
		s int
	}
	var pairs []pair
	for _, m := range mults {
		for _, s := range shifts {
			pairs = append(pairs, pair{m, s})
		}
	}
	checked := 0
	for p0 := 0; p0 < len(pairs); p0 += armNR {
		rq := Requant{Mult: make([]int32, armNR), Shift: make([]int, armNR)}
		for j := range armNR {
			pr := pairs[(p0+j)%len(pairs)]
			rq.Mult[j], rq.Shift[j] = pr.m, pr.s
		}
		l := newARMLayout(armNR, 1, neonBlock, neonStep, rq, make([]int8, armNR))
		for _, clamp := range []bool{false, true} {
			out, qmin, qmax := int32(rng.Uint32()), int32(math.MinInt32), int32(math.MaxInt32)
			if clamp {
				out, qmin, qmax = int32(rng.IntN(256)-128), -100, 90
			}
			for i := range l.cst.out {
				l.cst.out[i], l.cst.qmin[i], l.cst.qmax[i] = out, qmin, qmax
			}
			for x0 := 0; x0 < len(xs); x0 += 7 {
				var src, dst [armNR]int32
				for j := range armNR {
					src[j] = xs[(x0+j*13)%len(xs)]
				}
				scaleARM(&dst, &src, &l.meta[0], &l.cst)
				for j := range armNR {
					want := min(max(refScale(src[j], rq.Mult[j], rq.Shift[j])+out, qmin), qmax)
					if dst[j] != want {
						t.Fatalf("mult %d shift %d x %d out %d clamp %v: got %d, want %d",
							rq.Mult[j], rq.Shift[j], src[j], out, clamp, dst[j], want)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d lanes checked", checked)
}
