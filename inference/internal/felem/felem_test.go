package felem

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

var inf = float32(math.Inf(1))

// specials and clampBounds are fptest's IEEE edge values and valid
// clamp bounds.
var (
	specials    = fptest.Specials()
	clampBounds = fptest.ClampBounds()
)

var ops = []Op{Add, Sub, Mul, Max, Min}

// bounds returns the clamp bounds op takes from a list index.
func bounds(op Op, i int) (float32, float32) {
	if !op.clamped() {
		return -inf, inf
	}
	b := clampBounds[i%len(clampBounds)]
	return b[0], b[1]
}

// naive is the package contract for one element, written from its
// definition.
func naive(op Op, x, y, lo, hi float32) float32 {
	var v float32
	switch op {
	case Add:
		v = x + y
	case Sub:
		v = x - y
	case Mul:
		v = x * y
	case Max:
		if x > y {
			return x
		}
		return y
	case Min:
		if x < y {
			return x
		}
		return y
	}
	if v != v {
		return math.Float32frombits(0x7FC00000)
	}
	return fptest.GoMin(fptest.GoMax(v, lo), hi)
}

// randFloats draws n values of varied magnitude (down to subnormals and
// up to overflow; some exactly equal, some opposite, so that sums cancel
// to zero), with probability special one of the specials.
func randFloats(rng *rand.Rand, n int, special float64) []float32 {
	return fptest.RandFloatsSpread(rng, n, special, 150, 2, 6)
}

// problem is one Run: an operation, its bounds, and inputs of len(out) or
// one value.
type problem struct {
	op     Op
	lo, hi float32
	n      int
	x, y   []float32
}

func (p *problem) String() string {
	return fmt.Sprintf("%v n=%d |x|=%d |y|=%d clamp=[%v,%v]", p.op, p.n, len(p.x), len(p.y), p.lo, p.hi)
}

// want computes the naive results.
func (p *problem) want() []float32 {
	out := make([]float32, p.n)
	for i := range out {
		x, y := p.x[0], p.y[0]
		if len(p.x) > 1 || p.n == 1 {
			x = p.x[i]
		}
		if len(p.y) > 1 || p.n == 1 {
			y = p.y[i]
		}
		out[i] = naive(p.op, x, y, p.lo, p.hi)
	}
	return out
}

// run computes p on path into a buffer with a NaN sentinel past the end,
// and checks the sentinel.
func (p *problem) run(t testing.TB, path gemm.Path) ([]float32, gemm.Path) {
	t.Helper()
	k, err := New(path, p.op, p.lo, p.hi)
	if err != nil {
		t.Fatalf("%v: New(%s): %v", p, path, err)
	}
	buf := make([]float32, p.n+3)
	for i := range buf {
		buf[i] = math.Float32frombits(0x7FBADBAD)
	}
	if err := k.Run(buf[:p.n], p.x, p.y); err != nil {
		t.Fatalf("%v: run %s: %v", p, path, err)
	}
	for i := p.n; i < len(buf); i++ {
		if math.Float32bits(buf[i]) != 0x7FBADBAD {
			t.Fatalf("%v: %s wrote past the end (element %d)", p, path, i)
		}
	}
	return buf[:p.n], k.Path()
}

// firstDiff describes the first element whose bits differ, or "".
func (p *problem) firstDiff(got, want []float32) string {
	i := fptest.FirstDiff(got, want)
	if i < 0 {
		return ""
	}
	if i >= min(len(got), len(want)) {
		return fmt.Sprintf("%d elements, want %d", len(got), len(want))
	}
	x, y := p.x[min(i, len(p.x)-1)], p.y[min(i, len(p.y)-1)]
	return fmt.Sprintf("element %d (%v, %v): %s", i, x, y, fptest.Mismatch(got[i], want[i]))
}

// check compares the generic path with the naive loop and every other
// path with the generic one, bit for bit; it returns how many paths ran a
// vector kernel.
func (p *problem) check(t testing.TB) int {
	t.Helper()
	ref, _ := p.run(t, gemm.Generic)
	if d := p.firstDiff(ref, p.want()); d != "" {
		t.Fatalf("%v: the generic path differs from the naive loop: %s", p, d)
	}
	vec := 0
	for _, path := range gemm.Paths()[1:] {
		got, ran := p.run(t, path)
		if ran != gemm.Generic {
			vec++
		}
		if d := p.firstDiff(got, ref); d != "" {
			t.Fatalf("%v: path %s (running %s) differs from the generic path: %s", p, path, ran, d)
		}
	}
	return vec
}

// randProblem draws an operation, bounds, a length and inputs, each input
// a full vector or a broadcast value.
func randProblem(rng *rand.Rand, maxN int) *problem {
	p := &problem{op: ops[rng.IntN(len(ops))], n: rng.IntN(maxN + 1)}
	p.lo, p.hi = bounds(p.op, rng.IntN(len(clampBounds)))
	special := []float64{0, 0.01, 0.1, 0.5}[rng.IntN(4)]
	nx, ny := p.n, p.n
	switch rng.IntN(4) {
	case 1:
		nx = 1
	case 2:
		ny = 1
	case 3:
		nx, ny = 1, 1
	}
	p.x, p.y = randFloats(rng, max(nx, 1), special), randFloats(rng, max(ny, 1), special)
	if p.n == 0 {
		p.x, p.y = p.x[:0], p.y[:0]
	}
	return p
}

