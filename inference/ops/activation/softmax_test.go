package activation_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
)

// softmaxRows is the float softmax along the last dimension of rows of depth d.
func softmaxRows(x []float64, d int, beta float64) []float64 {
	out := make([]float64, len(x))
	for r := 0; r < len(x); r += d {
		m := math.Inf(-1)
		for _, v := range x[r : r+d] {
			m = max(m, v)
		}
		var sum float64
		for c, v := range x[r : r+d] {
			out[r+c] = math.Exp(beta * (v - m))
			sum += out[r+c]
		}
		for c := range d {
			out[r+c] /= sum
		}
	}
	return out
}

func beta(b float32) builder.SoftmaxOptions { return builder.SoftmaxOptions{Beta: b} }

func TestSoftmaxFloat(t *testing.T) {
	ln3 := float32(math.Log(3))
	for _, tc := range []struct {
		name  string
		shape []int
		beta  float32
		in    []float32
		want  []float32
	}{
		{"equal inputs are uniform", []int{1, 4}, 1, []float32{3, 3, 3, 3}, []float32{0.25, 0.25, 0.25, 0.25}},
		{"beta 0 is uniform", []int{1, 2}, 0, []float32{-5, 5}, []float32{0.5, 0.5}},
		{"exp(ln 3) = 3", []int{1, 2}, 1, []float32{0, ln3}, []float32{0.25, 0.75}},
		{"beta scales the inputs", []int{1, 2}, 0.5, []float32{0, 2 * ln3}, []float32{0.25, 0.75}},
		{"large negative inputs give 0", []int{1, 3}, 1, []float32{0, -200, -1e30}, []float32{1, 0, 0}},
		{"rows are independent", []int{2, 1, 2}, 1, []float32{1, 1, 100, 100 + ln3}, []float32{0.5, 0.5, 0.25, 0.75}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := run(t, builder.Softmax, f32(tc.shape...), f32(tc.shape...), beta(tc.beta), tc.in)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 1e-6)
		})
	}
}

func TestSoftmaxInt8HandValues(t *testing.T) {
	out := i8(1.0/256, -128, 1, 4)
	// Equal inputs: 1/4 is 64 steps of 1/256 above -128.
	it := run(t, builder.Softmax, i8(0.1, 3, 1, 4), out, beta(1), []int8{7, 7, 7, 7})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-64, -64, -64, -64})

	// Input scale 1: differences below -15 (TFLite's input radius for this
	// scale) contribute nothing and give -128; the maximum takes all the
	// mass, and 1.0 saturates at 127.
	out = i8(1.0/256, -128, 3)
	it = run(t, builder.Softmax, i8(1, 0, 3), out, beta(1), []int8{127, -128, 0})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{127, -128, -128})

	// A single element is 1.0.
	it = run(t, builder.Softmax, i8(0.1, 0, 2, 1), i8(1.0/256, -128, 2, 1), beta(1), []int8{-100, 100})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{127, 127})
}

// TestSoftmaxInt8Sweep puts every int8 value in a row with three fixed
// values, compares each output with the float softmax within one step and
// checks that every row's outputs sum to about 256 steps.
func TestSoftmaxInt8Sweep(t *testing.T) {
	const d = 4
	for _, q := range []struct{ scale, beta float32 }{{0.05, 1}, {0.1, 1}, {0.02, 2}, {0.5, 0.5}} {
		var in []int8
		for _, v := range allInt8() {
			in = append(in, v, 0, 10, -20)
		}
		it := run(t, builder.Softmax, i8(q.scale, 0, 256, d), i8(1.0/256, -128, 256, d), beta(q.beta), in)
		got := it.Output(0).Int8()
		x := make([]float64, len(in))
		for i, v := range in {
			x[i] = float64(q.scale) * float64(v)
		}
		p := softmaxRows(x, d, float64(q.beta))
		want := make([]int8, len(in))
		for i := range want {
			want[i] = int8(max(-128, min(127, math.Round(p[i]*256)-128)))
		}
		opstest.WithinSteps(t, "output", got, want, 1)
		for r := 0; r < len(got); r += d {
			sum := 0
			for _, v := range got[r : r+d] {
				sum += int(v) + 128
			}
			if sum < 256-d || sum > 256+d {
				t.Errorf("scale %v: row %d sums to %d steps, want 256 ± %d", q.scale, r/d, sum, d)
			}
		}
	}
}

// TestSoftmaxInt8OneRow takes all 256 int8 values in one row.
func TestSoftmaxInt8OneRow(t *testing.T) {
	in := allInt8()
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
	const scale = 0.03
	it := run(t, builder.Softmax, i8(scale, 0, 256), i8(1.0/256, -128, 256), beta(1), in)
	x := make([]float64, len(in))
	for i, v := range in {
		x[i] = scale * float64(v)
	}
	p := softmaxRows(x, len(x), 1)
	want := make([]int8, len(in))
	for i := range want {
		want[i] = int8(math.Round(p[i]*256) - 128)
	}
	opstest.WithinSteps(t, "output", it.Output(0).Int8(), want, 1)
}

