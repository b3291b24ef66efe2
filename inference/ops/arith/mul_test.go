package arith_test

import (
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestMulFloat(t *testing.T) {
	x := []float32{1, -2, 3.5, -4, 5, 10}
	y := []float32{0.5, 1, -1.5, -6, 2, -3}
	for _, tc := range []struct {
		act  builder.Activation
		want []float32
	}{
		{builder.ActNone, []float32{0.5, -2, -5.25, 24, 10, -30}},
		{builder.ActRelu, []float32{0.5, 0, 0, 24, 10, 0}},
		{builder.ActRelu6, []float32{0.5, 0, 0, 6, 6, 0}},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Mul, opts: builder.MulOptions{FusedActivationFunction: tc.act}, dt: tensor.Float32,
				s1: []int{1, 6}, s2: []int{1, 6}, so: []int{1, 6}}
			it := run(t, s, x, y)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 1e-6)
		})
	}
}

func TestMulBroadcast(t *testing.T) {
	for _, bc := range broadcastCases {
		t.Run(tensor.ShapeString(bc.a)+"*"+tensor.ShapeString(bc.b), func(t *testing.T) {
			na, nb := tensor.NumElements(bc.a), tensor.NumElements(bc.b)
			s := spec{code: builder.Mul, opts: builder.MulOptions{}, s1: bc.a, s2: bc.b, so: bc.out}

			s.dt = tensor.Float32
			xf, yf := seq[float32](na, -1.5, 0.75), seq[float32](nb, 10, -2.5)
			it := run(t, s, xf, yf)
			opstest.Near(t, "float", it.Output(0).Float32(), reference(bc.a, bc.b, bc.out, xf, yf, func(u, v float32) float32 { return u * v }), 1e-5)

			s.dt = tensor.Int32
			xi, yi := seq[int32](na, -7, 3), seq[int32](nb, 100, -11)
			it = run(t, s, xi, yi)
			opstest.Equal(t, "int32", it.Output(0).Int32(), reference(bc.a, bc.b, bc.out, xi, yi, func(u, v int32) int32 { return u * v }))

			// INT8 with s1*s2/so = 1: out = x1 * x2 exactly (saturating).
			s.dt = tensor.Int8
			s.q1, s.q2, s.qo = builder.PerTensor(0.5, 0), builder.PerTensor(0.25, 0), builder.PerTensor(0.125, 0)
			x8, y8 := seq[int8](na, -9, 1), seq[int8](nb, 5, -1)
			it = run(t, s, x8, y8)
			opstest.Equal(t, "int8", it.Output(0).Int8(), reference(bc.a, bc.b, bc.out, x8, y8, func(u, v int8) int8 {
				return int8(max(-128, min(127, int(u)*int(v))))
			}))
		})
	}
}

func TestMulInt32(t *testing.T) {
	x := []int32{3, -4, 65536, math.MaxInt32, 2, -3}
	y := []int32{5, 6, 65536, 2, 3, 1}
	for _, tc := range []struct {
		act  builder.Activation
		want []int32
	}{
		{builder.ActNone, []int32{15, -24, 0, -2, 6, -3}}, // 2^32 and 2^32-2 wrap
		{builder.ActRelu, []int32{15, 0, 0, 0, 6, 0}},
		{builder.ActRelu6, []int32{6, 0, 0, 0, 6, 0}},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Mul, opts: builder.MulOptions{FusedActivationFunction: tc.act}, dt: tensor.Int32,
				s1: []int{6}, s2: []int{6}, so: []int{6}}
			it := run(t, s, x, y)
			opstest.Equal(t, "output", it.Output(0).Int32(), tc.want)
		})
	}
}

// TestMulInt8 uses s1*s2/so = 0.5*0.25/0.125 = 1, so out - zo = x1 * x2.
func TestMulInt8(t *testing.T) {
	s := spec{code: builder.Mul, opts: builder.MulOptions{}, dt: tensor.Int8,
		s1: []int{6}, s2: []int{6}, so: []int{6},
		q1: builder.PerTensor(0.5, 1), q2: builder.PerTensor(0.25, -2), qo: builder.PerTensor(0.125, -5)}
	q1 := []int8{1, 3, -1, 11, 127, -128} // x1 = 0, 2, -2, 10, 126, -129
	q2 := []int8{-2, 1, 3, -12, 0, 100}   // x2 = 0, 3, 5, -10, 2, 102
	// products 0, 6, -10, -100, 252, -13158; plus -5, saturating
	it := run(t, s, q1, q2)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-5, 1, -15, -105, 127, -128})
}

