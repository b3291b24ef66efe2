package reduce_test

import (
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/ops/reduce"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	reduce.Register(r)
	return r
}

// meanModel builds a single MEAN whose output shares the input's quantization
// unless outQ is set.
func meanModel(dt tensor.DType, in, out []int, axes []int32, keep bool, inQ, outQ *builder.Quant) *builder.Builder {
	b := builder.New()
	x := b.Tensor("in", dt, in, inQ)
	axis := b.Const("axis", tensor.Int32, []int{len(axes)}, nil, axes)
	if outQ == nil {
		outQ = inQ
	}
	y := b.Tensor("out", dt, out, outQ)
	b.Op(builder.Mean, []int{x, axis}, []int{y}, builder.ReducerOptions{KeepDims: keep})
	b.Inputs(x)
	b.Outputs(y)
	return b
}

func buildMean(t *testing.T, dt tensor.DType, in, out []int, axes []int32, keep bool, inQ, outQ *builder.Quant) *inference.Interpreter {
	t.Helper()
	return opstest.Build(t, meanModel(dt, in, out, axes, keep, inQ, outQ), resolver())
}

// ramp returns 0, 1, ..., n-1.
func ramp(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return v
}

func TestMeanFloat(t *testing.T) {
	// Input [2,3,4] holds x[a,b,c] = 12a + 4b + c.
	for _, tc := range []struct {
		name string
		axes []int32
		keep bool
		out  []int
		want []float32
	}{
		// Over a and c: 6 + 4b + 1.5.
		{"axes 0,2 dropped", []int32{0, 2}, false, []int{3}, []float32{7.5, 11.5, 15.5}},
		{"axes 0,-1 with duplicate, kept", []int32{0, -1, 2}, true, []int{1, 3, 1}, []float32{7.5, 11.5, 15.5}},
		// Over b: 12a + 4 + c.
		{"middle axis", []int32{1}, false, []int{2, 4}, []float32{4, 5, 6, 7, 16, 17, 18, 19}},
		// Over c: 12a + 4b + 1.5.
		{"last axis kept", []int32{-1}, true, []int{2, 3, 1}, []float32{1.5, 5.5, 9.5, 13.5, 17.5, 21.5}},
		{"all axes to scalar", []int32{2, 1, 0}, false, []int{}, []float32{11.5}},
		{"all axes kept", []int32{-3, -2, -1}, true, []int{1, 1, 1}, []float32{11.5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := buildMean(t, tensor.Float32, []int{2, 3, 4}, tc.out, tc.axes, tc.keep, nil, nil)
			opstest.Set(t, it.Input(0), ramp(24))
			opstest.Invoke(t, it)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 1e-5)
		})
	}
}

func TestMeanFloat4DSpatial(t *testing.T) {
	// MobileNet's global average pool shape: [1,2,2,2] over axes 1 and 2.
	in := []float32{1, -1, 2, -2, 3, -3, 4.5, -4.5}
	for _, keep := range []bool{true, false} {
		out := []int{1, 1, 1, 2}
		if !keep {
			out = []int{1, 2}
		}
		it := buildMean(t, tensor.Float32, []int{1, 2, 2, 2}, out, []int32{2, 1}, keep, nil, nil)
		opstest.Set(t, it.Input(0), in)
		opstest.Invoke(t, it)
		opstest.Near(t, "output", it.Output(0).Float32(), []float32{2.625, -2.625}, 1e-6)
	}
}

