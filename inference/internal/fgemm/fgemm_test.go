package fgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// naive computes the contract of doc.go with a triple loop: the sum from
// +0 in index order of the rounded products, plus the bias (+0 without
// one), clamped, any NaN canonical.
func naive(w []float32, n, k int, bias []float32, lo, hi float32, a []float32, lda, m int, dst []float32, ldd, c0, c1 int) {
	for i := range m {
		for c := c0; c < c1; c++ {
			var acc float32
			for j := range k {
				prod := float32(a[i*lda+j] * w[c*k+j])
				acc = acc + prod
			}
			var b float32
			if bias != nil {
				b = bias[c]
			}
			v := acc + b
			if v != v {
				dst[i*ldd+c] = math.Float32frombits(CanonicalNaNBits)
				continue
			}
			dst[i*ldd+c] = fptest.GoMin(fptest.GoMax(v, lo), hi)
		}
	}
}

// problem is one random GEMM.
type problem struct {
	m, n, k  int
	lda, ldd int
	c0, c1   int
	w, a     []float32
	bias     []float32
	lo, hi   float32
}

func (p *problem) String() string {
	return fmt.Sprintf("m=%d n=%d k=%d lda=%d ldd=%d c=[%d,%d) clamp=[%v,%v] bias=%v",
		p.m, p.n, p.k, p.lda, p.ldd, p.c0, p.c1, p.lo, p.hi, p.bias != nil)
}

// specials and clampBounds are fptest's IEEE edge values and valid
// clamp bounds.
var (
	specials    = fptest.Specials()
	clampBounds = fptest.ClampBounds()
)

func randProblem(rng *rand.Rand, maxM, maxN, maxK int) *problem {
	p := &problem{m: 1 + rng.IntN(maxM), n: 1 + rng.IntN(maxN), k: 1 + rng.IntN(maxK)}
	p.lda = p.k + rng.IntN(3)*rng.IntN(7)
	p.ldd = p.n + rng.IntN(3)*rng.IntN(9)
	p.c0, p.c1 = 0, p.n
	if rng.IntN(3) == 0 {
		p.c0 = rng.IntN(p.n)
		p.c1 = p.c0 + 1 + rng.IntN(p.n-p.c0)
	}
	special := []float64{0, 0, 0.002, 0.02, 0.2}[rng.IntN(5)]
	p.w = fptest.RandFloats(rng, p.n*p.k, special)
	p.a = fptest.RandFloats(rng, (p.m-1)*p.lda+p.k, special)
	if rng.IntN(4) > 0 {
		p.bias = fptest.RandFloats(rng, p.n, special)
	}
	b := clampBounds[rng.IntN(len(clampBounds))]
	p.lo, p.hi = b[0], b[1]
	return p
}

// sentinel fills an output buffer with a NaN pattern no kernel produces,
// so that any write outside the requested outputs shows.
func sentinel(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = math.Float32frombits(0x7FBADBAD - uint32(i%7))
	}
	return s
}

// run packs p for path and runs it into a sentinel-filled buffer.
func (p *problem) run(t testing.TB, path gemm.Path) []float32 {
	t.Helper()
	pk, err := PackFloat32(path, p.w, p.n, p.k, p.bias, p.lo, p.hi)
	if err != nil {
		t.Fatalf("%v: pack %s: %v", p, path, err)
	}
	dst := sentinel((p.m-1)*p.ldd + p.n)
	if err := pk.Run(dst, p.ldd, p.a, p.lda, p.m, p.c0, p.c1); err != nil {
		t.Fatalf("%v: run %s: %v", p, path, err)
	}
	return dst
}

// firstDiff describes the first output whose bits differ, or "".
func firstDiff(ldd int, got, want []float32) string {
	i := fptest.FirstDiff(got, want)
	if i < 0 {
		return ""
	}
	if i >= min(len(got), len(want)) {
		return fmt.Sprintf("%d outputs, want %d", len(got), len(want))
	}
	return fmt.Sprintf("row %d channel %d: %s", i/ldd, i%ldd, fptest.Mismatch(got[i], want[i]))
}

