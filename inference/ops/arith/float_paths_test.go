package arith_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// floatEdges are IEEE edge values: signed zeros, subnormals, infinities,
// NaNs of several payloads and signs, and magnitudes whose sums and
// products overflow or underflow.
var floatEdges = []float32{
	0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.Float32frombits(0x007FFFFF),
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7FC00000), math.Float32frombits(0xFFC12345), math.Float32frombits(0x7F800001),
	math.MaxFloat32, -3e38, 1e20, -1e-30, 6, -1, 1,
}

// floatValues draws n values, a share p of them edge values.
func floatValues(rng *rand.Rand, n int, p float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		if rng.Float64() < p {
			v[i] = floatEdges[rng.IntN(len(floatEdges))]
		} else {
			v[i] = float32(rng.NormFloat64() * 4)
		}
	}
	return v
}

// floatOp is a FLOAT32 operator with an activation, and its definition.
type floatOp struct {
	code builder.Code
	opts builder.Options
	def  func(x, y float32) float32
}

// canonical is the reference's epilogue: Go's min and max, any NaN made
// 0x7FC00000.
func canonical(v, lo, hi float32) float32 {
	if v != v {
		return math.Float32frombits(0x7FC00000)
	}
	return min(max(v, lo), hi)
}

// floatOps lists ADD, SUB and MUL under every activation, and MAXIMUM and
// MINIMUM.
func floatOps() []floatOp {
	type act struct {
		a      builder.Activation
		lo, hi float32
	}
	acts := []act{
		{builder.ActNone, -math.MaxFloat32, math.MaxFloat32}, {builder.ActRelu, 0, math.MaxFloat32},
		{builder.ActRelu6, 0, 6}, {tflite.ActivationFunctionTypeRELU_N1_TO_1, -1, 1},
	}
	var fs []floatOp
	for _, a := range acts {
		lo, hi := a.lo, a.hi
		fs = append(fs,
			floatOp{builder.Add, builder.AddOptions{FusedActivationFunction: a.a}, func(x, y float32) float32 { return canonical(x+y, lo, hi) }},
			floatOp{builder.Sub, builder.SubOptions{FusedActivationFunction: a.a}, func(x, y float32) float32 { return canonical(x-y, lo, hi) }},
			floatOp{builder.Mul, builder.MulOptions{FusedActivationFunction: a.a}, func(x, y float32) float32 { return canonical(x*y, lo, hi) }})
	}
	return append(fs,
		floatOp{builder.Maximum, nil, func(x, y float32) float32 {
			if x > y {
				return x
			}
			return y
		}},
		floatOp{builder.Minimum, nil, func(x, y float32) float32 {
			if x < y {
				return x
			}
			return y
		}})
}

// TestFloatPathsAgree runs FLOAT32 ADD, SUB, MUL (every activation),
// MAXIMUM and MINIMUM on every kernel path, one and two threads, over
// equal shapes, repeated rows, broadcast scalars and columns (stride-0
// runs), inner dimensions below the vector kernels' threshold, and
// lengths that end in every tail of the vectors, with and without edge
// values: every path must give the bits of the definition (Go's min and
// max, NaNs canonical).
func TestFloatPathsAgree(t *testing.T) {
	shapes := []struct{ s1, s2, so []int }{
		{[]int{1, 56, 56, 24}, []int{1, 56, 56, 24}, []int{1, 56, 56, 24}},
		{[]int{3, 5, 40}, []int{40}, []int{3, 5, 40}},
		{[]int{1}, []int{7, 37}, []int{7, 37}},
		{[]int{7, 37}, []int{1}, []int{7, 37}},
		{[]int{9, 70}, []int{9, 1}, []int{9, 70}},
		{[]int{9, 1}, []int{9, 70}, []int{9, 70}},
		{[]int{2, 1, 20}, []int{1, 3, 20}, []int{2, 3, 20}},
		{[]int{50, 3}, []int{3}, []int{50, 3}},
		{[]int{4, 1}, []int{1, 5}, []int{4, 5}},
		{[]int{1}, []int{1}, []int{1}},
	}
	for n := 1; n <= 70; n += 3 {
		shapes = append(shapes, struct{ s1, s2, so []int }{[]int{n}, []int{n}, []int{n}})
	}
	rng := rand.New(rand.NewPCG(21, 22))
	ops := floatOps()
	for i, sh := range shapes {
		for j, special := range []float64{0, 0.05, 0.5} {
			op := ops[(i*3+j)%len(ops)]
			x := floatValues(rng, tensor.NumElements(sh.s1), special)
			y := floatValues(rng, tensor.NumElements(sh.s2), special)
			want := reference(sh.s1, sh.s2, sh.so, x, y, op.def)
			t.Run(fmt.Sprintf("%d/%s/%v", i, op.code, special), func(t *testing.T) {
				for _, path := range inference.KernelPaths() {
					for _, threads := range []int{1, 2} {
						s := spec{code: op.code, opts: op.opts, dt: tensor.Float32, s1: sh.s1, s2: sh.s2, so: sh.so,
							threads: threads, kernels: path}
						got := run(t, s, x, y).Output(0).Float32()
						for e := range want {
							if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
								t.Fatalf("%s, %d threads: output %d = %v (%#08x), want %v (%#08x)",
									path, threads, e, got[e], math.Float32bits(got[e]), want[e], math.Float32bits(want[e]))
							}
						}
					}
				}
			})
		}
	}
}