// TestMulInt8Rounding uses a multiplier of 1/2: the rounding doubling high
// multiplication rounds ties upwards (3/2 -> 2, -3/2 -> -1).
func TestMulInt8Rounding(t *testing.T) {
	s := spec{code: builder.Mul, opts: builder.MulOptions{}, dt: tensor.Int8,
		s1: []int{4}, s2: []int{4}, so: []int{4},
		q1: builder.PerTensor(0.5, 0), q2: builder.PerTensor(0.5, 0), qo: builder.PerTensor(0.5, 0)}
	it := run(t, s, []int8{3, -3, 5, 7}, []int8{1, 1, -1, 3})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{2, -1, -2, 11})
}

func TestMulInt8DifferentScalesAndActivations(t *testing.T) {
	const s1, z1, s2, z2, so, zo = 0.0213, 4, 0.0377, -17, 0.0291, 9
	x, y := make([]int8, 256), make([]int8, 256)
	for i := range x {
		x[i] = int8(i - 128)
		y[i] = int8((i*73)%256 - 128)
	}
	for _, tc := range []struct {
		act    builder.Activation
		lo, hi float64
	}{
		{builder.ActNone, -128, 127},
		{builder.ActRelu, zo, 127},
		{builder.ActRelu6, zo, zo + math.Round(6/so)},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Mul, opts: builder.MulOptions{FusedActivationFunction: tc.act}, dt: tensor.Int8,
				s1: []int{256}, s2: []int{256}, so: []int{256},
				q1: builder.PerTensor(s1, z1), q2: builder.PerTensor(s2, z2), qo: builder.PerTensor(so, zo)}
			want := make([]int8, 256)
			for i := range want {
				r := s1 * float64(int(x[i])-z1) * s2 * float64(int(y[i])-z2)
				want[i] = int8(max(-128, tc.lo, min(127, tc.hi, math.Round(r/so)+zo)))
			}
			it := run(t, s, x, y)
			opstest.WithinSteps(t, "output", it.Output(0).Int8(), want, 1)
		})
	}
}

// TestMulInt16 uses scales 2^-8 (1.0 is 256) and checks saturation.
func TestMulInt16(t *testing.T) {
	q := builder.PerTensor(1.0/256, 0)
	s := spec{code: builder.Mul, opts: builder.MulOptions{}, dt: tensor.Int16,
		s1: []int{6}, s2: []int{6}, so: []int{6}, q1: q, q2: q, qo: q}
	x := []int16{256, -256, 384, 32767, -32768, 16}    // 1, -1, 1.5, ...
	y := []int16{512, 768, -640, 32767, 32767, 16}     // 2, 3, -2.5, ...
	want := []int16{512, -768, -960, 32767, -32768, 1} // 2, -3, -3.75, saturated, saturated, 1/256
	it := run(t, s, x, y)
	opstest.Equal(t, "output", it.Output(0).Int16(), want)
}

func TestMulInt16Broadcast(t *testing.T) {
	q := builder.PerTensor(1.0/256, 0)
	s := spec{code: builder.Mul, opts: builder.MulOptions{FusedActivationFunction: builder.ActRelu6}, dt: tensor.Int16,
		s1: []int{2, 1, 3}, s2: []int{1, 4, 1}, so: []int{2, 4, 3}, q1: q, q2: q, qo: q}
	x := seq[int16](6, -512, 256) // -2 .. 3
	y := seq[int16](4, 256, 256)  // 1 .. 4
	want := reference(s.s1, s.s2, s.so, x, y, func(u, v int16) int16 {
		return int16(max(0, min(6*256, int(u)*int(v)/256)))
	})
	it := run(t, s, x, y)
	opstest.Equal(t, "output", it.Output(0).Int16(), want)
}

func TestMulRefusals(t *testing.T) {
	q := builder.PerTensor(0.1, 0)
	base := spec{code: builder.Mul, opts: builder.MulOptions{}, dt: tensor.Int8, s1: []int{2, 3}, s2: []int{3}, so: []int{2, 3}, q1: q, q2: q, qo: q}
	for _, tc := range []struct {
		name string
		edit func(*spec)
		want string
	}{
		{"incompatible shapes", func(s *spec) { s.s2 = []int{2} }, "not broadcast-compatible"},
		{"output shape", func(s *spec) { s.so = []int{3} }, "broadcast to"},
		{"mixed types", func(s *spec) { s.types = []tensor.DType{tensor.Int8, tensor.Int16, tensor.Int8} }, "same type"},
		{"int16 zero point", func(s *spec) { s.dt = tensor.Int16; s.qo = builder.PerTensor(0.1, 3) }, "zero points"},
		{"unquantized", func(s *spec) { s.qo = nil }, "not quantized"},
		{"uint8", func(s *spec) { s.dt = tensor.Uint8 }, "UINT8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.edit(&s)
			refuse(t, s, tc.want)
		})
	}
}
