package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestPackI8MMLayout checks packI8MM's layout directly (it is plain Go, so
// this runs on every architecture): the shape of K in blocks of 8, and
// every weight at its place in SMMLA's 2x8 operands (channel pair p of a
// block at bytes 16p..16p+15, the even channel first), with zeros in the
// padding of K and of the last panel.
func TestPackI8MMLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, s := range []struct{ n, k int }{{16, 8}, {19, 11}, {33, 24}, {1, 1}, {40, 17}} {
		w := randInt8s(rng, s.n*s.k, -128, 127)
		for i := range w {
			if w[i] == 0 {
				w[i] = 1 // so that a zero in wb is padding
			}
		}
		rq := randRequant(rng, s.n, s.k)
		l := packI8MM(w, s.n, s.k, rq)
		groups := (s.k + 7) / 8
		if l.kq != s.k/8 || l.groups != groups || l.tail != s.k%8 || l.single != 1 {
			t.Fatalf("n=%d k=%d: kq, kt, groups, tail, single = %d, %d, %d, %d, %d", s.n, s.k, l.kq, l.kt, l.groups, l.tail, l.single)
		}
		wantKt := 0 // steps (of 8) in the partial block
		if s.k%8 != 0 {
			wantKt = 1
		}
		if l.kt != wantKt {
			t.Fatalf("n=%d k=%d: kt = %d, want %d", s.n, s.k, l.kt, wantKt)
		}
		if len(l.wb) != l.panels*groups*128 || l.wPanel != groups*128 {
			t.Fatalf("n=%d k=%d: %d weights, panel %d", s.n, s.k, len(l.wb), l.wPanel)
		}
		nonzero := 0
		for _, v := range l.wb {
			if v != 0 {
				nonzero++
			}
		}
		if nonzero != s.n*s.k {
			t.Errorf("n=%d k=%d: %d nonzero packed weights, want %d", s.n, s.k, nonzero, s.n*s.k)
		}
		for c := range s.n {
			for kk := range s.k {
				p, j, g := c/16, c%16, kk/8
				pos := p*l.wPanel + g*128 + j/2*16 + j%2*8 + kk%8
				if l.wb[pos] != w[c*s.k+kk] {
					t.Fatalf("n=%d k=%d: w[%d][%d] = %d, packed %d at %d", s.n, s.k, c, kk, w[c*s.k+kk], l.wb[pos], pos)
				}
			}
		}
	}
}
