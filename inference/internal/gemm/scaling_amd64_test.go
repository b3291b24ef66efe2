package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestSIMDEpiloguesMatchScalar runs the assembly epilogues on blocks of
// channels with every (multiplier, shift) pair of scalingCases and checks
// each lane against the scalar formula (see checkEpilogue). The avx2 and
// avxvnni kernels share one epilogue (req8_amd64.h), which scaleAVX2 runs.
func TestSIMDEpiloguesMatchScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, path := range []Path{AVX2, AVX512VNNI} {
		if !Available(path) {
			t.Logf("%s: not available on this CPU", path)
			continue
		}
		nr := avx2NR
		scale := func(dst, src []int32, l *simdLayout) {
			scaleAVX2((*[avx2NR]int32)(dst), (*[avx2NR]int32)(src), &l.meta[0], &l.cst)
		}
		if path == AVX512VNNI {
			nr = vnniNR
			scale = func(dst, src []int32, l *simdLayout) {
				scaleVNNI((*[vnniNR]int32)(dst), (*[vnniNR]int32)(src), &l.meta[0], &l.cst)
			}
		}
		layout := func(rq Requant) simdLayout { return newLayout(nr, 1, 1, nr, 0, rq, 0, make([]int8, nr)) }
		checked := checkEpilogue(t, string(path), rng, nr, layout, scale)
		t.Logf("%s: %d lanes checked", path, checked)
	}
}
