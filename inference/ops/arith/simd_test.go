package arith_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// randomInt8Spec returns an INT8 ADD or SUB of shapes s1 and s2 (output
// so) with random scales (10^-4 to 10, log-uniform), zero points and
// fused activation (none, RELU, RELU6, RELU_N1_TO_1).
func randomInt8Spec(r *rand.Rand, s1, s2, so []int) spec {
	scale := func() float32 { return float32(math.Pow(10, -4+5*r.Float64())) }
	zp := func() int64 {
		if r.IntN(6) == 0 {
			return 0
		}
		return int64(r.IntN(256) - 128)
	}
	act := []builder.Activation{builder.ActNone, builder.ActRelu, builder.ActRelu6, tflite.ActivationFunctionTypeRELU_N1_TO_1}[r.IntN(4)]
	s := spec{dt: tensor.Int8, s1: s1, s2: s2, so: so,
		q1: builder.PerTensor(scale(), zp()), q2: builder.PerTensor(scale(), zp()), qo: builder.PerTensor(scale(), zp())}
	if r.IntN(2) == 0 {
		s.code, s.opts = builder.Add, builder.AddOptions{FusedActivationFunction: act}
	} else {
		s.code, s.opts = builder.Sub, builder.SubOptions{FusedActivationFunction: act}
	}
	return s
}

// pathsAgree runs s on every kernel path of this CPU and requires the
// generic path's bytes.
func pathsAgree(t *testing.T, s spec, x, y []int8) {
	t.Helper()
	var want []byte
	for _, p := range inference.KernelPaths() {
		s.kernels = p
		got := run(t, s, x, y).Output(0).Data
		if want == nil {
			want = bytes.Clone(got)
			continue
		}
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("%s %v %v %v %v: output element %d is %d on %s, %d on generic",
				s.code, s.opts, s.q1, s.q2, s.qo, i, int8(got[i]), p, int8(want[i]))
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestInt8PathsAllPairs checks INT8 ADD and SUB on every kernel path
// against the generic path (the pair table) on all 65536 pairs of stored
// inputs, for random scales, zero points and activations: the SIMD
// kernels must give the very same bytes.
func TestInt8PathsAllPairs(t *testing.T) {
	if len(inference.KernelPaths()) < 2 {
		t.Skipf("this CPU has only the %v kernel path", inference.KernelPaths())
	}
	x, y := make([]int8, 1<<16), make([]int8, 1<<16)
	for j := range x {
		x[j], y[j] = int8(j>>8), int8(j)
	}
	r := rand.New(rand.NewPCG(11, 12))
	n := 40
	if testing.Short() {
		n = 8
	}
	shape := []int{1, 256, 256}
	for i := range n {
		s := randomInt8Spec(r, shape, shape, shape)
		if i%4 == 3 {
			s.threads = 2
		}
		pathsAgree(t, s, x, y)
	}
}

// TestInt8PathsExtremeScales checks all pairs on every path for scale
// ratios whose multipliers round to zero (below 2^-32) or need the
// largest shifts.
func TestInt8PathsExtremeScales(t *testing.T) {
	if len(inference.KernelPaths()) < 2 {
		t.Skipf("this CPU has only the %v kernel path", inference.KernelPaths())
	}
	x, y := make([]int8, 1<<16), make([]int8, 1<<16)
	for j := range x {
		x[j], y[j] = int8(j>>8), int8(j)
	}
	shape := []int{1, 256, 256}
	for _, sc := range [][3]float32{{1e-12, 1, 1}, {1, 3e-10, 1e-5}, {1e-4, 1e-4, 1e3}, {5e-10, 1, 2e-3}, {1, 1, 1e-5}} {
		for _, code := range []builder.Code{builder.Add, builder.Sub} {
			s := spec{code: code, opts: builder.AddOptions{}, dt: tensor.Int8, s1: shape, s2: shape, so: shape,
				q1: builder.PerTensor(sc[0], 7), q2: builder.PerTensor(sc[1], -9), qo: builder.PerTensor(sc[2], 3)}
			if code == builder.Sub {
				s.opts = builder.SubOptions{}
			}
			pathsAgree(t, s, x, y)
		}
	}
}

// TestInt8PathsBroadcast checks broadcasts on every path: a row repeated
// over outer dimensions (contiguous runs: the SIMD kernels), a short row
// (below the SIMD kernels' shortest run), a scalar and a column (the Go
// path on every kernel path), and random lengths that end in every tail
// of the kernels' blocks.
func TestInt8PathsBroadcast(t *testing.T) {
	if len(inference.KernelPaths()) < 2 {
		t.Skipf("this CPU has only the %v kernel path", inference.KernelPaths())
	}
	r := rand.New(rand.NewPCG(13, 14))
	fill := func(n int) []int8 {
		v := make([]int8, n)
		for i := range v {
			v[i] = int8(r.Uint32())
		}
		return v
	}
	cases := []struct{ s1, s2, so []int }{
		{[]int{1, 64, 300}, []int{1, 1, 300}, []int{1, 64, 300}},
		{[]int{1, 1, 40}, []int{1, 64, 40}, []int{1, 64, 40}},
		{[]int{8, 8, 5}, []int{8, 1, 5}, []int{8, 8, 5}},
		{[]int{1, 300, 70}, []int{1}, []int{1, 300, 70}},
		{[]int{1, 300, 70}, []int{1, 300, 1}, []int{1, 300, 70}},
	}
	for n := range 101 {
		cases = append(cases, struct{ s1, s2, so []int }{[]int{n}, []int{n}, []int{n}})
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			s := randomInt8Spec(r, c.s1, c.s2, c.so)
			pathsAgree(t, s, fill(tensor.NumElements(c.s1)), fill(tensor.NumElements(c.s2)))
		})
	}
}