// The integer path requantizes sum - zpIn*count by scaleIn/scaleOut/count
// with a double-rounding fixed-point multiply. For scaleIn == scaleOut and
// count 4, the multiplier is 2^30 with shift -1: round(x/2) (ties up) and
// then a rounding halving (ties away from zero), so a few quarter values
// round differently from round(x/4).
func TestMeanInt8SameQuantizationDoubleRounding(t *testing.T) {
	// [2,2,2,2] over axes 1, 2: count 4, two batches × two channels.
	// Channel sums: batch 0: 1, 5; batch 1: -1, -5.
	in := []int8{
		1, 2, 0, 3, 0, 0, 0, 0, // b0: ch0 1+0+0+0, ch1 2+3+0+0
		-1, -2, 0, -3, 0, 0, 0, 0, // b1: ch0 -1, ch1 -5
	}
	// sum 1: round(0.5) = 1, then halving 0.5 -> 1 (true mean 0.25).
	// sum 5: round(2.5) = 3, then 1.5 -> 2 (true mean 1.25).
	// sum -1: -0.5 rounds up to 0, then 0 (true -0.25).
	// sum -5: -2.5 rounds up to -2, then -1 (true -1.25).
	want := []int8{1, 2, 0, -1}
	for _, keep := range []bool{true, false} {
		out := []int{2, 1, 1, 2}
		if !keep {
			out = []int{2, 2}
		}
		it := buildMean(t, tensor.Int8, []int{2, 2, 2, 2}, out, []int32{1, 2}, keep, builder.PerTensor(0.5, 0), nil)
		opstest.Set(t, it.Input(0), in)
		opstest.Invoke(t, it)
		opstest.Equal(t, "output", it.Output(0).Int8(), want)
	}
}

func TestMeanInt8CountSix(t *testing.T) {
	// [3,2] over all axes (given as 1, -2, -1, 0): count 6. The multiplier
	// is (2^30 << 2) / 6 = 715827882 with shift -1; x*m/2^31 is just below
	// x/6*2, so ties of x/3 round down before the final halving rounds up.
	for _, tc := range []struct {
		in   []int8
		want int8
	}{
		{[]int8{3, 0, 0, 0, 0, 0}, 1},   // 1.4999 -> 1, 0.5 -> 1 (true 0.5)
		{[]int8{9, 0, 0, 0, 0, 0}, 2},   // 3.4999 -> 3, 1.5 -> 2 (true 1.5)
		{[]int8{-9, 0, 0, 0, 0, 0}, -2}, // -3.4999 -> -3, -1.5 -> -2 (true -1.5)
		{[]int8{15, 0, 0, 0, 0, 0}, 3},  // 5.4999 -> 5, 2.5 -> 3 (true 2.5)
		{[]int8{127, 127, 127, 127, 127, 127}, 127},
		{[]int8{-128, -128, -128, -128, -128, -128}, -128},
	} {
		it := buildMean(t, tensor.Int8, []int{3, 2}, []int{}, []int32{1, -2, -1, 0}, false, builder.PerTensor(1, 0), nil)
		opstest.Set(t, it.Input(0), tc.in)
		opstest.Invoke(t, it)
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{tc.want})
	}
}

func TestMeanInt8Requantized(t *testing.T) {
	// scaleIn 0.5, scaleOut 0.25: multiplier 2^30, shift 2; count 4 folds to
	// shift 0, so out = round(shifted/2) + zpOut with ties rounded up, where
	// shifted = sum - zpIn*4 = sum + 12. Generic path: [2,2,3] over axes 0, 1.
	in := []int8{
		-3, 0, 100, // [0,0,:]
		-3, 1, 100, // [0,1,:]
		-3, 0, -128, // [1,0,:]
		-3, 0, -128, // [1,1,:]
	}
	// ch0: sum -12, shifted 0 -> 0 + 5 = 5.
	// ch1: sum 1, shifted 13 -> round(6.5) = 7, + 5 = 12.
	// ch2: sum 200 - 256 = -56, shifted -44 -> -22, + 5 = -17.
	it := buildMean(t, tensor.Int8, []int{2, 2, 3}, []int{3}, []int32{0, 1}, false,
		builder.PerTensor(0.5, -3), builder.PerTensor(0.25, 5))
	opstest.Set(t, it.Input(0), in)
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{5, 12, -17})
}

func TestMeanInt8Saturates(t *testing.T) {
	// scaleIn 1, scaleOut 0.01: means of ±100 become ±10000, clamped.
	it := buildMean(t, tensor.Int8, []int{1, 2, 1, 3}, []int{1, 1, 1, 3}, []int32{1, 2}, true,
		builder.PerTensor(1, 0), builder.PerTensor(0.01, 0))
	opstest.Set(t, it.Input(0), []int8{100, -100, 0, 100, -100, 1})
	opstest.Invoke(t, it)
	// ch2: mean 0.5 -> 50.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{127, -128, 50})
}