// TestSoftmaxInt8ToInt16 is the variant keyword_scrambled uses: int16
// output with scale 1/65536 and zero point -32768.
func TestSoftmaxInt8ToInt16(t *testing.T) {
	it := run(t, builder.Softmax, i8(0.1, 0, 1, 4), i16(1.0/65536, -32768, 1, 4), beta(1), []int8{-5, -5, -5, -5})
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{-16384, -16384, -16384, -16384})

	const d = 6
	r := rand.New(rand.NewPCG(3, 4))
	in := make([]int8, 64*d)
	for i := range in {
		in[i] = int8(r.IntN(256) - 128)
	}
	const scale = 0.08
	it = run(t, builder.Softmax, i8(scale, 0, 64, d), i16(1.0/65536, -32768, 64, d), beta(1), in)
	x := make([]float64, len(in))
	for i, v := range in {
		x[i] = scale * float64(v)
	}
	p := softmaxRows(x, d, 1)
	want := make([]int16, len(in))
	for i := range want {
		want[i] = int16(max(-32768, min(32767, math.Round(p[i]*65536)-32768)))
	}
	opstest.WithinSteps(t, "output", it.Output(0).Int16(), want, 1)
}

// TestSoftmaxInt16 checks TFLite's table-based int16 softmax against the
// float softmax. Its exp table covers differences down to -10 and both of
// its tables interpolate linearly; outputs near 1.0 come out up to 8 steps
// of 2^-15 low (TestSoftmaxReference checks the exact values).
func TestSoftmaxInt16(t *testing.T) {
	it := run(t, builder.Softmax, i16(0.001, 0, 1, 4), i16(1.0/32768, 0, 1, 4), beta(1), []int16{100, 100, 100, 100})
	opstest.WithinSteps(t, "output", it.Output(0).Int16(), []int16{8192, 8192, 8192, 8192}, 1)

	const d = 5
	for _, q := range []struct{ scale, beta float32 }{{0.001, 1}, {1.0 / 2048, 1}, {0.0003, 2}} {
		r := rand.New(rand.NewPCG(5, 6))
		in := make([]int16, 64*d)
		for i := range in {
			in[i] = int16(r.IntN(16384) - 8192)
		}
		it := run(t, builder.Softmax, i16(q.scale, 0, 64, d), i16(1.0/32768, 0, 64, d), beta(q.beta), in)
		x := make([]float64, len(in))
		for i, v := range in {
			x[i] = float64(q.scale) * float64(v)
		}
		p := softmaxRows(x, d, float64(q.beta))
		want := make([]int16, len(in))
		for i := range want {
			want[i] = int16(min(32767, math.Round(p[i]*32768)))
		}
		opstest.WithinSteps(t, "output", it.Output(0).Int16(), want, 8)
	}
}

// TestSoftmaxReference checks outputs bit-exactly against TFLite's
// reference kernels (reference_ops::Softmax and SoftmaxInt16 with the
// parameters TFLite Micro's Prepare computes), run on the same inputs.
func TestSoftmaxReference(t *testing.T) {
	in8 := []int8{10, 20, 30, -128, 127, 0, 1, 2, 3, 4}
	it := run(t, builder.Softmax, i8(0.1, 0, 2, 5), i8(1.0/256, -128, 2, 5), beta(1), in8)
	opstest.Equal(t, "int8 output", it.Output(0).Int8(), []int8{-128, -128, -128, -128, 127, -86, -82, -77, -72, -66})

	it = run(t, builder.Softmax, i8(0.1, 0, 2, 5), i16(1.0/65536, -32768, 2, 5), beta(1), in8)
	opstest.Equal(t, "int16 output", it.Output(0).Int16(),
		[]int16{-32767, -32767, -32764, -32768, 32762, -22143, -21026, -19791, -18426, -16918})

	in16 := []int16{100, -200, 3000, -8000, 0, 32767, -32768, 0, 1000, 32000}
	it = run(t, builder.Softmax, i16(0.001, 0, 2, 5), i16(1.0/32768, 0, 2, 5), beta(1), in16)
	opstest.Equal(t, "int16 from int16 output", it.Output(0).Int16(),
		[]int16{1574, 1166, 28601, 2, 1425, 22374, 1, 1, 1, 10390})
}

func TestSoftmaxPrepareRefusals(t *testing.T) {
	refuse(t, builder.Softmax, i8(0.1, 0, 1, 4), i8(1.0/256, -127, 1, 4), beta(1), "zero point -128")
	refuse(t, builder.Softmax, i8(0.1, 0, 1, 4), i8(1.0/255, -128, 1, 4), beta(1), "scale 0.00390625")
	refuse(t, builder.Softmax, i8(0.1, 0, 1, 4), i16(1.0/32768, 0, 1, 4), beta(1), "zero point -32768")
	refuse(t, builder.Softmax, i16(0.1, 0, 1, 4), i16(1.0/65536, 0, 1, 4), beta(1), "scale 3.0517578e-05")
	refuse(t, builder.Softmax, i16(0.1, 4, 1, 4), i16(1.0/32768, 0, 1, 4), beta(1), "zero point 4")
	refuse(t, builder.Softmax, i16(0.1, 0, 1, 4), i8(1.0/256, -128, 1, 4), beta(1), "INT16 with output type INT8")
	refuse(t, builder.Softmax, f32(1, 4), i8(1.0/256, -128, 1, 4), beta(1), "FLOAT32 with output type INT8")
	refuse(t, builder.Softmax, f32(1, 4), f32(4, 1), beta(1), "shape")
	refuse(t, builder.Softmax, i8(1e-9, 0, 1, 4), i8(1.0/256, -128, 1, 4), beta(1), "too small")
}
