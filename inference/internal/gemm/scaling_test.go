package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// scalingCases returns edge and random (multiplier, shift) pairs over the
// whole accepted range, and edge and random accumulators.
func scalingCases(rng *rand.Rand) (mults []int32, shifts []int, xs []int32) {
	mults = []int32{0, 1, 2, 3, 1 << 29, 1<<30 - 1, 1 << 30, 1<<30 + 1, math.MaxInt32 - 1, math.MaxInt32}
	for range 40 {
		mults = append(mults, int32(rng.Uint32()>>1), int32(1<<30+rng.IntN(1<<30)))
	}
	for s := minShift; s <= 40; s++ {
		shifts = append(shifts, s)
	}
	xs = []int32{0, 1, -1, 2, -2, 3, -3, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1, 1 << 30, -(1 << 30)}
	for e := 1; e < 31; e++ { // ties at every right shift, and their neighbours
		for k := int32(-3); k <= 3; k++ {
			x := (2*k + 1) << (e - 1)
			xs = append(xs, x, x-1, x+1)
		}
	}
	for range 400 {
		xs = append(xs, int32(rng.Uint32()), int32(rng.IntN(1<<20)-(1<<19)), int32(rng.Uint32())>>uint(rng.IntN(32)))
	}
	return mults, shifts, xs
}

func TestSIMDModelMatchesScaling(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	mults, shifts, xs := scalingCases(rng)
	for _, m := range mults {
		for _, s := range shifts {
			sc, v := newScaling(m, s), newVecScaling(m, s)
			for _, x := range xs {
				if got, want := v.simdApply(x), sc.apply(x); got != want {
					t.Fatalf("mult %d shift %d x %d: SIMD model %d, scalar %d", m, s, x, got, want)
				}
				if got, want := sc.apply(x), refScale(x, m, s); got != want {
					t.Fatalf("mult %d shift %d x %d: scaling %d, reference %d", m, s, x, got, want)
				}
			}
		}
	}
}
