package arith_test

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestDivFloat(t *testing.T) {
	s := spec{code: builder.Div, opts: builder.DivOptions{}, dt: tensor.Float32, s1: []int{6}, s2: []int{6}, so: []int{6}}
	it := run(t, s, []float32{1, -2, 3, -4, 5, -5}, []float32{0.5, 4, -1.5, -8, 0, 0})
	got := it.Output(0).Float32()
	// x/0 is ±Inf, clamped to ±MaxFloat32 by the (absent) activation's range.
	opstest.Near(t, "output", got, []float32{2, -0.5, -2, 0.5, math.MaxFloat32, -math.MaxFloat32}, 1e-6)
}

func TestDivFloatActivations(t *testing.T) {
	x := []float32{1, -2, 3, -4, 30, 0}
	y := []float32{0.5, 4, -1.5, -8, 2, 0}
	for _, tc := range []struct {
		act  builder.Activation
		want []float32
	}{
		{builder.ActRelu, []float32{2, 0, 0, 0.5, 15}},
		{builder.ActRelu6, []float32{2, 0, 0, 0.5, 6}},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Div, opts: builder.DivOptions{FusedActivationFunction: tc.act}, dt: tensor.Float32,
				s1: []int{6}, s2: []int{6}, so: []int{6}}
			it := run(t, s, x, y)
			got := it.Output(0).Float32()
			opstest.Near(t, "output", got[:5], tc.want, 1e-6)
			if !math.IsNaN(float64(got[5])) { // 0/0
				t.Errorf("0/0 = %v, want NaN", got[5])
			}
		})
	}
}

func TestDivBroadcast(t *testing.T) {
	for _, bc := range broadcastCases {
		t.Run(tensor.ShapeString(bc.a)+"/"+tensor.ShapeString(bc.b), func(t *testing.T) {
			na, nb := tensor.NumElements(bc.a), tensor.NumElements(bc.b)
			s := spec{code: builder.Div, opts: builder.DivOptions{}, s1: bc.a, s2: bc.b, so: bc.out}

			s.dt = tensor.Float32
			xf, yf := seq[float32](na, -1.5, 0.75), seq[float32](nb, 10.25, -2.5) // no zero divisor
			it := run(t, s, xf, yf)
			opstest.Near(t, "float", it.Output(0).Float32(), reference(bc.a, bc.b, bc.out, xf, yf, func(u, v float32) float32 { return u / v }), 1e-6)

			s.dt = tensor.Int32
			xi, yi := seq[int32](na, -700, 37), seq[int32](nb, 100, -11)
			it = run(t, s, xi, yi)
			opstest.Equal(t, "int32", it.Output(0).Int32(), reference(bc.a, bc.b, bc.out, xi, yi, func(u, v int32) int32 { return u / v }))
		})
	}
}

// TestDivInt32 checks truncation toward zero, the MinInt32 / -1 wrap and the
// activations.
func TestDivInt32(t *testing.T) {
	x := []int32{7, -7, 7, -7, math.MinInt32, 0, 20}
	y := []int32{2, 2, -2, -2, -1, 5, 3}
	for _, tc := range []struct {
		act  builder.Activation
		want []int32
	}{
		{builder.ActNone, []int32{3, -3, -3, 3, math.MinInt32, 0, 6}},
		{builder.ActRelu, []int32{3, 0, 0, 3, 0, 0, 6}},
		{builder.ActRelu6, []int32{3, 0, 0, 3, 0, 0, 6}},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Div, opts: builder.DivOptions{FusedActivationFunction: tc.act}, dt: tensor.Int32,
				s1: []int{7}, s2: []int{7}, so: []int{7}}
			it := run(t, s, x, y)
			opstest.Equal(t, "output", it.Output(0).Int32(), tc.want)
		})
	}
}

// TestDivInt32ScalarConstant is the audio preprocessor's pattern: a [40]
// tensor divided by a constant scalar.
func TestDivInt32ScalarConstant(t *testing.T) {
	s := spec{code: builder.Div, opts: builder.DivOptions{}, dt: tensor.Int32,
		s1: []int{40}, s2: []int{}, so: []int{40}, const2: []int32{-3}}
	x := seq[int32](40, -60, 7)
	it := run(t, s, x, nil)
	want := make([]int32, 40)
	for i, v := range x {
		want[i] = v / -3
	}
	opstest.Equal(t, "output", it.Output(0).Int32(), want)
}