func TestMeanInt16(t *testing.T) {
	// Count 4, same quantization: the int16 extremes survive the rounding.
	q := builder.PerTensor(1.0/32768, 0)
	it := buildMean(t, tensor.Int16, []int{1, 2, 2, 3}, []int{1, 1, 1, 3}, []int32{1, 2}, true, q, nil)
	opstest.Set(t, it.Input(0), []int16{
		32767, -32768, 100,
		32767, -32768, 101,
		32767, -32768, -1,
		32767, -32768, -2,
	})
	opstest.Invoke(t, it)
	// ch2: sum 198 -> 99, then 49.5 -> 50 (true 49.5).
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{32767, -32768, 50})

	// Output scale halved: 32767 doubles and saturates.
	it = buildMean(t, tensor.Int16, []int{2, 2}, []int{2}, []int32{1}, false, q, builder.PerTensor(1.0/65536, 0))
	opstest.Set(t, it.Input(0), []int16{32767, 32767, -300, -201})
	opstest.Invoke(t, it)
	// count 2: multiplier 2^30, shift 2-1 = 1; -501 -> -501 exactly.
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{32767, -501})
}

func TestMeanPrepareRefusals(t *testing.T) {
	q := builder.PerTensor(0.5, 0)
	for _, tc := range []struct {
		name string
		b    *builder.Builder
		want string
	}{
		{"keep_dims shape", meanModel(tensor.Float32, []int{1, 2, 2, 3}, []int{1, 3}, []int32{1, 2}, true, nil, nil), "shape"},
		{"dropped shape", meanModel(tensor.Float32, []int{1, 2, 2, 3}, []int{1, 1, 1, 3}, []int32{1, 2}, false, nil, nil), "shape"},
		{"axis out of range", meanModel(tensor.Float32, []int{2, 3}, []int{2}, []int32{2}, false, nil, nil), "axis 2"},
		{"negative axis out of range", meanModel(tensor.Float32, []int{2, 3}, []int{2}, []int32{-3}, false, nil, nil), "axis -3"},
		{"int32 input", meanModel(tensor.Int32, []int{2, 3}, []int{2}, []int32{1}, false, nil, nil), "INT32"},
		{"unquantized int8", meanModel(tensor.Int8, []int{2, 3}, []int{2}, []int32{1}, false, nil, nil), "not quantized"},
		{"zero scale", meanModel(tensor.Int8, []int{2, 3}, []int{2}, []int32{1}, false, q, builder.PerTensor(0, 0)), "scale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := opstest.TryBuild(tc.b, resolver())
			if err == nil || !strings.Contains(err.Error(), "MEAN") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("TryBuild = %v, want a MEAN error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestMeanPrepareRefusesVariableAxisAndMixedTypes(t *testing.T) {
	b := builder.New()
	x := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
	axis := b.Tensor("axis", tensor.Int32, []int{1}, nil)
	y := b.Tensor("out", tensor.Float32, []int{2}, nil)
	b.Op(builder.Mean, []int{x, axis}, []int{y}, builder.ReducerOptions{})
	b.Inputs(x, axis)
	b.Outputs(y)
	if _, err := opstest.TryBuild(b, resolver()); err == nil || !strings.Contains(err.Error(), "constant") {
		t.Fatalf("TryBuild = %v, want an error about the axis not being constant", err)
	}

	b = builder.New()
	x = b.Tensor("in", tensor.Int8, []int{2, 3}, builder.PerTensor(1, 0))
	axis = b.Const("axis", tensor.Int32, []int{1}, nil, []int32{1})
	y = b.Tensor("out", tensor.Int16, []int{2}, builder.PerTensor(1, 0))
	b.Op(builder.Mean, []int{x, axis}, []int{y}, builder.ReducerOptions{})
	b.Inputs(x)
	b.Outputs(y)
	if _, err := opstest.TryBuild(b, resolver()); err == nil || !strings.Contains(err.Error(), "MEAN") {
		t.Fatalf("TryBuild = %v, want a type error", err)
	}
}
