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

// checkEpilogue runs scale, an assembly epilogue on nr lanes, over blocks
// of nr channels laid out by layout with every (multiplier, shift) pair of
// scalingCases, and checks each lane against the scalar formula,
// unclamped (the full int32 result plus a wrapping output offset) and
// clamped. It returns the number of lanes checked.
func checkEpilogue(t *testing.T, name string, rng *rand.Rand, nr int, layout func(Requant) simdLayout, scale func(dst, src []int32, l *simdLayout)) int {
	t.Helper()
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
	src, dst := make([]int32, nr), make([]int32, nr)
	for p0 := 0; p0 < len(pairs); p0 += nr {
		rq := Requant{Mult: make([]int32, nr), Shift: make([]int, nr)}
		for j := range nr {
			pr := pairs[(p0+j)%len(pairs)]
			rq.Mult[j], rq.Shift[j] = pr.m, pr.s
		}
		l := layout(rq)
		for _, clamp := range []bool{false, true} {
			out, qmin, qmax := int32(rng.Uint32()), int32(math.MinInt32), int32(math.MaxInt32)
			if clamp {
				out, qmin, qmax = int32(rng.IntN(256)-128), -100, 90
			}
			for i := range l.cst.out {
				l.cst.out[i], l.cst.qmin[i], l.cst.qmax[i] = out, qmin, qmax
			}
			for x0 := 0; x0 < len(xs); x0 += 7 {
				for j := range nr {
					src[j] = xs[(x0+j*13)%len(xs)]
				}
				scale(dst, src, &l)
				for j := range nr {
					want := min(max(refScale(src[j], rq.Mult[j], rq.Shift[j])+out, qmin), qmax)
					if dst[j] != want {
						t.Fatalf("%s: mult %d shift %d x %d out %d clamp %v: got %d, want %d",
							name, rq.Mult[j], rq.Shift[j], src[j], out, clamp, dst[j], want)
					}
					checked++
				}
			}
		}
	}
	return checked
}
