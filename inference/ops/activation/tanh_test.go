package activation_test

import (
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
)

func TestTanhFloat(t *testing.T) {
	in := []float32{0, 0.5, -0.5, 2, -3, 20, -20}
	want := make([]float32, len(in))
	for i, x := range in {
		want[i] = float32(math.Tanh(float64(x)))
	}
	it := run(t, builder.Tanh, f32(7), f32(7), nil, in)
	opstest.Near(t, "output", it.Output(0).Float32(), want, 1e-6)
}

// TestTanhInt8 compares every int8 input with the float tanh, quantized to
// TFLite's int8 tanh output (scale 1/128, zero point 0), within one step.
func TestTanhInt8(t *testing.T) {
	for _, q := range []struct {
		scale float32
		zp    int32
	}{{0.05, 0}, {0.02, -20}, {0.1, 100}, {1, 0}} {
		in := allInt8()
		it := run(t, builder.Tanh, i8(q.scale, int64(q.zp), 256), i8(1.0/128, 0, 256), nil, in)
		got := it.Output(0).Int8()
		opstest.WithinSteps(t, "output", got, expect8(in, q.scale, q.zp, 1.0/128, 0, math.Tanh), 1)
		if g := got[q.zp+128]; g != 0 {
			t.Errorf("scale %v: tanh(0) = %d, want 0", q.scale, g)
		}
	}
	// With a coarse input scale the extremes saturate.
	it := run(t, builder.Tanh, i8(1, 0, 3), i8(1.0/128, 0, 3), nil, []int8{-128, 0, 127})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-128, 0, 127})
}

// TestTanhInt16 compares int16 inputs across the range with the float tanh
// in Q0.15. TFLite truncates the input multiplier of non-power-of-two
// scales to 15 bits, which costs up to 3 steps (seen at scale 0.001).
func TestTanhInt16(t *testing.T) {
	// 2^-12 and 2^-11 take TFLite's power-of-two path, the others its general one.
	for _, scale := range []float32{1.0 / 4096, 1.0 / 2048, 0.001, 3.0 / 32768, 0.25} {
		in := int16Sweep(61)
		it := run(t, builder.Tanh, i16(scale, 0, len(in)), i16(1.0/32768, 0, len(in)), nil, in)
		got := it.Output(0).Int16()
		opstest.WithinSteps(t, "output", got, expect16(in, scale, 0, 1.0/32768, 0, math.Tanh), 3)
		if g := got[len(got)-1]; g != 0 {
			t.Errorf("scale %v: tanh(0) = %d, want 0", scale, g)
		}
	}
	in := []int16{math.MinInt16, math.MaxInt16}
	it := run(t, builder.Tanh, i16(0.01, 0, 2), i16(1.0/32768, 0, 2), nil, in)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{-32767, 32767})
}

func TestTanhPrepareRefusals(t *testing.T) {
	refuse(t, builder.Tanh, i8(0.1, 0, 4), i8(1.0/128, -128, 4), nil, "zero point 0")
	refuse(t, builder.Tanh, i8(0.1, 0, 4), i8(1.0/256, 0, 4), nil, "scale 1/128")
	refuse(t, builder.Tanh, i16(0.001, 0, 4), i16(1.0/4096, 0, 4), nil, "2^-15")
	refuse(t, builder.Tanh, i16(4, 0, 4), i16(1.0/32768, 0, 4), nil, "scale below")
	refuse(t, builder.Tanh, f32(4), i8(1.0/128, 0, 4), nil, "differs")
}

// TestTanhReference checks values of TFLite's reference integer tanh
// kernels: int8 with input scale 0.0317 and zero point 5, and int16 with a
// general and a power-of-two scale.
func TestTanhReference(t *testing.T) {
	in8 := []int8{-128, -100, -60, -30, -10, -1, 0, 4, 5, 6, 10, 30, 60, 100, 127}
	it := run(t, builder.Tanh, i8(0.0317, 5, len(in8)), i8(1.0/128, 0, len(in8)), nil, in8)
	opstest.Equal(t, "int8 output", it.Output(0).Int8(), []int8{-128, -128, -124, -103, -57, -24, -20, -4, 0, 4, 20, 84, 120, 127, 127})

	in := []int16{-32768, -25768, -18768, -4768, -1268, -568, -8, -1, 6, 132, 832, 2232, 9232, 23232, 32767}
	for _, tc := range []struct {
		scale float32
		want  []int16
	}{
		{0.001, []int16{-32767, -32767, -32767, -32763, -27959, -16838, -261, -32, 197, 4300, 22332, 32022, 32767, 32767, 32767}},
		{1.0 / 2048, []int16{-32767, -32767, -32767, -32152, -18040, -8862, -128, -16, 96, 2109, 12625, 26110, 32760, 32767, 32767}},
	} {
		it := run(t, builder.Tanh, i16(tc.scale, 0, len(in)), i16(1.0/32768, 0, len(in)), nil, in)
		opstest.Equal(t, "int16 output", it.Output(0).Int16(), tc.want)
	}
}