func TestDivByZero(t *testing.T) {
	// The INT8 divisor's zero point is 3: a stored 3 is a real zero.
	for _, tc := range []struct {
		name string
		s    spec
	}{
		{"int32", spec{dt: tensor.Int32}},
		{"int8", spec{dt: tensor.Int8, q1: builder.PerTensor(0.5, 0), q2: builder.PerTensor(0.5, 3), qo: builder.PerTensor(0.5, 0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			s.code, s.opts = builder.Div, builder.DivOptions{}
			s.s1, s.s2, s.so = []int{3}, []int{3}, []int{3}
			it := s.build(t)
			zero := int64(0)
			if s.q2 != nil {
				zero = s.q2.ZeroPoint[0] // the quantized zero
			}
			if err := opstest.SetInts(it.Input(0), []int64{4, 5, 6}); err != nil {
				t.Fatal(err)
			}
			if err := opstest.SetInts(it.Input(1), []int64{zero + 1, zero, zero + 1}); err != nil {
				t.Fatal(err)
			}
			if err := opstest.SetInts(it.Output(0), []int64{-9, -9, -9}); err != nil {
				t.Fatal(err)
			}
			err := it.Invoke()
			if err == nil || !strings.Contains(err.Error(), "DIV") || !strings.Contains(err.Error(), "division by zero") {
				t.Fatalf("Invoke = %v, want a division by zero error", err)
			}
			opstest.Equal(t, "untouched output", opstest.Ints(it.Output(0)), []int64{-9, -9, -9})
			// The same interpreter runs once the divisor is fixed.
			if err := opstest.SetInts(it.Input(1), []int64{zero + 1, zero + 1, zero + 1}); err != nil {
				t.Fatal(err)
			}
			opstest.Invoke(t, it)
		})
	}
}

// TestDivInt8 uses s1/(s2*so) = 0.5/(0.5*0.25) = 4: out - zo = 4*x1/x2,
// rounded. Quotients that are whole numbers come out exactly.
func TestDivInt8(t *testing.T) {
	s := spec{code: builder.Div, opts: builder.DivOptions{}, dt: tensor.Int8,
		s1: []int{8}, s2: []int{8}, so: []int{8},
		q1: builder.PerTensor(0.5, -2), q2: builder.PerTensor(0.5, 1), qo: builder.PerTensor(0.25, -10)}
	q1 := []int8{4, -8, 28, -2, 127, -128, 10, 40} // x1 = 6, -6, 30, 0, 129, -126, 12, 42
	q2 := []int8{4, 4, -5, 7, 2, 2, -11, 2}        // x2 = 3, 3, -6, 6, 1, 1, -12, 1
	// 4*x1/x2 = 8, -8, -20, 0, 516, -504, -4, 168; plus -10, saturating
	it := run(t, s, q1, q2)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-2, -18, -30, -10, 127, -128, -14, 127})
}

// TestDivInt8Sweep compares general scales with a float computation,
// within one step, over all dividends and a spread of divisors.
func TestDivInt8Sweep(t *testing.T) {
	const s1, z1, s2, z2, so, zo = 0.0391, 3, 0.0457, -6, 0.0713, -2
	var x, y, want []int8
	for i := -128; i < 128; i++ {
		for _, d := range []int{-128, -37, -7, -5, 1, 9, 64, 127} {
			if d == z2 {
				continue
			}
			x, y = append(x, int8(i)), append(y, int8(d))
			r := (s1 * float64(i-z1)) / (s2 * float64(d-z2))
			want = append(want, int8(max(-128, min(127, math.Round(r/so)+zo))))
		}
	}
	s := spec{code: builder.Div, opts: builder.DivOptions{}, dt: tensor.Int8,
		s1: []int{len(x)}, s2: []int{len(x)}, so: []int{len(x)},
		q1: builder.PerTensor(s1, z1), q2: builder.PerTensor(s2, z2), qo: builder.PerTensor(so, zo)}
	it := run(t, s, x, y)
	opstest.WithinSteps(t, "output", it.Output(0).Int8(), want, 1)
}