// check compares the generic path with the naive loop and every other
// available path with the generic one, bit for bit; the sentinel shows
// any write outside the requested rows and channels.
func (p *problem) check(t testing.TB) {
	t.Helper()
	want := sentinel((p.m-1)*p.ldd + p.n)
	naive(p.w, p.n, p.k, p.bias, p.lo, p.hi, p.a, p.lda, p.m, want, p.ldd, p.c0, p.c1)
	ref := p.run(t, gemm.Generic)
	if d := firstDiff(p.ldd, ref, want); d != "" {
		t.Fatalf("%v: the generic path differs from the naive loop: %s", p, d)
	}
	for _, path := range gemm.Paths()[1:] {
		if d := firstDiff(p.ldd, p.run(t, path), ref); d != "" {
			t.Fatalf("%v: path %s differs from the generic path: %s", p, path, d)
		}
	}
}

func TestRandomShapesMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	cases := 400
	if testing.Short() {
		cases = 80
	}
	for range cases {
		randProblem(rng, 40, 140, 300).check(t)
	}
}

func TestSmallShapesMatchGeneric(t *testing.T) {
	// Every tail combination of the tiles (4, 6 or 8 rows; 16 or 32
	// channels; 4 panels per one-row call; blocks of 4 along K on arm64)
	// on small sizes, with and without special values.
	rng := rand.New(rand.NewPCG(3, 5))
	for m := 1; m <= 10; m++ {
		for _, n := range []int{1, 2, 7, 15, 16, 17, 31, 32, 33, 48, 65, 130} {
			for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9} {
				p := randProblem(rng, 1, 1, 1)
				p.m, p.n, p.k, p.lda, p.ldd = m, n, k, k+m%2, n+k%3
				p.c0, p.c1 = 0, n
				special := float64(m%3) * 0.05
				p.w = fptest.RandFloats(rng, n*k, special)
				p.a = fptest.RandFloats(rng, (m-1)*p.lda+k, special)
				p.bias = fptest.RandFloats(rng, n, special)
				p.check(t)
			}
		}
	}
}

func TestDepths(t *testing.T) {
	// K across the arm64 blocks of 4 and long sums, with row counts that
	// take the one-row kernels, full tiles and tiles with repeated rows.
	rng := rand.New(rand.NewPCG(12, 13))
	for _, m := range []int{1, 2, 3, 5, 9} {
		for _, k := range []int{10, 11, 12, 13, 14, 15, 16, 17, 31, 64, 127, 1000} {
			p := randProblem(rng, 1, 1, 1)
			p.m, p.n, p.k, p.lda, p.ldd = m, 37, k, k+k%3, 37
			p.c0, p.c1 = 0, 37
			p.w = fptest.RandFloats(rng, p.n*k, 0)
			p.a = fptest.RandFloats(rng, (m-1)*p.lda+k, 0)
			p.bias = nil
			p.check(t)
		}
	}
}

func TestChannelRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	p := randProblem(rng, 1, 1, 1)
	p.m, p.n, p.k = 11, 150, 13
	p.lda, p.ldd = 17, 153
	p.w = fptest.RandFloats(rng, p.n*p.k, 0.01)
	p.a = fptest.RandFloats(rng, (p.m-1)*p.lda+p.k, 0.01)
	p.bias = fptest.RandFloats(rng, p.n, 0)
	for _, m := range []int{1, 2, 11} {
		p.m = m
		for c0 := 0; c0 <= p.n; c0 += 7 {
			for c1 := c0; c1 <= p.n; c1 += 11 {
				p.c0, p.c1 = c0, c1
				p.check(t)
			}
		}
	}
}

