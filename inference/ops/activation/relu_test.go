package activation_test

import (
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
)

const reluN1To1 = builder.Code(tflite.BuiltinOperatorRELU_N1_TO_1)

func TestReluFloat(t *testing.T) {
	in := []float32{-7, -1, -0.5, 0, 0.5, 1, 5.5, 6, 7, 1e30}
	for _, tc := range []struct {
		code builder.Code
		want []float32
	}{
		{builder.Relu, []float32{0, 0, 0, 0, 0.5, 1, 5.5, 6, 7, 1e30}},
		{builder.Relu6, []float32{0, 0, 0, 0, 0.5, 1, 5.5, 6, 6, 6}},
		{reluN1To1, []float32{-1, -1, -0.5, 0, 0.5, 1, 1, 1, 1, 1}},
	} {
		t.Run(tc.code.String(), func(t *testing.T) {
			it := run(t, tc.code, f32(2, 5), f32(2, 5), nil, in)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 0)
		})
	}
}

// TestReluInt8SameQuant: with input and output sharing scale 0.05 and zero
// point -100, 0.0 is -100, 6.0 is -100 + 120 = 20 and ±1.0 is -100 ± 20.
func TestReluInt8SameQuant(t *testing.T) {
	in := []int8{-128, -121, -101, -100, -99, -80, 0, 19, 20, 21, 127}
	for _, tc := range []struct {
		code builder.Code
		want []int8
	}{
		{builder.Relu, []int8{-100, -100, -100, -100, -99, -80, 0, 19, 20, 21, 127}},
		{builder.Relu6, []int8{-100, -100, -100, -100, -99, -80, 0, 19, 20, 20, 20}},
		{reluN1To1, []int8{-120, -120, -101, -100, -99, -80, -80, -80, -80, -80, -80}},
	} {
		t.Run(tc.code.String(), func(t *testing.T) {
			q := i8(0.05, -100, 11)
			it := run(t, tc.code, q, q, nil, in)
			opstest.Equal(t, "output", it.Output(0).Int8(), tc.want)
		})
	}
}

// TestReluInt8Requantized: input scale 0.5 (zero point 0) to output scale
// 0.25 (zero point -128) doubles the distance from the zero point.
func TestReluInt8Requantized(t *testing.T) {
	in := []int8{-128, -1, 0, 1, 3, 10, 127}
	// Real values -64, -0.5, 0, 0.5, 1.5, 5, 63.5 -> relu -> /0.25 - 128.
	it := run(t, builder.Relu, i8(0.5, 0, 7), i8(0.25, -128, 7), nil, in)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-128, -128, -128, -126, -122, -108, 126})
	// RELU6 saturates at 6.0 = -128 + 24 = -104.
	it = run(t, builder.Relu6, i8(0.5, 0, 7), i8(0.25, -128, 7), nil, in)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-128, -128, -128, -126, -122, -108, -104})
}

// TestReluInt8Sweep compares all int8 inputs with the float clamp when the
// scales differ and the requantization rounds.
func TestReluInt8Sweep(t *testing.T) {
	for _, tc := range []struct {
		code   builder.Code
		lo, hi float64
	}{{builder.Relu, 0, math.Inf(1)}, {builder.Relu6, 0, 6}, {reluN1To1, -1, 1}} {
		in := allInt8()
		it := run(t, tc.code, i8(0.05, -10, 256), i8(0.03, 7, 256), nil, in)
		f := func(x float64) float64 { return min(max(x, tc.lo), tc.hi) }
		opstest.WithinSteps(t, tc.code.String(), it.Output(0).Int8(), expect8(in, 0.05, -10, 0.03, 7, f), 1)
	}
}

func TestReluInt16(t *testing.T) {
	in := []int16{-32768, -1, 0, 1, 6000, 12000, 32767}
	// Scale 2^-10: 6.0 is 6144 and 1.0 is 1024.
	q := i16(1.0/1024, 0, 7)
	it := run(t, builder.Relu, q, q, nil, in)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{0, 0, 0, 1, 6000, 12000, 32767})
	it = run(t, builder.Relu6, q, q, nil, in)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{0, 0, 0, 1, 6000, 6144, 6144})
	it = run(t, reluN1To1, q, q, nil, in)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{-1024, -1, 0, 1, 1024, 1024, 1024})
	// Requantized to scale 2^-9: values halve, rounding half away from zero.
	it = run(t, builder.Relu, q, i16(1.0/512, 0, 7), nil, in)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{0, 0, 0, 1, 3000, 6000, 16384})
}

func TestReluPrepareRefusals(t *testing.T) {
	refuse(t, builder.Relu, i16(0.01, 3, 4), i16(0.01, 0, 4), nil, "zero point 0")
	refuse(t, builder.Relu6, i8(0.1, 0, 4), f32(4), nil, "differs")
	refuse(t, reluN1To1, f32(4), f32(3), nil, "shape")
	refuse(t, builder.Relu, io{dt: 2, shape: []int{4}}, io{dt: 2, shape: []int{4}}, nil, "INT32")
	refuse(t, builder.Relu, io{dt: 9, shape: []int{4}}, io{dt: 9, shape: []int{4}}, nil, "not quantized")
}
