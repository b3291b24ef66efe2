package qadd

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// checkAllPairs requires every path's result for every pair of stored
// inputs to equal Params.Eval's.
func checkAllPairs(t *testing.T, p Params) {
	t.Helper()
	x, y := allPairs()
	want := make([]int8, len(x))
	for i := range want {
		want[i] = p.Eval(x[i], y[i])
	}
	got := make([]int8, len(x))
	for _, k := range kernels(t, p) {
		clear(got)
		if n := k.Run(got, x, y); n != len(x) {
			t.Fatalf("%s: Run = %d, want %d", k.Path(), n, len(x))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s, %+v: x=%d y=%d gives %d, want %d", k.Path(), p, x[i], y[i], got[i], want[i])
			}
		}
	}
}

// TestAllPairsRealistic checks all 65536 input pairs on every path against
// the reference for parameters derived from random scales, zero points and
// activations, ADD and SUB.
func TestAllPairsRealistic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 150
	if testing.Short() {
		n = 20
	}
	for range n {
		checkAllPairs(t, realistic(r))
	}
}

// TestAllPairsExtreme does the same over the whole range Validate accepts,
// where the kernels' intermediate values reach their bounds.
func TestAllPairsExtreme(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 150
	if testing.Short() {
		n = 20
	}
	for range n {
		checkAllPairs(t, extreme(r))
	}
}

// TestAllPairsEdges checks hand-picked corners: the largest magnitudes
// (offset 128 and -128, multiplier 2^31-1, no right shift), the largest
// shifts, the identity-like case of equal scales and a clamp to one value.
func TestAllPairsEdges(t *testing.T) {
	for i, p := range []Params{
		{Left: 20, Off1: 128, Off2: 128, OffO: 128, M1: math.MaxInt32, M2: math.MaxInt32, MO: math.MaxInt32, Lo: -128, Hi: 127},
		{Sub: true, Left: 20, Off1: -128, Off2: 128, OffO: -128, M1: math.MaxInt32, M2: math.MaxInt32, MO: math.MaxInt32, Lo: -128, Hi: 127},
		{Left: 20, Off1: 128, Off2: -128, M1: 1, M2: 1, MO: 1, R1: 31, R2: 31, RO: 31, Lo: -128, Hi: 127},
		{Left: 20, Off1: 128, Off2: -128, M1: math.MaxInt32, M2: math.MaxInt32, MO: math.MaxInt32, R1: 31, R2: 31, RO: 31, Lo: -128, Hi: 127},
		{Left: 20, M1: 1 << 30, M2: 1 << 30, MO: 1 << 30, RO: 19, Lo: -128, Hi: 127}, // x + y, ties at every odd sum
		{Sub: true, Left: 20, M1: 1 << 30, M2: 1 << 30, MO: 1 << 30, RO: 19, Lo: -128, Hi: 127},
		{Left: 0, Off1: 3, Off2: -7, M1: 1 << 30, M2: 1 << 30, MO: 1 << 30, R1: 1, R2: 2, RO: 1, Lo: -5, Hi: -5},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkAllPairs(t, p) })
	}
}

// TestEqualScalesExact checks the arithmetic itself, not only agreement
// between paths: with equal input and output scales and zero zero points
// the result is x + y (x - y for SUB) saturated to int8.
func TestEqualScalesExact(t *testing.T) {
	for _, sub := range []bool{false, true} {
		p, ok := fromScales(0.5, 0, 0.5, 0, 0.5, 0, -128, 127, sub)
		if !ok {
			t.Fatal("fromScales refused equal scales")
		}
		x, y := allPairs()
		out := make([]int8, len(x))
		for _, k := range kernels(t, p) {
			k.Run(out, x, y)
			for i := range out {
				v := int(x[i]) + int(y[i])
				if sub {
					v = int(x[i]) - int(y[i])
				}
				if want := int8(min(max(v, -128), 127)); out[i] != want {
					t.Fatalf("%s sub=%v: %d and %d give %d, want %d", k.Path(), sub, x[i], y[i], out[i], want)
				}
			}
		}
	}
}

// TestLengths runs random lengths from 0 to 100 (every tail of every
// block size) at random alignments, in place and not, and checks that
// nothing past the n elements is written.
func TestLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := range 300 {
		p := realistic(r)
		if iter%2 == 0 {
			p = extreme(r)
		}
		n := r.IntN(101)
		ox, oy, oo := r.IntN(8), r.IntN(8), r.IntN(8)
		x := make([]int8, ox+n+8)
		y := make([]int8, oy+n+8)
		for i := range x {
			x[i] = int8(r.Uint32())
		}
		for i := range y {
			y[i] = int8(r.Uint32())
		}
		want := make([]int8, n)
		for i := range want {
			want[i] = p.Eval(x[ox+i], y[oy+i])
		}
		for _, k := range kernels(t, p) {
			out := make([]int8, oo+n+8)
			for i := range out {
				out[i] = 0x55
			}
			if got := k.Run(out[oo:oo+n], x[ox:ox+n], y[oy:oy+n]); got != n {
				t.Fatalf("%s: Run = %d, want %d", k.Path(), got, n)
			}
			for i, w := range want {
				if out[oo+i] != w {
					t.Fatalf("%s n=%d: element %d is %d, want %d", k.Path(), n, i, out[oo+i], w)
				}
			}
			for i := range out {
				if (i < oo || i >= oo+n) && out[i] != 0x55 {
					t.Fatalf("%s n=%d: byte %d outside the output was written", k.Path(), n, i-oo)
				}
			}
			// In place: the output is x itself.
			inPlace := append([]int8(nil), x[ox:ox+n]...)
			k.Run(inPlace, inPlace, y[oy:oy+n])
			for i, w := range want {
				if inPlace[i] != w {
					t.Fatalf("%s n=%d in place: element %d is %d, want %d", k.Path(), n, i, inPlace[i], w)
				}
			}
		}
	}
}

