package arith_test

import (
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestMaximumMinimumFloat(t *testing.T) {
	nan := float32(math.NaN())
	x := []float32{1, -2, 3.5, -0.5, nan, 1}
	y := []float32{0.5, 1, 3.5, -6, 1, nan}
	for _, tc := range []struct {
		code builder.Code
		want []float32
	}{
		// As in the reference (x > y ? x : y), a NaN in input 2 propagates
		// and one in input 1 does not.
		{builder.Maximum, []float32{1, 1, 3.5, -0.5, 1, nan}},
		{builder.Minimum, []float32{0.5, -2, 3.5, -6, 1, nan}},
	} {
		t.Run(tc.code.String(), func(t *testing.T) {
			s := spec{code: tc.code, dt: tensor.Float32, s1: []int{2, 3}, s2: []int{2, 3}, so: []int{2, 3}}
			it := run(t, s, x, y)
			got := it.Output(0).Float32()
			opstest.Near(t, "output", got[:5], tc.want[:5], 0)
			if !math.IsNaN(float64(got[5])) {
				t.Errorf("output[5] = %v, want NaN", got[5])
			}
		})
	}
}

func TestMaximumMinimumIntegers(t *testing.T) {
	x := []int64{-128, 127, 0, -1, 5, 42}
	y := []int64{127, -128, 0, 1, 5, -42}
	maxWant := []int64{127, 127, 0, 1, 5, 42}
	minWant := []int64{-128, -128, 0, -1, 5, -42}
	q := builder.PerTensor(0.5, -3)
	for _, dt := range []tensor.DType{tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64} {
		for _, code := range []builder.Code{builder.Maximum, builder.Minimum} {
			t.Run(dt.String()+"/"+code.String(), func(t *testing.T) {
				s := spec{code: code, dt: dt, s1: []int{6}, s2: []int{6}, so: []int{6}}
				if dt == tensor.Int8 || dt == tensor.Int16 {
					s.q1, s.q2, s.qo = q, q, q // equal quantization: raw values compare
				}
				it := s.build(t)
				if err := opstest.SetInts(it.Input(0), x); err != nil {
					t.Fatal(err)
				}
				if err := opstest.SetInts(it.Input(1), y); err != nil {
					t.Fatal(err)
				}
				opstest.Invoke(t, it)
				want := maxWant
				if code == builder.Minimum {
					want = minWant
				}
				opstest.Equal(t, "output", opstest.Ints(it.Output(0)), want)
			})
		}
	}
}

func TestMaximumMinimumBroadcast(t *testing.T) {
	for _, bc := range broadcastCases {
		for _, code := range []builder.Code{builder.Maximum, builder.Minimum} {
			t.Run(code.String()+tensor.ShapeString(bc.a)+tensor.ShapeString(bc.b), func(t *testing.T) {
				na, nb := tensor.NumElements(bc.a), tensor.NumElements(bc.b)
				pick := func(u, v float32) float32 { return max(u, v) }
				if code == builder.Minimum {
					pick = func(u, v float32) float32 { return min(u, v) }
				}
				s := spec{code: code, dt: tensor.Float32, s1: bc.a, s2: bc.b, so: bc.out}
				xf, yf := seq[float32](na, -3, 0.5), seq[float32](nb, 2, -0.75)
				it := run(t, s, xf, yf)
				opstest.Near(t, "float", it.Output(0).Float32(), reference(bc.a, bc.b, bc.out, xf, yf, pick), 0)

				s.dt = tensor.Int8
				q := builder.PerTensor(0.1, 7)
				s.q1, s.q2, s.qo = q, q, q
				x8, y8 := seq[int8](na, -30, 5), seq[int8](nb, 20, -7)
				it = run(t, s, x8, y8)
				opstest.Equal(t, "int8", it.Output(0).Int8(), reference(bc.a, bc.b, bc.out, x8, y8, func(u, v int8) int8 {
					return int8(pick(float32(u), float32(v)))
				}))
			})
		}
	}
}

// TestMaximumScalarConstant is the audio preprocessor's pattern: MAXIMUM of
// a [40] INT32 tensor and a constant scalar (a floor).
func TestMaximumScalarConstant(t *testing.T) {
	s := spec{code: builder.Maximum, dt: tensor.Int32, s1: []int{40}, s2: []int{}, so: []int{40}, const2: []int32{10}}
	x := seq[int32](40, -50, 3)
	it := run(t, s, x, nil)
	want := make([]int32, 40)
	for i, v := range x {
		want[i] = max(v, 10)
	}
	opstest.Equal(t, "output", it.Output(0).Int32(), want)
}

func TestMaximumMinimumRefusals(t *testing.T) {
	q := builder.PerTensor(0.5, 1)
	base := spec{code: builder.Minimum, dt: tensor.Int8, s1: []int{2, 3}, s2: []int{2, 1}, so: []int{2, 3}, q1: q, q2: q, qo: q}
	for _, tc := range []struct {
		name string
		edit func(*spec)
		want string
	}{
		{"incompatible shapes", func(s *spec) { s.s2 = []int{2, 2} }, "not broadcast-compatible"},
		{"output shape", func(s *spec) { s.so = []int{2, 1} }, "broadcast to"},
		{"mixed types", func(s *spec) { s.types = []tensor.DType{tensor.Int8, tensor.Int8, tensor.Int16} }, "same type"},
		{"different scales", func(s *spec) { s.q2 = builder.PerTensor(0.25, 1) }, "must be equal"},
		{"different zero points", func(s *spec) { s.code = builder.Maximum; s.qo = builder.PerTensor(0.5, 2) }, "must be equal"},
		{"partly quantized", func(s *spec) { s.q2 = nil }, "not quantized"},
		{"bool", func(s *spec) { s.dt = tensor.Bool; s.q1, s.q2, s.qo = nil, nil, nil }, "BOOL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.edit(&s)
			refuse(t, s, tc.want)
		})
	}
}
