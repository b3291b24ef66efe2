package arith_test

import (
	"math"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// subOptions writes SubOptions with an explicit pot_scale_int16 flag.
func subOptions(act builder.Activation, pot bool) builder.Options {
	return builder.RawOptions{Type: tflite.BuiltinOptionsSubOptions, Build: func(fb *flatbuffers.Builder) flatbuffers.UOffsetT {
		tflite.SubOptionsStart(fb)
		tflite.SubOptionsAddFusedActivationFunction(fb, act)
		tflite.SubOptionsAddPotScaleInt16(fb, pot)
		return tflite.SubOptionsEnd(fb)
	}}
}

func TestSubFloat(t *testing.T) {
	x := []float32{1, -2, 3.5, -4, 5, 10}
	y := []float32{0.5, 1, -1.5, -6, 2, -3}
	for _, tc := range []struct {
		act  builder.Activation
		want []float32
	}{
		{builder.ActNone, []float32{0.5, -3, 5, 2, 3, 13}},
		{builder.ActRelu, []float32{0.5, 0, 5, 2, 3, 13}},
		{builder.ActRelu6, []float32{0.5, 0, 5, 2, 3, 6}},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Sub, opts: builder.SubOptions{FusedActivationFunction: tc.act}, dt: tensor.Float32,
				s1: []int{3, 2}, s2: []int{3, 2}, so: []int{3, 2}}
			it := run(t, s, x, y)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 1e-6)
		})
	}
}

func TestSubBroadcast(t *testing.T) {
	for _, bc := range broadcastCases {
		t.Run(tensor.ShapeString(bc.a)+"-"+tensor.ShapeString(bc.b), func(t *testing.T) {
			na, nb := tensor.NumElements(bc.a), tensor.NumElements(bc.b)
			s := spec{code: builder.Sub, opts: builder.SubOptions{}, s1: bc.a, s2: bc.b, so: bc.out}

			s.dt = tensor.Float32
			xf, yf := seq[float32](na, -1.5, 0.75), seq[float32](nb, 10, -2.5)
			it := run(t, s, xf, yf)
			opstest.Near(t, "float", it.Output(0).Float32(), reference(bc.a, bc.b, bc.out, xf, yf, func(u, v float32) float32 { return u - v }), 1e-6)

			s.dt = tensor.Int32
			xi, yi := seq[int32](na, -7, 3), seq[int32](nb, 100, -11)
			it = run(t, s, xi, yi)
			opstest.Equal(t, "int32", it.Output(0).Int32(), reference(bc.a, bc.b, bc.out, xi, yi, func(u, v int32) int32 { return u - v }))

			// INT16 on the general path with scales 1, 0.5 and 1:
			// out = round(x1 - x2/2), ties away from zero.
			s.dt = tensor.Int16
			s.opts = subOptions(builder.ActNone, false)
			s.q1, s.q2, s.qo = builder.PerTensor(1, 0), builder.PerTensor(0.5, 0), builder.PerTensor(1, 0)
			x16, y16 := seq[int16](na, -300, 37), seq[int16](nb, 251, -29)
			it = run(t, s, x16, y16)
			opstest.Equal(t, "int16", it.Output(0).Int16(), reference(bc.a, bc.b, bc.out, x16, y16, func(u, v int16) int16 {
				return int16(math.Round(float64(u) - float64(v)/2))
			}))
		})
	}
}

func TestSubInt32(t *testing.T) {
	x := []int32{1, -5, math.MinInt32, math.MaxInt32, 10, -2}
	y := []int32{2, -3, 1, -1, 4, -7}
	for _, tc := range []struct {
		act  builder.Activation
		want []int32
	}{
		{builder.ActNone, []int32{-1, -2, math.MaxInt32, math.MinInt32, 6, 5}}, // wrapping
		{builder.ActRelu, []int32{0, 0, math.MaxInt32, 0, 6, 5}},
		{builder.ActRelu6, []int32{0, 0, 6, 0, 6, 5}},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Sub, opts: builder.SubOptions{FusedActivationFunction: tc.act}, dt: tensor.Int32,
				s1: []int{6}, s2: []int{6}, so: []int{6}}
			it := run(t, s, x, y)
			opstest.Equal(t, "output", it.Output(0).Int32(), tc.want)
		})
	}
}

// TestSubInt8 mirrors TestAddInt8: out - zo = round(x1 - x2/2).
func TestSubInt8(t *testing.T) {
	s := spec{code: builder.Sub, opts: builder.SubOptions{}, dt: tensor.Int8,
		s1: []int{6}, s2: []int{6}, so: []int{6},
		q1: builder.PerTensor(0.5, -1), q2: builder.PerTensor(0.25, 3), qo: builder.PerTensor(0.5, 2)}
	q1 := []int8{-1, 0, -2, 9, 127, -128} // x1 = 0, 1, -1, 10, 128, -127
	q2 := []int8{3, 2, 4, 7, -128, 127}   // x2 = 0, -1, 1, 4, -131, 124
	// x1 - x2/2 = 0, 1.5, -1.5, 8, 193.5, -189 -> 0, 2, -2, 8, 194, -189;
	// plus zo = 2, saturating.
	it := run(t, s, q1, q2)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{2, 4, 0, 10, 127, -128})
}

