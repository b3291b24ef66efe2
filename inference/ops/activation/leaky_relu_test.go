package activation_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
)

func TestLeakyReluFloat(t *testing.T) {
	in := []float32{-4, -1, 0, 0.5, 3}
	it := run(t, builder.LeakyRelu, f32(5), f32(5), builder.LeakyReluOptions{Alpha: 0.25}, in)
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{-1, -0.25, 0, 0.5, 3}, 0)

	// A negative alpha flips the sign of negative inputs.
	it = run(t, builder.LeakyRelu, f32(2), f32(2), builder.LeakyReluOptions{Alpha: -0.5}, []float32{-2, 2})
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{1, 2}, 0)
}

// TestLeakyReluInt8 uses scales for which the arithmetic is exact: input
// 0.5 with zero point -10, output 0.25 with zero point 5, alpha 0.5. The
// identity multiplier is then 2 and the alpha multiplier 1.
func TestLeakyReluInt8(t *testing.T) {
	in := []int8{-10, -6, -14, 20, -128, 127}
	// Real inputs 0, 2, -2, 15, -59, 68.5 -> 0, 2, -1, 15, -29.5, 68.5 -> /0.25 + 5.
	// 68.5 -> 279 saturates at 127.
	want := []int8{5, 13, 1, 65, -113, 127}
	it := run(t, builder.LeakyRelu, i8(0.5, -10, 6), i8(0.25, 5, 6), builder.LeakyReluOptions{Alpha: 0.5}, in)
	opstest.Equal(t, "output", it.Output(0).Int8(), want)
}

// TestLeakyReluInt8Sweep compares every int8 input, with scales that need
// rounding and a negative alpha, with the float computation within a step.
func TestLeakyReluInt8Sweep(t *testing.T) {
	for _, alpha := range []float32{0.2, -0.5, 1.5} {
		in := allInt8()
		it := run(t, builder.LeakyRelu, i8(0.05, -10, 256), i8(0.04, 3, 256), builder.LeakyReluOptions{Alpha: alpha}, in)
		f := func(x float64) float64 {
			if x > 0 {
				return x
			}
			return float64(alpha) * x
		}
		opstest.WithinSteps(t, "output", it.Output(0).Int8(), expect8(in, 0.05, -10, 0.04, 3, f), 1)
	}
}

func TestLeakyReluInt16(t *testing.T) {
	in := []int16{-32768, -1000, -1, 0, 1, 1000, 32767}
	// Same scales (2^-10): identity is exact, alpha 0.25 rounds half away from zero.
	want := []int16{-8192, -250, 0, 0, 1, 1000, 32767}
	it := run(t, builder.LeakyRelu, i16(1.0/1024, 0, 7), i16(1.0/1024, 0, 7), builder.LeakyReluOptions{Alpha: 0.25}, in)
	opstest.Equal(t, "output", it.Output(0).Int16(), want)
}

// TestLeakyReluSeanet runs TFLite Micro's seanet LEAKY_RELU cases (int16)
// and requires bit-exact outputs.
func TestLeakyReluSeanet(t *testing.T) {
	opstest.CheckSeanet(t, "leaky_relu", resolver())
}

func TestLeakyReluPrepareRefusals(t *testing.T) {
	refuse(t, builder.LeakyRelu, i8(0.1, 0, 4), i16(0.1, 0, 4), builder.LeakyReluOptions{Alpha: 0.1}, "differs")
	refuse(t, builder.LeakyRelu, f32(4), f32(2, 2), builder.LeakyReluOptions{Alpha: 0.1}, "shape")
	refuse(t, builder.LeakyRelu, io{dt: 3, shape: []int{4}, q: builder.PerTensor(0.1, 0)}, io{dt: 3, shape: []int{4}, q: builder.PerTensor(0.1, 0)}, builder.LeakyReluOptions{Alpha: 0.1}, "UINT8")
}
