package arith_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// addOptions writes AddOptions with an explicit pot_scale_int16 flag.
func addOptions(act builder.Activation, pot bool) builder.Options {
	return builder.RawOptions{Type: tflite.BuiltinOptionsAddOptions, Build: func(fb *flatbuffers.Builder) flatbuffers.UOffsetT {
		tflite.AddOptionsStart(fb)
		tflite.AddOptionsAddFusedActivationFunction(fb, act)
		tflite.AddOptionsAddPotScaleInt16(fb, pot)
		return tflite.AddOptionsEnd(fb)
	}}
}

func TestAddFloat(t *testing.T) {
	x := []float32{1, -2, 3.5, -4, 5, 10}
	y := []float32{0.5, 1, -1.5, -6, 2, -3}
	for _, tc := range []struct {
		name string
		act  builder.Activation
		want []float32
	}{
		{"none", builder.ActNone, []float32{1.5, -1, 2, -10, 7, 7}},
		{"relu", builder.ActRelu, []float32{1.5, 0, 2, 0, 7, 7}},
		{"relu6", builder.ActRelu6, []float32{1.5, 0, 2, 0, 6, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec{code: builder.Add, opts: builder.AddOptions{FusedActivationFunction: tc.act}, dt: tensor.Float32,
				s1: []int{2, 3}, s2: []int{2, 3}, so: []int{2, 3}}
			it := run(t, s, x, y)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 1e-6)
		})
	}
}

func TestAddBroadcast(t *testing.T) {
	for _, bc := range broadcastCases {
		t.Run(tensor.ShapeString(bc.a)+"+"+tensor.ShapeString(bc.b), func(t *testing.T) {
			na, nb := tensor.NumElements(bc.a), tensor.NumElements(bc.b)
			s := spec{code: builder.Add, opts: builder.AddOptions{}, s1: bc.a, s2: bc.b, so: bc.out}

			s.dt = tensor.Float32
			xf, yf := seq[float32](na, -1.5, 0.75), seq[float32](nb, 10, -2.5)
			it := run(t, s, xf, yf)
			opstest.Near(t, "float", it.Output(0).Float32(), reference(bc.a, bc.b, bc.out, xf, yf, func(u, v float32) float32 { return u + v }), 1e-6)

			s.dt = tensor.Int32
			xi, yi := seq[int32](na, -7, 3), seq[int32](nb, 100, -11)
			it = run(t, s, xi, yi)
			opstest.Equal(t, "int32", it.Output(0).Int32(), reference(bc.a, bc.b, bc.out, xi, yi, func(u, v int32) int32 { return u + v }))

			// INT8 with scales that make the sum exact: out = x1 + x2/2
			// in units of the output scale (see TestAddInt8).
			s.dt = tensor.Int8
			s.q1, s.q2, s.qo = builder.PerTensor(0.5, 0), builder.PerTensor(0.25, 0), builder.PerTensor(0.5, 0)
			x8, y8 := seq[int8](na, -20, 3), seq[int8](nb, 40, -6)
			it = run(t, s, x8, y8)
			opstest.Equal(t, "int8", it.Output(0).Int8(), reference(bc.a, bc.b, bc.out, x8, y8, func(u, v int8) int8 {
				return int8(math.Round(float64(u) + float64(v)/2))
			}))
		})
	}
}

func TestAddInt32(t *testing.T) {
	x := []int32{1, -5, math.MaxInt32, math.MinInt32, 3, -2}
	y := []int32{2, 3, 1, -1, 4, -7}
	for _, tc := range []struct {
		act  builder.Activation
		want []int32
	}{
		// INT32 wraps as the reference's two's-complement arithmetic.
		{builder.ActNone, []int32{3, -2, math.MinInt32, math.MaxInt32, 7, -9}},
		{builder.ActRelu, []int32{3, 0, 0, math.MaxInt32, 7, 0}},
		{builder.ActRelu6, []int32{3, 0, 0, 6, 6, 0}},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Add, opts: builder.AddOptions{FusedActivationFunction: tc.act}, dt: tensor.Int32,
				s1: []int{6}, s2: []int{6}, so: []int{6}}
			it := run(t, s, x, y)
			opstest.Equal(t, "output", it.Output(0).Int32(), tc.want)
		})
	}
}

