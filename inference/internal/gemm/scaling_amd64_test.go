package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSIMDEpiloguesMatchScalar runs the assembly epilogues on blocks of
// channels with every (multiplier, shift) pair of scalingCases and checks
// each lane against the scalar formula, unclamped (the full int32 result
// plus a wrapping output offset) and clamped.
func TestSIMDEpiloguesMatchScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
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
	for _, path := range []Path{AVX2, AVX512VNNI} {
		if !Available(path) {
			t.Logf("%s: not available on this CPU", path)
			continue
		}
		nr := avx2NR
		if path == AVX512VNNI {
			nr = vnniNR
		}
		checked := 0
		for p0 := 0; p0 < len(pairs); p0 += nr {
			rq := Requant{Mult: make([]int32, nr), Shift: make([]int, nr)}
			for j := range nr {
				pr := pairs[(p0+j)%len(pairs)]
				rq.Mult[j], rq.Shift[j] = pr.m, pr.s
			}
			l := newLayout(nr, 1, 1, nr, 0, rq, 0, make([]int8, nr))
			for _, clamp := range []bool{false, true} {
				out, qmin, qmax := int32(rng.Uint32()), int32(math.MinInt32), int32(math.MaxInt32)
				if clamp {
					out, qmin, qmax = int32(rng.IntN(256)-128), -100, 90
				}
				for i := range l.cst.out {
					l.cst.out[i], l.cst.qmin[i], l.cst.qmax[i] = out, qmin, qmax
				}
				for x0 := 0; x0 < len(xs); x0 += 7 {
					var src, dst [vnniNR]int32
					for j := range nr {
						src[j] = xs[(x0+j*13)%len(xs)]
					}
					if path == AVX2 {
						scaleAVX2((*[avx2NR]int32)(dst[:]), (*[avx2NR]int32)(src[:]), &l.meta[0], &l.cst)
					} else {
						scaleVNNI(&dst, &src, &l.meta[0], &l.cst)
					}
					for j := range nr {
						want := min(max(refScale(src[j], rq.Mult[j], rq.Shift[j])+out, qmin), qmax)
						if dst[j] != want {
							t.Fatalf("%s: mult %d shift %d x %d out %d clamp %v: got %d, want %d",
								path, rq.Mult[j], rq.Shift[j], src[j], out, clamp, dst[j], want)
						}
						checked++
					}
				}
			}
		}
		t.Logf("%s: %d lanes checked", path, checked)
	}
}
