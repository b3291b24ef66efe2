package activation_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
)

func hardSwish(x float64) float64 { return x * min(6, max(0, x+3)) / 6 }

func TestHardSwishFloat(t *testing.T) {
	in := []float32{-5, -3, -1.5, -1, 0, 1, 2.5, 3, 5}
	// x * relu6(x + 3) / 6: 0 up to -3, x below 3 scaled by (x+3)/6, x from 3.
	want := []float32{0, 0, -0.375, -1.0 / 3, 0, 2.0 / 3, 2.5 * 5.5 / 6, 3, 5}
	it := run(t, builder.HardSwish, f32(9), f32(9), nil, in)
	opstest.Near(t, "output", it.Output(0).Float32(), want, 1e-6)
}

// TestHardSwishInt8Sweep compares every int8 input with the float hard
// swish, quantized, within one step, for several quantizations: fine and
// coarse input scales, right and left shifts of the relu-ish multiplier.
func TestHardSwishInt8Sweep(t *testing.T) {
	for _, q := range []struct {
		inScale  float32
		inZP     int32
		outScale float32
		outZP    int32
	}{
		{0.05, -10, 0.03, -100},
		{0.1, 0, 0.05, -128},
		{0.02, 20, 0.02, 20},
		{0.5, -128, 0.1, -50},
		{0.01, 0, 0.2, 0},
		{0.2, 5, 0.0234, -128},
	} {
		in := allInt8()
		it := run(t, builder.HardSwish, i8(q.inScale, int64(q.inZP), 256), i8(q.outScale, int64(q.outZP), 256), nil, in)
		got := it.Output(0).Int8()
		opstest.WithinSteps(t, "output", got, expect8(in, q.inScale, q.inZP, q.outScale, q.outZP, hardSwish), 1)
		if g := got[q.inZP+128]; g != int8(q.outZP) {
			t.Errorf("%+v: hard_swish(0) = %d, want the output zero point", q, g)
		}
	}
}

// TestHardSwishInt8Reference checks every int8 input bit-exactly against
// outputs of TFLite's reference HardSwish<int8_t> (kernels/internal/
// reference/hard_swish.h) for input scale 0.05, zero point -10 and output
// scale 0.03, zero point -100, where the float comparison is off by one.
func TestHardSwishInt8Reference(t *testing.T) {
	it := run(t, builder.HardSwish, i8(0.05, -10, 256), i8(0.03, -100, 256), nil, allInt8())
	opstest.Equal(t, "output", it.Output(0).Int8(), hardSwishReference)
}

var hardSwishReference = []int8{
	-100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100,
	-100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100,
	-100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100,
	-100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -101, -102, -102, -103, -104,
	-105, -105, -106, -106, -107, -107, -108, -108, -109, -109, -110, -110, -110, -111, -111, -111,
	-112, -112, -112, -112, -112, -112, -112, -112, -113, -112, -112, -112, -112, -112, -112, -112,
	-112, -111, -111, -111, -111, -110, -110, -109, -109, -108, -108, -107, -107, -106, -106, -105,
	-105, -104, -103, -102, -102, -101, -100, -99, -98, -97, -96, -95, -95, -93, -92, -91,
	-90, -89, -88, -87, -86, -84, -83, -82, -81, -79, -78, -76, -75, -73, -72, -70,
	-69, -67, -66, -64, -62, -61, -59, -57, -56, -54, -52, -50, -48, -46, -44, -42,
	-40, -38, -36, -34, -32, -30, -28, -26, -24, -21, -19, -17, -15, -12, -10, -7,
	-5, -2, 0, 2, 3, 5, 7, 8, 10, 12, 13, 15, 17, 18, 20, 22,
	23, 25, 27, 28, 30, 32, 33, 35, 37, 38, 40, 42, 43, 45, 47, 48,
	50, 52, 53, 55, 57, 58, 60, 62, 63, 65, 67, 68, 70, 72, 73, 75,
	77, 78, 80, 82, 83, 85, 87, 88, 90, 92, 93, 95, 97, 98, 100, 102,
	103, 105, 107, 108, 110, 112, 113, 115, 117, 118, 120, 122, 123, 125, 127, 127,
}

func TestHardSwishPrepareRefusals(t *testing.T) {
	// int16 is not supported by TFLite Micro's HARD_SWISH.
	refuse(t, builder.HardSwish, i16(0.01, 0, 4), i16(0.01, 0, 4), nil, "INT16")
	// An input scale 128 times the output scale needs a left shift of the
	// output multiplier, which TFLite refuses.
	refuse(t, builder.HardSwish, i8(1, 0, 4), i8(1.0/128, 0, 4), nil, "too large")
	refuse(t, builder.HardSwish, i8(0.1, 0, 4), f32(4), nil, "differs")
}