// TestRunShortestLength checks that Run computes min(len(out), len(x),
// len(y)) elements, as copy does, and leaves the rest alone.
func TestRunShortestLength(t *testing.T) {
	p, _ := fromScales(0.5, 0, 0.5, 0, 0.5, 0, -128, 127, false)
	for _, k := range kernels(t, p) {
		x := []int8{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
		y := []int8{1, 1, 1}
		out := make([]int8, 40)
		if n := k.Run(out, x, y); n != 3 {
			t.Fatalf("%s: Run = %d, want 3", k.Path(), n)
		}
		if out[0] != 2 || out[1] != 3 || out[2] != 4 || out[3] != 0 {
			t.Fatalf("%s: out = %v, want 2 3 4 then zeros", k.Path(), out[:5])
		}
		if n := k.Run(nil, x, y); n != 0 {
			t.Fatalf("%s: Run with no output = %d, want 0", k.Path(), n)
		}
	}
}

// TestValidate checks that each parameter outside the exact range is
// refused with an error naming it, and the edges are accepted.
func TestValidate(t *testing.T) {
	good := Params{Left: 20, Off1: 128, Off2: -128, OffO: 128, M1: 0, M2: math.MaxInt32, MO: 1 << 30, R1: 0, R2: 31, RO: 5, Lo: -128, Hi: 127}
	if err := good.Validate(); err != nil {
		t.Fatalf("edges refused: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(*Params)
		want string
	}{
		{"negative multiplier", func(p *Params) { p.M1 = -1 }, "input 1 multiplier"},
		{"INT32_MIN multiplier", func(p *Params) { p.M2 = math.MinInt32 }, "input 2 multiplier"},
		{"negative output multiplier", func(p *Params) { p.MO = -5 }, "output multiplier"},
		{"shift 32", func(p *Params) { p.R1 = 32 }, "input 1 right shift"},
		{"negative shift", func(p *Params) { p.RO = -1 }, "output right shift"},
		{"left 21", func(p *Params) { p.Left = 21 }, "left shift"},
		{"left negative", func(p *Params) { p.Left = -1 }, "left shift"},
		{"offset 129", func(p *Params) { p.Off2 = 129 }, "input 2 offset"},
		{"offset -129", func(p *Params) { p.OffO = -129 }, "output offset"},
		{"lo above hi", func(p *Params) { p.Lo, p.Hi = 5, 4 }, "clamp bounds"},
		{"hi 128", func(p *Params) { p.Hi = 128 }, "clamp bounds"},
	} {
		p := good
		c.edit(&p)
		err := p.Validate()
		if err == nil || !errors.Is(err, ErrParams) || !contains(err.Error(), c.want) {
			t.Errorf("%s: Validate = %v, want ErrParams naming %q", c.name, err, c.want)
		}
		if _, err := New(gemm.Generic, p); !errors.Is(err, ErrParams) {
			t.Errorf("%s: New = %v, want ErrParams", c.name, err)
		}
	}
}

// TestNewPath checks that New refuses unknown and unavailable paths and
// reports the path it was given.
func TestNewPath(t *testing.T) {
	p, _ := fromScales(0.5, 0, 0.5, 0, 0.5, 0, -128, 127, false)
	if _, err := New("mmx", p); err == nil {
		t.Error("New accepted an unknown path")
	}
	for _, path := range []gemm.Path{gemm.AVX2, gemm.AVX512VNNI, gemm.NEON, gemm.SDOT, gemm.I8MM} {
		k, err := New(path, p)
		if gemm.Available(path) != (err == nil) {
			t.Errorf("New(%s) = %v, but available is %v", path, err, gemm.Available(path))
		}
		if err == nil && (k.Path() != path || k.Params() != p) {
			t.Errorf("New(%s) reports path %s, params %+v", path, k.Path(), k.Params())
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestRunDoesNotAllocate checks that Run, tail included, allocates
// nothing on any path (kernels run inside Eval, which must not allocate).
func TestRunDoesNotAllocate(t *testing.T) {
	p, _ := fromScales(0.02, 1, 0.03, -2, 0.04, 3, -128, 127, true)
	x, y, out := make([]int8, 77), make([]int8, 77), make([]int8, 77)
	for _, k := range kernels(t, p) {
		if a := testing.AllocsPerRun(20, func() { k.Run(out, x, y) }); a != 0 {
			t.Errorf("%s: Run allocates %v times", k.Path(), a)
		}
	}
}