// TestSpecialValues sums every pair of special values into every special
// bias under every clamp: each output is one product plus a bias, so all
// the roundings, overflows, NaN sources and signed zeros of the epilogue
// show directly.
func TestSpecialValues(t *testing.T) {
	n := len(specials)
	w := make([]float32, n*2)
	for c := range n {
		w[2*c], w[2*c+1] = specials[c], specials[(c*7+3)%n]
	}
	a := make([]float32, n*2)
	for i := range n {
		a[2*i], a[2*i+1] = specials[i], 0
	}
	for _, b := range clampBounds {
		for shift := range n {
			bias := make([]float32, n)
			for c := range bias {
				bias[c] = specials[(c+shift)%n]
			}
			p := &problem{m: n, n: n, k: 2, lda: 2, ldd: n, c0: 0, c1: n, w: w, a: a, bias: bias, lo: b[0], hi: b[1]}
			p.check(t)
		}
	}
}

// TestSignedZeroOutputs pins the clamp's signed zeros: a zero sum is +0
// (a sum from +0 never becomes -0), a -0 bias leaves it +0, and only the
// bounds make -0.
func TestSignedZeroOutputs(t *testing.T) {
	negz := fptest.NegZero()
	cases := []struct {
		bias, lo, hi float32
		want         uint32
	}{
		{negz, float32(math.Inf(-1)), float32(math.Inf(1)), 0},
		{0, negz, negz, 0x80000000},
		{negz, negz, 0, 0},
		{0, float32(math.Inf(-1)), negz, 0x80000000},
		{negz, 0, 0, 0},
		{0, 0, negz, 0x80000000},
		{-3, negz, 0, 0x80000000},
		{-3, 0, 6, 0},
		{7, negz, negz, 0x80000000},
	}
	for _, path := range gemm.Paths() {
		for _, c := range cases {
			// -1 * 0 + 1 * -0: the products are -0 and -0, their sum +0.
			p, err := PackFloat32(path, []float32{0, negz}, 1, 2, []float32{c.bias}, c.lo, c.hi)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []int{1, 9} {
				a := make([]float32, 2*m)
				for i := range m {
					a[2*i], a[2*i+1] = -1, 1
				}
				dst := make([]float32, m)
				if err := p.Run(dst, 1, a, 2, m, 0, 1); err != nil {
					t.Fatal(err)
				}
				for i, v := range dst {
					if math.Float32bits(v) != c.want {
						t.Errorf("%s: bias %v clamp [%v, %v] row %d: got %#08x, want %#08x", path, c.bias, c.lo, c.hi, i, math.Float32bits(v), c.want)
					}
				}
			}
		}
	}
}

func TestClamp(t *testing.T) {
	negz := fptest.NegZero()
	inf := float32(math.Inf(1))
	cases := []struct {
		v, lo, hi float32
		want      uint32
	}{
		{negz, 0, 6, 0},
		{0, negz, 6, 0},
		{negz, negz, 6, 0x80000000},
		{0, -1, negz, 0x80000000},
		{negz, -1, 0, 0x80000000},
		{7, 0, 6, math.Float32bits(6)},
		{-7, 0, 6, 0},
		{inf, -math.MaxFloat32, math.MaxFloat32, math.Float32bits(math.MaxFloat32)},
		{-inf, -math.MaxFloat32, math.MaxFloat32, math.Float32bits(-math.MaxFloat32)},
		{math.Float32frombits(0xFFC00000), 0, 6, CanonicalNaNBits},
		{math.Float32frombits(0x7F800001), -inf, inf, CanonicalNaNBits},
		{math.SmallestNonzeroFloat32, 0, 6, 1},
	}
	for _, c := range cases {
		if got := Clamp(c.v, c.lo, c.hi); math.Float32bits(got) != c.want {
			t.Errorf("Clamp(%v, %v, %v) = %#08x, want %#08x", c.v, c.lo, c.hi, math.Float32bits(got), c.want)
		}
	}
	if math.Float32bits(CanonicalNaN()) != CanonicalNaNBits {
		t.Errorf("CanonicalNaN() = %#08x", math.Float32bits(CanonicalNaN()))
	}
}