// TestAddInt8 uses input scales 0.5 and 0.25 and output scale 0.5, for
// which the fixed-point pipeline is exact up to the final rounding:
// out - zo = round(x1 + x2/2) with x1 = q1 - z1, x2 = q2 - z2 and ties
// rounded away from zero.
func TestAddInt8(t *testing.T) {
	s := spec{code: builder.Add, opts: builder.AddOptions{}, dt: tensor.Int8,
		s1: []int{6}, s2: []int{6}, so: []int{6},
		q1: builder.PerTensor(0.5, -1), q2: builder.PerTensor(0.25, 3), qo: builder.PerTensor(0.5, 2)}
	q1 := []int8{-1, 0, -2, 9, 127, -128} // x1 = 0, 1, -1, 10, 128, -127
	q2 := []int8{3, 4, 2, 7, 127, -128}   // x2 = 0, 1, -1, 4, 124, -131
	// x1 + x2/2 = 0, 1.5, -1.5, 12, 190, -192.5 -> 0, 2, -2, 12, 190, -193;
	// plus zo = 2, saturating at the int8 limits.
	it := run(t, s, q1, q2)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{2, 4, 0, 14, 127, -128})
}

// TestAddInt8DifferentScales checks general scales against a float
// computation, within one step.
func TestAddInt8DifferentScales(t *testing.T) {
	const s1, z1, s2, z2, so, zo = 0.0173, -7, 0.0411, 12, 0.0537, -3
	s := spec{code: builder.Add, opts: builder.AddOptions{}, dt: tensor.Int8,
		s1: []int{256}, s2: []int{256}, so: []int{256},
		q1: builder.PerTensor(s1, z1), q2: builder.PerTensor(s2, z2), qo: builder.PerTensor(so, zo)}
	x, y := make([]int8, 256), make([]int8, 256)
	want := make([]int8, 256)
	for i := range x {
		x[i] = int8(i - 128)
		y[i] = int8((i*37)%256 - 128)
		r := s1*float64(int(x[i])-z1) + s2*float64(int(y[i])-z2)
		want[i] = int8(max(-128, min(127, math.Round(r/so)+zo)))
	}
	it := run(t, s, x, y)
	opstest.WithinSteps(t, "output", it.Output(0).Int8(), want, 1)
}

func TestAddInt8Activations(t *testing.T) {
	// Output scale 0.1, zero point -10: RELU clamps at q = -10 (0.0),
	// RELU6 also at q = 50 (6.0). Inputs are exact multiples of 0.1.
	x := []int8{-50, 0, 30, 100} // -5, 0, 3, 10 (scale 0.1, zp 0)
	y := []int8{0, -20, 10, 0}   // 0, -2, 1, 0
	for _, tc := range []struct {
		act  builder.Activation
		want []int8
	}{
		{builder.ActNone, []int8{-60, -30, 30, 90}},
		{builder.ActRelu, []int8{-10, -10, 30, 90}},
		{builder.ActRelu6, []int8{-10, -10, 30, 50}},
	} {
		t.Run(tc.act.String(), func(t *testing.T) {
			s := spec{code: builder.Add, opts: builder.AddOptions{FusedActivationFunction: tc.act}, dt: tensor.Int8,
				s1: []int{4}, s2: []int{4}, so: []int{4},
				q1: builder.PerTensor(0.1, 0), q2: builder.PerTensor(0.1, 0), qo: builder.PerTensor(0.1, -10)}
			it := run(t, s, x, y)
			opstest.Equal(t, "output", it.Output(0).Int8(), tc.want)
		})
	}
}

// TestAddInt16General uses equal unit scales, for which the general path
// is exact, and checks saturation at the int16 limits.
func TestAddInt16General(t *testing.T) {
	s := spec{code: builder.Add, opts: addOptions(builder.ActNone, false), dt: tensor.Int16,
		s1: []int{5}, s2: []int{5}, so: []int{5},
		q1: builder.PerTensor(1, 0), q2: builder.PerTensor(1, 0), qo: builder.PerTensor(1, 0)}
	it := run(t, s, []int16{1, -300, 30000, -30000, 32767}, []int16{2, 100, 30000, -30000, -32768})
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{3, -200, 32767, -32768, -1})
}