// TestFloatAllOpsEveryPath runs every operator and activation of floatOps
// on one long shape with a broadcast, on every kernel path.
func TestFloatAllOpsEveryPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	s1, s2, so := []int{6, 101}, []int{101}, []int{6, 101}
	for _, op := range floatOps() {
		x, y := floatValues(rng, 6*101, 0.1), floatValues(rng, 101, 0.1)
		want := reference(s1, s2, so, x, y, op.def)
		for _, path := range inference.KernelPaths() {
			s := spec{code: op.code, opts: op.opts, dt: tensor.Float32, s1: s1, s2: s2, so: so, kernels: path}
			got := run(t, s, x, y).Output(0).Float32()
			for e := range want {
				if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
					t.Fatalf("%s %v on %s: output %d = %#08x, want %#08x", op.code, op.opts, path, e, math.Float32bits(got[e]), math.Float32bits(want[e]))
				}
			}
		}
	}
}

// TestFloatNaNIsCanonical pins the reference's epilogue: NaNs of any sign
// and payload, and those made by Inf - Inf and 0 * Inf, come out as
// 0x7FC00000 on every path.
func TestFloatNaNIsCanonical(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := math.Float32frombits(0xFFC12345)
	for _, c := range []struct {
		code builder.Code
		opts builder.Options
		x, y float32
	}{
		{builder.Add, builder.AddOptions{}, nan, 1},
		{builder.Add, builder.AddOptions{}, inf, -inf},
		{builder.Sub, builder.SubOptions{}, inf, inf},
		{builder.Sub, builder.SubOptions{FusedActivationFunction: builder.ActRelu6}, 2, nan},
		{builder.Mul, builder.MulOptions{}, 0, inf},
		{builder.Mul, builder.MulOptions{FusedActivationFunction: builder.ActRelu}, nan, nan},
	} {
		n := 40
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = c.x, c.y
		}
		for _, path := range inference.KernelPaths() {
			s := spec{code: c.code, opts: c.opts, dt: tensor.Float32, s1: []int{n}, s2: []int{n}, so: []int{n}, kernels: path}
			for i, v := range run(t, s, x, y).Output(0).Float32() {
				if math.Float32bits(v) != 0x7FC00000 {
					t.Fatalf("%s(%v, %v) on %s: output %d = %#08x, want 0x7fc00000", c.code, c.x, c.y, path, i, math.Float32bits(v))
				}
			}
		}
	}
}

// TestFloatRandomBroadcasts draws random shapes of rank 1 to 4, each
// input with random dimensions set to 1 (NumPy broadcasting), random
// operators, activations and edge values, and requires the definition's
// bits on every kernel path.
func TestFloatRandomBroadcasts(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	ops := floatOps()
	cases := 60
	if testing.Short() {
		cases = 20
	}
	for i := range cases {
		rank := 1 + rng.IntN(4)
		so := make([]int, rank)
		s1, s2 := make([]int, rank), make([]int, rank)
		for d := range so {
			so[d] = 1 + rng.IntN(12)
			if d == rank-1 {
				so[d] = 1 + rng.IntN(40)
			}
			s1[d], s2[d] = so[d], so[d]
			switch rng.IntN(4) {
			case 0:
				s1[d] = 1
			case 1:
				s2[d] = 1
			}
		}
		op := ops[rng.IntN(len(ops))]
		special := []float64{0, 0.05, 0.5}[rng.IntN(3)]
		x := floatValues(rng, tensor.NumElements(s1), special)
		y := floatValues(rng, tensor.NumElements(s2), special)
		want := reference(s1, s2, so, x, y, op.def)
		for _, path := range inference.KernelPaths() {
			s := spec{code: op.code, opts: op.opts, dt: tensor.Float32, s1: s1, s2: s2, so: so, threads: 1 + i%2, kernels: path}
			got := run(t, s, x, y).Output(0).Float32()
			for e := range want {
				if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
					t.Fatalf("%s %v %v %v on %s: output %d = %#08x, want %#08x",
						op.code, s1, s2, so, path, e, math.Float32bits(got[e]), math.Float32bits(want[e]))
				}
			}
		}
	}
}