// TestRandomProblems checks random lengths (every tail of the vector
// loops), broadcasts, values and bounds for every operation.
func TestRandomProblems(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := 3000
	if testing.Short() {
		cases = 600
	}
	vec := 0
	for range cases {
		vec += randProblem(rng, 300).check(t)
	}
	if len(gemm.Paths()) > 1 && vec == 0 {
		t.Fatal("no problem ran a vector kernel")
	}
}

// TestAllSpecialPairs runs every pair of special values (and ordinary
// ones around them) through every operation under every clamp, as full
// vectors and with either input broadcast.
func TestAllSpecialPairs(t *testing.T) {
	n := len(specials)
	x, y := make([]float32, n*n), make([]float32, n*n)
	for i := range n {
		for j := range n {
			x[i*n+j], y[i*n+j] = specials[i], specials[j]
		}
	}
	for _, op := range ops {
		for b := range clampBounds {
			lo, hi := bounds(op, b)
			(&problem{op: op, lo: lo, hi: hi, n: n * n, x: x, y: y}).check(t)
			for _, s := range specials {
				(&problem{op: op, lo: lo, hi: hi, n: n, x: []float32{s}, y: specials}).check(t)
				(&problem{op: op, lo: lo, hi: hi, n: n, x: specials, y: []float32{s}}).check(t)
			}
			if !op.clamped() {
				break
			}
		}
	}
}

// TestInPlace checks that out may be x or y itself.
func TestInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, path := range gemm.Paths() {
		for _, op := range ops {
			lo, hi := bounds(op, 3)
			k, err := New(path, op, lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 7, 64, 101} {
				x, y := randFloats(rng, n, 0.1), randFloats(rng, n, 0.1)
				want := make([]float32, n)
				if err := k.Run(want, x, y); err != nil {
					t.Fatal(err)
				}
				xx, yy := append([]float32(nil), x...), append([]float32(nil), y...)
				if err := k.Run(xx, xx, y); err != nil {
					t.Fatal(err)
				}
				if err := k.Run(yy, x, yy); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					w := math.Float32bits(want[i])
					if math.Float32bits(xx[i]) != w || math.Float32bits(yy[i]) != w {
						t.Fatalf("%s %v n=%d: in place %v, %v at %d, want %v", path, op, n, xx[i], yy[i], i, want[i])
					}
				}
			}
		}
	}
}

// TestMaxMinSelect pins the reference's selection: MAXIMUM is x > y ? x :
// y, so a NaN in y goes through with its bits and one in x does not, and
// for equal zeros y wins.
func TestMaxMinSelect(t *testing.T) {
	nan := math.Float32frombits(0xFFC12345)
	negz := fptest.NegZero()
	x := []float32{nan, 1, 0, negz, 2, 1}
	y := []float32{1, nan, negz, 0, 1, 2}
	for _, path := range gemm.Paths() {
		for _, c := range []struct {
			op   Op
			want []uint32
		}{
			{Max, []uint32{0x3F800000, 0xFFC12345, 0x80000000, 0, 0x40000000, 0x40000000}},
			{Min, []uint32{0x3F800000, 0xFFC12345, 0x80000000, 0, 0x3F800000, 0x3F800000}},
		} {
			k, err := New(path, c.op, -inf, inf)
			if err != nil {
				t.Fatal(err)
			}
			// Repeated to fill whole vectors on every path.
			n := 16 * len(x)
			xs, ys, out := make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range n {
				xs[i], ys[i] = x[i%len(x)], y[i%len(y)]
			}
			if err := k.Run(out, xs, ys); err != nil {
				t.Fatal(err)
			}
			for i, v := range out {
				if math.Float32bits(v) != c.want[i%len(x)] {
					t.Fatalf("%s %v(%v, %v) = %#08x, want %#08x", path, c.op, xs[i], ys[i], math.Float32bits(v), c.want[i%len(x)])
				}
			}
		}
	}
}

// TestPaths checks the path each kernel reports: vector kernels for every
// operation on the SIMD paths (neon for sdot), and the generic path on
// amd64 for the two bounds its clamp cannot compute exactly.
func TestPaths(t *testing.T) {
	for _, path := range gemm.Paths() {
		for _, op := range ops {
			for b := range clampBounds {
				lo, hi := bounds(op, b)
				k, err := New(path, op, lo, hi)
				if err != nil {
					t.Fatal(err)
				}
				want := path
				switch {
				case path == gemm.Generic:
				case path == gemm.SDOT || path == gemm.I8MM:
					want = gemm.NEON
				case (path == gemm.AVX2 || path == gemm.AVXVNNI || path == gemm.AVX512VNNI) && op.clamped() &&
					(math.Float32bits(lo) == 0x80000000 || math.Float32bits(hi) == 0):
					want = gemm.Generic
				}
				if k.Path() != want || k.Op() != op {
					t.Errorf("%s %v [%v, %v]: runs %s %v, want %s", path, op, lo, hi, k.Path(), k.Op(), want)
				}
			}
		}
	}
}

// TestOpNames checks the operations' names.
func TestOpNames(t *testing.T) {
	for op, want := range map[Op]string{Add: "ADD", Sub: "SUB", Mul: "MUL", Max: "MAXIMUM", Min: "MINIMUM", 9: "Op(9)"} {
		if op.String() != want {
			t.Errorf("Op(%d).String() = %q, want %q", uint8(op), op.String(), want)
		}
	}
}