// TestAddInt16PowerOfTwo checks the choice between the pot_scale_int16 path
// and the general path. Input 1 has the output scale 2^-10, input 2 the
// scale 2^-12, so input 2 is divided by 4. The paths round ties
// differently: 1 + (-2/4) is 1 + round(-0.5) = 0 on the power-of-two path
// and round(0.5) = 1 on the general one.
func TestAddInt16PowerOfTwo(t *testing.T) {
	x := []int16{1, 1, 5, 32767, -32768, 100}
	y := []int16{-2, 2, 7, 16, -16, -6}
	q := func(e int) *builder.Quant { return builder.PerTensor(float32(math.Ldexp(1, e)), 0) }
	for _, tc := range []struct {
		name string
		opts builder.Options
		q2   *builder.Quant
		want []int16
	}{
		// 1-0.5 -> 0; 1+0.5 -> 2; 5+1.75 -> 7; saturates; saturates; 100-1.5 -> 98
		{"pot", addOptions(builder.ActNone, true), q(-12), []int16{0, 2, 7, 32767, -32768, 98}},
		// Each sum rounded once: 0.5 -> 1, 1.5 -> 2, 6.75 -> 7, ..., 98.5 -> 99.
		{"general", addOptions(builder.ActNone, false), q(-12), []int16{1, 2, 7, 32767, -32768, 99}},
		// Without options TFLite reads pot_scale_int16 as false.
		{"no options", nil, q(-12), []int16{1, 2, 7, 32767, -32768, 99}},
		// TFLite's CheckedLog2 accepts exponents within 1e-3 of an
		// integer: 1.0001 * 2^-12 counts as 2^-12.
		{"near pot", addOptions(builder.ActNone, true), builder.PerTensor(float32(math.Ldexp(1.0001, -12)), 0), []int16{0, 2, 7, 32767, -32768, 98}},
		// A scale that is not a power of two takes the general path:
		// 1.5 * 2^-12 makes out = round(x + 0.375 y) = 0.25 -> 0,
		// 1.75 -> 2, 7.625 -> 8, ..., 97.75 -> 98.
		{"not pot", addOptions(builder.ActNone, true), builder.PerTensor(float32(math.Ldexp(1.5, -12)), 0), []int16{0, 2, 8, 32767, -32768, 98}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec{code: builder.Add, opts: tc.opts, dt: tensor.Int16,
				s1: []int{6}, s2: []int{6}, so: []int{6}, q1: q(-10), q2: tc.q2, qo: q(-10)}
			it := run(t, s, x, y)
			opstest.Equal(t, "output", it.Output(0).Int16(), tc.want)
		})
	}
}

func TestAddInt16PowerOfTwoBroadcastAndRelu(t *testing.T) {
	q := func(e int) *builder.Quant { return builder.PerTensor(float32(math.Ldexp(1, e)), 0) }
	// Input 1 (scale 2^-11) is the one shifted, by 1, and is a scalar.
	s := spec{code: builder.Add, opts: addOptions(builder.ActRelu, true), dt: tensor.Int16,
		s1: []int{1}, s2: []int{2, 2}, so: []int{2, 2}, q1: q(-11), q2: q(-10), qo: q(-10)}
	// round(-3/2) = -2 (away from zero); -2 + {5, -5, 0, 2} = 3, -7, -2, 0 -> RELU.
	it := run(t, s, []int16{-3}, []int16{5, -5, 0, 2})
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{3, 0, 0, 0})
}

func TestAddThreads(t *testing.T) {
	// A broadcast large enough to be split over workers must give the same
	// result as the single-threaded run.
	sa, sb, so := []int{3, 1, 5000}, []int{4, 1}, []int{3, 4, 5000}
	s := spec{code: builder.Add, opts: builder.AddOptions{}, dt: tensor.Int8, s1: sa, s2: sb, so: so,
		q1: builder.PerTensor(0.02, 3), q2: builder.PerTensor(0.03, -5), qo: builder.PerTensor(0.04, 1)}
	x, y := make([]int8, 15000), []int8{-128, -1, 50, 127}
	for i := range x {
		x[i] = int8(i * 7)
	}
	one := run(t, s, x, y)
	s.threads = 4
	four := run(t, s, x, y)
	opstest.Equal(t, "output", four.Output(0).Int8(), one.Output(0).Int8())
}

func TestAddSeanet(t *testing.T) { opstest.CheckSeanet(t, "add", resolver()) }