func TestDivInt8BroadcastRelu(t *testing.T) {
	// Scalar divisor 2 (x2 = 4 - 2), scales making out = x1 / 2 exactly for
	// even x1; RELU clamps at zo = 0.
	s := spec{code: builder.Div, opts: builder.DivOptions{FusedActivationFunction: builder.ActRelu}, dt: tensor.Int8,
		s1: []int{2, 3}, s2: []int{1}, so: []int{2, 3},
		q1: builder.PerTensor(1, 0), q2: builder.PerTensor(1, 2), qo: builder.PerTensor(1, 0)}
	it := run(t, s, []int8{-4, 0, 4, 100, -100, 126}, []int8{4})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{0, 0, 2, 50, 0, 63})
}

// TestDivInt8TFLMCases are TFLite Micro's quantized div_test cases, with
// their tolerance of two quantization steps plus a step squared.
func TestDivInt8TFLMCases(t *testing.T) {
	for _, tc := range []struct {
		name         string
		lo, hi       float32
		act          builder.Activation
		shape2       []int
		x, y, expect []float32
	}{
		{"act none", -1, 1, builder.ActNone, []int{4},
			[]float32{-0.8, -0.2, 0.3, 0.7}, []float32{-0.8, 0.4, 0.8, 1.0}, []float32{1.0, -0.5, 0.375, 0.7}},
		{"relu_n1_to_1", -1, 1, tflite.ActivationFunctionTypeRELU_N1_TO_1, []int{4},
			[]float32{-0.8, 0.2, 0.9, 0.7}, []float32{0.6, 0.4, 0.9, -0.8}, []float32{-1.0, 0.5, 1.0, -0.875}},
		{"relu_n1_to_1 again", -1, 1, tflite.ActivationFunctionTypeRELU_N1_TO_1, []int{4},
			[]float32{-0.5, 0.2, 0.6, 0.3}, []float32{0.6, 0.5, -0.8, 0.5}, []float32{-0.833, 0.4, -0.75, 0.6}},
		{"broadcast", -3, 3, builder.ActNone, []int{1},
			[]float32{-2.0, 0.2, 0.7, 0.8}, []float32{0.7}, []float32{-2.857, 0.286, 1.0, 1.143}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scale := (tc.hi - tc.lo) / 255
			zp := -128 + int64(math.Round(float64(-tc.lo/scale)))
			q := builder.PerTensor(scale, zp)
			s := spec{code: builder.Div, opts: builder.DivOptions{FusedActivationFunction: tc.act}, dt: tensor.Int8,
				s1: []int{4}, s2: tc.shape2, so: []int{4}, q1: q, q2: q, qo: q}
			it := run(t, s, opstest.QuantizeInt8(tc.x, scale, int32(zp)), opstest.QuantizeInt8(tc.y, scale, int32(zp)))
			got := make([]float32, 4)
			for i, v := range it.Output(0).Int8() {
				got[i] = scale * float32(int64(v)-zp)
			}
			step := float64(scale)
			opstest.Near(t, "output", got, tc.expect, 2*step+step*step)
		})
	}
}

func TestDivRefusals(t *testing.T) {
	base := spec{code: builder.Div, opts: builder.DivOptions{}, dt: tensor.Float32, s1: []int{2, 3}, s2: []int{3}, so: []int{2, 3}}
	q := builder.PerTensor(0.5, 0)
	for _, tc := range []struct {
		name string
		edit func(*spec)
		want string
	}{
		{"incompatible shapes", func(s *spec) { s.s2 = []int{2} }, "not broadcast-compatible"},
		{"mixed types", func(s *spec) { s.types = []tensor.DType{tensor.Float32, tensor.Int32, tensor.Float32} }, "same type"},
		{"int16", func(s *spec) { s.dt = tensor.Int16; s.q1, s.q2, s.qo = q, q, q }, "INT16"},
		{"quantized int32", func(s *spec) { s.dt = tensor.Int32; s.q2 = q }, "quantized INT32"},
		{"multiplier too large", func(s *spec) {
			s.dt = tensor.Int8
			s.q1, s.q2, s.qo = builder.PerTensor(1, 0), builder.PerTensor(1e-4, 0), builder.PerTensor(1e-4, 0)
		}, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.edit(&s)
			refuse(t, s, tc.want)
		})
	}
}
