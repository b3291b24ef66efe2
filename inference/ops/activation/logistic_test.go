package activation_test

import (
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
)

func TestLogisticFloat(t *testing.T) {
	in := []float32{0, 1, -1, 4, -8.5, 16.5, 17, -9.5, -100}
	want := make([]float32, len(in))
	for i, x := range in {
		want[i] = float32(sigmoid(float64(x)))
	}
	want[6] = 1 // above TFLite's upper cutoff the result is exactly 1
	it := run(t, builder.Logistic, f32(9), f32(9), nil, in)
	got := it.Output(0).Float32()
	if got[0] != 0.5 {
		t.Errorf("logistic(0) = %v, want exactly 0.5", got[0])
	}
	opstest.Near(t, "output", got, want, 1e-6)
}

// TestLogisticInt8 uses the input quantization of dtln_noise_suppression's
// LOGISTIC. Each output is compared with the float logistic, quantized,
// within one step; the midpoint and the extremes are checked exactly.
func TestLogisticInt8(t *testing.T) {
	for _, q := range []struct {
		scale float32
		zp    int32
	}{{0.0685789138, -128}, {0.1, 5}, {0.02, 0}, {1, -3}} {
		in := allInt8()
		it := run(t, builder.Logistic, i8(q.scale, int64(q.zp), 256), i8(1.0/256, -128, 256), nil, in)
		got := it.Output(0).Int8()
		opstest.WithinSteps(t, "output", got, expect8(in, q.scale, q.zp, 1.0/256, -128, sigmoid), 1)
		if g := got[q.zp+128]; g != 0 {
			t.Errorf("scale %v: logistic(0) = %d, want 0 (0.5 at scale 1/256, zero point -128)", q.scale, g)
		}
		if q.scale >= 0.1 && (got[0] != -128 || got[255] != 127) {
			t.Errorf("scale %v: extremes give %d, %d, want -128, 127", q.scale, got[0], got[255])
		}
	}
}

// TestLogisticInt16 compares int16 inputs across the range with the float
// logistic in Q0.15: TFLite's table interpolation stays within one step.
func TestLogisticInt16(t *testing.T) {
	// 2^-12 takes TFLite's power-of-two path, the others its general one.
	for _, scale := range []float32{1.0 / 4096, 0.001, 3.0 / 32768, 0.25} {
		in := int16Sweep(61)
		it := run(t, builder.Logistic, i16(scale, 0, len(in)), i16(1.0/32768, 0, len(in)), nil, in)
		got := it.Output(0).Int16()
		opstest.WithinSteps(t, "output", got, expect16(in, scale, 0, 1.0/32768, 0, sigmoid), 1)
		if g := got[len(got)-1]; g != 16384 {
			t.Errorf("scale %v: logistic(0) = %d, want 16384", scale, g)
		}
	}
	// Saturation at the extremes: TFLite's saturated value 0x7fff << 10,
	// mirrored, rounds to 1, not 0, for large negative inputs.
	in := []int16{math.MinInt16, math.MaxInt16}
	it := run(t, builder.Logistic, i16(0.01, 0, 2), i16(1.0/32768, 0, 2), nil, in)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{1, 32767})
}

func TestLogisticPrepareRefusals(t *testing.T) {
	refuse(t, builder.Logistic, i8(0.1, 0, 4), i8(1.0/256, 0, 4), nil, "zero point -128")
	refuse(t, builder.Logistic, i8(0.1, 0, 4), i8(1.0/128, -128, 4), nil, "scale 1/256")
	refuse(t, builder.Logistic, i16(0.001, 0, 4), i16(1.0/256, 0, 4), nil, "2^-15")
	refuse(t, builder.Logistic, i16(0.001, 1, 4), i16(1.0/32768, 0, 4), nil, "zero point 0")
	refuse(t, builder.Logistic, i8(0.1, 0, 4), f32(4), nil, "differs")
	refuse(t, builder.Logistic, f32(4), f32(5), nil, "shape")
}

// TestLogisticInt8Reference checks every int8 input bit-exactly against
// TFLite's reference_integer_ops::Logistic with the parameters TFLite
// Micro's Prepare computes for dtln_noise_suppression's quantization
// (input scale 0.0685789138, zero point -128).
func TestLogisticInt8Reference(t *testing.T) {
	it := run(t, builder.Logistic, i8(0.0685789138, -128, 256), i8(1.0/256, -128, 256), nil, allInt8())
	opstest.Equal(t, "output", it.Output(0).Int8(), logisticDTLNReference)
}

var logisticDTLNReference = []int8{
	0, 4, 9, 13, 17, 22, 26, 30, 34, 38, 42, 46, 50, 54, 57, 61,
	64, 67, 70, 73, 76, 79, 82, 84, 87, 89, 91, 93, 95, 97, 99, 101,
	102, 104, 105, 107, 108, 109, 110, 111, 113, 113, 114, 115, 116, 117, 118, 118,
	119, 119, 120, 120, 121, 121, 122, 122, 123, 123, 123, 124, 124, 124, 124, 125,
	125, 125, 125, 125, 126, 126, 126, 126, 126, 126, 126, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
	127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
}

// TestLogisticInt16Reference checks values of TFLite's reference int16
// logistic (table interpolation) for a general and a power-of-two scale.
func TestLogisticInt16Reference(t *testing.T) {
	in := []int16{-32768, -25768, -18768, -4768, -1268, -568, -8, -1, 6, 132, 832, 2232, 9232, 23232, 32767}
	for _, tc := range []struct {
		scale float32
		want  []int16
	}{
		{0.001, []int16{1, 1, 1, 276, 7196, 11853, 16319, 16376, 16433, 17464, 22832, 29592, 32765, 32767, 32767}},
		{1.0 / 4096, []int16{11, 61, 332, 7796, 13868, 15250, 16368, 16382, 16396, 16648, 18042, 20741, 29655, 32656, 32757}},
	} {
		it := run(t, builder.Logistic, i16(tc.scale, 0, len(in)), i16(1.0/32768, 0, len(in)), nil, in)
		opstest.Equal(t, "output", it.Output(0).Int16(), tc.want)
	}
}