// TestAddSimpleAddModel runs TFLite Micro's simple_add_model (two int8
// inputs [1 128 128 1] with different scales) against its TFLM-exact golden
// outputs.
func TestAddSimpleAddModel(t *testing.T) {
	dir := testenv.Shared(t, "golden", "simple_add_model")
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Cases []struct {
			K       int      `json:"k"`
			Inputs  []string `json:"inputs"`
			Outputs []string `json:"outputs"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Cases) == 0 {
		t.Fatal("meta.json lists no cases")
	}
	m, err := model.LoadFile(testenv.Shared(t, "models", "simple_add_model.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	it, err := inference.New(m, inference.Options{Resolver: resolver()})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	read := func(name string, size int) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != size {
			t.Fatalf("%s holds %d bytes, want %d", name, len(data), size)
		}
		return data
	}
	for _, c := range meta.Cases {
		for i, name := range c.Inputs {
			copy(it.Input(i).Data, read(name, len(it.Input(i).Data)))
		}
		opstest.Invoke(t, it)
		want := read(c.Outputs[0], len(it.Output(0).Data))
		got := it.Output(0).Int8()
		bad := 0
		for i := range got {
			if got[i] != int8(want[i]) {
				if bad < 5 {
					t.Errorf("case %d: output[%d] = %d, want %d", c.K, i, got[i], int8(want[i]))
				}
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("case %d: %d of %d outputs differ", c.K, bad, len(got))
		}
	}
}

func TestAddRefusals(t *testing.T) {
	f := tensor.Float32
	base := spec{code: builder.Add, opts: builder.AddOptions{}, dt: f, s1: []int{2, 3}, s2: []int{2, 3}, so: []int{2, 3}}
	q := builder.PerTensor(0.1, 0)
	for _, tc := range []struct {
		name string
		edit func(*spec)
		want string
	}{
		{"incompatible shapes", func(s *spec) { s.s2 = []int{4} }, "not broadcast-compatible"},
		{"wrong output shape", func(s *spec) { s.so = []int{3, 2} }, "broadcast to"},
		{"rank 7", func(s *spec) {
			s.s1, s.s2, s.so = []int{2, 1, 1, 1, 1, 1, 2}, []int{2, 1, 1, 1, 1, 1, 2}, []int{2, 1, 1, 1, 1, 1, 2}
		}, "rank 7"},
		{"mixed input types", func(s *spec) { s.types = []tensor.DType{f, tensor.Int8, f}; s.q2 = q }, "same type"},
		{"mixed output type", func(s *spec) { s.types = []tensor.DType{f, f, tensor.Int32} }, "same type"},
		{"unsupported type", func(s *spec) { s.dt = tensor.Int64 }, "INT64"},
		{"tanh", func(s *spec) { s.opts = builder.AddOptions{FusedActivationFunction: builder.ActTanh} }, "TANH"},
		{"unquantized int8", func(s *spec) { s.dt = tensor.Int8; s.q1, s.q2 = q, q }, "not quantized"},
		{"per-channel int8", func(s *spec) {
			s.dt = tensor.Int8
			s.q1, s.q2, s.qo = builder.PerChannel(0, 0.1, 0.2), q, q
		}, "per channel"},
		{"output scale too small", func(s *spec) {
			s.dt = tensor.Int8
			s.q1, s.q2, s.qo = builder.PerTensor(1, 0), builder.PerTensor(1, 0), builder.PerTensor(1e-7, 0)
		}, "too small"},
		{"quantized int32", func(s *spec) { s.dt = tensor.Int32; s.q1 = q }, "quantized INT32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.edit(&s)
			refuse(t, s, tc.want)
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	shape := []int{1, 128, 128, 1}
	q := builder.PerTensor(0.04, -2)
	for _, bc := range []struct {
		name string
		s    spec
	}{
		{"float", spec{dt: tensor.Float32, s2: shape}},
		{"int8", spec{dt: tensor.Int8, s2: shape, q1: q, q2: builder.PerTensor(0.041, -1), qo: builder.PerTensor(0.058, -3)}},
		{"int8 scalar", spec{dt: tensor.Int8, s2: []int{1}, q1: q, q2: builder.PerTensor(0.041, -1), qo: builder.PerTensor(0.058, -3)}},
		{"int16", spec{dt: tensor.Int16, s2: shape, q1: builder.PerTensor(0.001, 0), q2: builder.PerTensor(0.0013, 0), qo: builder.PerTensor(0.002, 0)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.s
			s.code, s.opts, s.s1, s.so = builder.Add, builder.AddOptions{}, shape, shape
			it, err := opstest.TryBuild(s.builder(), resolver())
			if err != nil {
				b.Fatal(err)
			}
			defer it.Close()
			b.SetBytes(int64(len(it.Output(0).Data)))
			for b.Loop() {
				if err := it.Invoke(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
