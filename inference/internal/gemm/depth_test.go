package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestDepthBlocks sweeps K across the kernels' blocks and steps (groups
// of 4 on amd64; blocks of 8 in pairs for neon, of 16 in groups of 4 for
// sdot, of 8 for i8mm), with row counts that take the one-row kernels, full tiles and
// tiles with repeated rows, and a channel count with a partial panel.
func TestDepthBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	for _, m := range []int{1, 2, 3, 4, 5, 9} {
		for _, n := range []int{16, 19} {
			for k := 1; k <= 48; k++ {
				p := randProblem(rng, 1, 1, 1)
				p.m, p.n, p.k, p.lda, p.ldd = m, n, k, k+k%3, n
				p.c0, p.c1 = 0, n
				p.w = randInt8s(rng, n*k, -128, 127)
				p.a = randInt8s(rng, (m-1)*p.lda+k, -128, 127)
				p.rq = randRequant(rng, n, k)
				p.check(t)
			}
		}
	}
}