func TestSubInt8DifferentScalesAndRelu6(t *testing.T) {
	const s1, z1, s2, z2, so, zo = 0.0291, 5, 0.0123, -9, 0.0311, -20
	x, y := make([]int8, 256), make([]int8, 256)
	for i := range x {
		x[i] = int8(i - 128)
		y[i] = int8((i*101)%256 - 128)
	}
	for _, tc := range []struct {
		act    builder.Activation
		lo, hi float64
	}{
		{builder.ActNone, -128, 127},
		{builder.ActRelu6, zo, zo + math.Round(6/so)}, // [-20, 173] within int8: [-20, 127]
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Sub, opts: builder.SubOptions{FusedActivationFunction: tc.act}, dt: tensor.Int8,
				s1: []int{256}, s2: []int{256}, so: []int{256},
				q1: builder.PerTensor(s1, z1), q2: builder.PerTensor(s2, z2), qo: builder.PerTensor(so, zo)}
			want := make([]int8, 256)
			for i := range want {
				r := s1*float64(int(x[i])-z1) - s2*float64(int(y[i])-z2)
				want[i] = int8(max(-128, tc.lo, min(127, tc.hi, math.Round(r/so)+zo)))
			}
			it := run(t, s, x, y)
			opstest.WithinSteps(t, "output", it.Output(0).Int8(), want, 1)
		})
	}
}

// TestSubInt16PowerOfTwo: with pot_scale_int16 the finer input is rounded
// onto the output scale first (Sub16); otherwise the difference is rounded
// once.
func TestSubInt16PowerOfTwo(t *testing.T) {
	q := func(e int) *builder.Quant { return builder.PerTensor(float32(math.Ldexp(1, e)), 0) }
	for _, tc := range []struct {
		name       string
		opts       builder.Options
		q1, q2     *builder.Quant
		x, y, want []int16
	}{
		// Input 2 scaled by 1/4: 1 - round(2/4) = 0; 1 - round(-2/4) = 2;
		// -32768 - 4 saturates; 32767 + 4 saturates.
		{"pot input 2", subOptions(builder.ActNone, true), q(-10), q(-12),
			[]int16{1, 1, -32768, 32767}, []int16{2, -2, 16, -16}, []int16{0, 2, -32768, 32767}},
		// The general path rounds 1 - 0.5 = 0.5 to 1 and 1 + 0.5 to 2.
		{"general", subOptions(builder.ActNone, false), q(-10), q(-12),
			[]int16{1, 1, -32768, 32767}, []int16{2, -2, 16, -16}, []int16{1, 2, -32768, 32767}},
		// Input 1 scaled by 1/2: round(-3/2) - 1 = -3; round(3/2) - (-1) = 3.
		{"pot input 1", subOptions(builder.ActNone, true), q(-11), q(-10),
			[]int16{-3, 3, 0, 7}, []int16{1, -1, 0, 7}, []int16{-3, 3, 0, -3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec{code: builder.Sub, opts: tc.opts, dt: tensor.Int16,
				s1: []int{4}, s2: []int{4}, so: []int{4}, q1: tc.q1, q2: tc.q2, qo: q(-10)}
			it := run(t, s, tc.x, tc.y)
			opstest.Equal(t, "output", it.Output(0).Int16(), tc.want)
		})
	}
}

func TestSubSeanet(t *testing.T) { opstest.CheckSeanet(t, "sub", resolver()) }

func TestSubRefusals(t *testing.T) {
	base := spec{code: builder.Sub, opts: builder.SubOptions{}, dt: tensor.Int32, s1: []int{2, 1, 3}, s2: []int{1, 4, 1}, so: []int{2, 4, 3}}
	for _, tc := range []struct {
		name string
		edit func(*spec)
		want string
	}{
		{"incompatible shapes", func(s *spec) { s.s2 = []int{2, 4, 2} }, "not broadcast-compatible"},
		{"output shape", func(s *spec) { s.so = []int{2, 4, 1} }, "broadcast to"},
		{"mixed types", func(s *spec) { s.types = []tensor.DType{tensor.Int32, tensor.Int32, tensor.Float32} }, "same type"},
		{"quantized int32 output", func(s *spec) { s.qo = builder.PerTensor(1, 0) }, "quantized INT32"},
		{"options of another operator", func(s *spec) { s.opts = builder.AddOptions{} }, "options"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.edit(&s)
			refuse(t, s, tc.want)
		})
	}
}
