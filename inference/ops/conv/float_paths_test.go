package conv_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// edgeFloats are the values that test IEEE edges: signed zeros,
// subnormals, infinities, NaNs of several payloads and signs, and
// magnitudes whose products overflow or underflow.
var edgeFloats = []float32{
	0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.Float32frombits(0x007FFFFF),
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7FC00000), math.Float32frombits(0xFFC12345), math.Float32frombits(0x7F800001),
	math.MaxFloat32, -3e38, 1e20, -1e-30, 6, -1,
}

// sprinkle replaces a share p of v by edge values.
func sprinkle(rng *rand.Rand, v []float32, p float64) {
	for i := range v {
		if rng.Float64() < p {
			v[i] = edgeFloats[rng.IntN(len(edgeFloats))]
		}
	}
}

// samePaths runs the case on every kernel path and one and two threads
// and requires the bits of the first run (the plain-Go reference path).
func (c *convCase) samePaths(t *testing.T) {
	t.Helper()
	m := c.build(t, 1)
	var want []float32
	for _, run := range kernelRuns() {
		it := c.interpreter(t, m, run.threads, run.kernels)
		if it.Kernels() != run.kernels {
			t.Fatalf("interpreter runs %s kernels, asked for %s", it.Kernels(), run.kernels)
		}
		opstest.Invoke(t, it)
		got := append([]float32(nil), it.Output(0).Float32()...)
		if want == nil {
			want = got
			continue
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s, %d threads: output[%d] = %v (%#08x), reference path %v (%#08x)",
					run.kernels, run.threads, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}

// TestConv2DFloatKernelPaths requires the reference path's bits from the
// packed float paths (1x1 in place, im2col blocks, groups) on many
// geometries, with and without infinities, NaNs, signed zeros and
// subnormals in the input, filter and bias, under every activation.
func TestConv2DFloatKernelPaths(t *testing.T) {
	geoms := []struct {
		name       string
		in, filter []int
		stride     [2]int
		dil        [2]int
		pad        builder.Padding
	}{
		{"1x1 direct", []int{1, 5, 7, 24}, []int{20, 1, 1, 24}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"1x1 direct wide", []int{2, 9, 11, 40}, []int{70, 1, 1, 40}, [2]int{1, 1}, [2]int{}, builder.Valid},
		{"1x1 stride 2", []int{2, 6, 5, 8}, []int{6, 1, 1, 8}, [2]int{2, 2}, [2]int{}, builder.Valid},
		{"3x3 same", []int{1, 7, 6, 5}, []int{9, 3, 3, 5}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"3x3 valid", []int{1, 17, 16, 3}, []int{33, 3, 3, 3}, [2]int{1, 1}, [2]int{}, builder.Valid},
		{"3x3 stride 2 same", []int{1, 9, 8, 3}, []int{7, 3, 3, 3}, [2]int{2, 2}, [2]int{}, builder.Same},
		{"dilation 2", []int{1, 9, 10, 4}, []int{5, 3, 3, 4}, [2]int{1, 1}, [2]int{2, 2}, builder.Same},
		{"groups", []int{1, 5, 5, 6}, []int{8, 3, 3, 3}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"filter larger than input", []int{1, 2, 3, 4}, []int{4, 5, 5, 4}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"deep", []int{1, 4, 4, 300}, []int{17, 2, 2, 300}, [2]int{1, 1}, [2]int{}, builder.Same},
		{"many pixels", []int{1, 30, 30, 2}, []int{3, 3, 3, 2}, [2]int{1, 1}, [2]int{}, builder.Same},
	}
	acts := []builder.Activation{builder.ActNone, builder.ActRelu, builder.ActRelu6, tflite.ActivationFunctionTypeRELU_N1_TO_1}
	for i, gm := range geoms {
		for j, special := range []float64{0, 0.02, 0.3} {
			c := convCase{op: builder.Conv2D, typ: tensor.Float32, in: gm.in, filter: gm.filter, stride: gm.stride,
				dil: gm.dil, pad: gm.pad, special: special, seed: uint64(10*i + j)}
			c.act = acts[(i+j)%4]
			c.noBias = (i+j)%5 == 4
			t.Run(fmt.Sprintf("%s/special=%v", gm.name, special), c.samePaths)
		}
	}
}
