package arith_test

import (
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/arith"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	arith.Register(r)
	return r
}

// spec describes a single-operator model with two activation inputs.
type spec struct {
	code       builder.Code
	opts       builder.Options
	dt         tensor.DType
	s1, s2, so []int
	q1, q2, qo *builder.Quant
	types      []tensor.DType // in1, in2, out types when they differ from dt
	const2     any            // makes input 2 a constant with these values
	threads    int
	kernels    string // kernel path; "" for the default
}

func (s spec) builder() *builder.Builder {
	b := builder.New()
	t1, t2, to := s.dt, s.dt, s.dt
	if s.types != nil {
		t1, t2, to = s.types[0], s.types[1], s.types[2]
	}
	in1 := b.Tensor("in1", t1, s.s1, s.q1)
	var in2 int
	if s.const2 != nil {
		in2 = b.Const("in2", t2, s.s2, s.q2, s.const2)
	} else {
		in2 = b.Tensor("in2", t2, s.s2, s.q2)
	}
	out := b.Tensor("out", to, s.so, s.qo)
	b.Op(s.code, []int{in1, in2}, []int{out}, s.opts)
	if s.const2 != nil {
		b.Inputs(in1)
	} else {
		b.Inputs(in1, in2)
	}
	b.Outputs(out)
	return b
}

// build returns an interpreter for s.
func (s spec) build(t *testing.T) *inference.Interpreter {
	t.Helper()
	it, err := opstest.TryBuild(s.builder(), resolver(), inference.Options{Threads: s.threads, Kernels: s.kernels})
	if err != nil {
		t.Fatalf("build interpreter: %v", err)
	}
	t.Cleanup(it.Close)
	return it
}

// run builds s, sets the inputs and invokes it.
func run[T int8 | int16 | int32 | int64 | float32](t *testing.T, s spec, x, y []T) *inference.Interpreter {
	t.Helper()
	it := s.build(t)
	opstest.Set(t, it.Input(0), x)
	if s.const2 == nil {
		opstest.Set(t, it.Input(1), y)
	}
	opstest.Invoke(t, it)
	return it
}

// refuse checks that building s fails with an error naming the operator
// and containing want.
func refuse(t *testing.T, s spec, want string) {
	t.Helper()
	_, err := opstest.TryBuild(s.builder(), resolver())
	if err == nil {
		t.Fatalf("TryBuild succeeded, want an error containing %q", want)
	}
	if !strings.Contains(err.Error(), s.code.String()) || !strings.Contains(err.Error(), want) {
		t.Fatalf("TryBuild = %v, want an error naming %s and containing %q", err, s.code, want)
	}
}

// reference computes out[i] = f(a[j], b[k]) by NumPy broadcasting with plain
// multi-index arithmetic, independently of the kernels' fused iteration.
func reference[T, U any](sa, sb, so []int, a, b []T, f func(T, T) U) []U {
	r := max(len(sa), len(sb), len(so))
	ext := func(s []int) []int {
		e := make([]int, r)
		for i := range e {
			e[i] = 1
		}
		copy(e[r-len(s):], s)
		return e
	}
	ea, eb, eo := ext(sa), ext(sb), ext(so)
	out := make([]U, tensor.NumElements(so))
	idx := make([]int, r)
	for i := range out {
		rem := i
		for d := r - 1; d >= 0; d-- {
			idx[d] = rem % eo[d]
			rem /= eo[d]
		}
		ja, jb := 0, 0
		for d := 0; d < r; d++ {
			ja = ja*ea[d] + idx[d]%ea[d]
			jb = jb*eb[d] + idx[d]%eb[d]
		}
		out[i] = f(a[ja], b[jb])
	}
	return out
}

func seq[T int8 | int16 | int32 | float32](n int, start, step T) []T {
	v := make([]T, n)
	for i := range v {
		v[i] = start + T(i)*step
	}
	return v
}

// broadcastCases are the shape triples every operator is tested on.
var broadcastCases = []struct{ a, b, out []int }{
	{[]int{2, 3}, []int{2, 3}, []int{2, 3}},
	{[]int{2, 3}, []int{3}, []int{2, 3}},
	{[]int{3}, []int{2, 3}, []int{2, 3}},
	{[]int{2, 1, 3}, []int{1, 4, 1}, []int{2, 4, 3}},
	{[]int{}, []int{2, 2}, []int{2, 2}},
	{[]int{2, 2}, []int{1}, []int{2, 2}},
	{[]int{2, 1, 2, 1, 2, 1}, []int{1, 2, 1, 2, 1, 2}, []int{2, 2, 2, 2, 2, 2}},
	{[]int{1, 1, 4}, []int{4}, []int{4}}, // the output drops leading ones
	{[]int{4, 1}, []int{1, 1, 1, 5}, []int{1, 1, 4, 5}},
	{[]int{0, 3}, []int{3}, []int{0, 3}}, // empty
}
