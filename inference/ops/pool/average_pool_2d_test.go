package pool_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// A 4x4 single-channel image holding 1..16 row by row.
var image4x4 = []float32{
	1, 2, 3, 4,
	5, 6, 7, 8,
	9, 10, 11, 12,
	13, 14, 15, 16,
}

func TestAverageFloatValidStride2(t *testing.T) {
	it := poolModel{code: builder.AveragePool2D, dtype: tensor.Float32,
		in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}, opts: opts(builder.Valid, 2, 2, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), image4x4)
	opstest.Invoke(t, it)
	// (1+2+5+6)/4, (3+4+7+8)/4, (9+10+13+14)/4, (11+12+15+16)/4
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{3.5, 5.5, 11.5, 13.5}, 1e-6)
}

func TestAverageFloatSameCountsOnlyValidTaps(t *testing.T) {
	// 3x3 filter, stride 1, SAME on a 3x3 image: padding 1 on each side.
	// Corners average 4 taps, edges 6, the centre all 9.
	it := poolModel{code: builder.AveragePool2D, dtype: tensor.Float32,
		in: []int{1, 3, 3, 1}, out: []int{1, 3, 3, 1}, opts: opts(builder.Same, 3, 1, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), []float32{1, 2, 3, 4, 5, 6, 7, 8, 9})
	opstest.Invoke(t, it)
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{
		(1 + 2 + 4 + 5) / 4.0, (1 + 2 + 3 + 4 + 5 + 6) / 6.0, (2 + 3 + 5 + 6) / 4.0,
		(1 + 2 + 4 + 5 + 7 + 8) / 6.0, 5, (2 + 3 + 5 + 6 + 8 + 9) / 6.0,
		(4 + 5 + 7 + 8) / 4.0, (4 + 5 + 6 + 7 + 8 + 9) / 6.0, (5 + 6 + 8 + 9) / 4.0,
	}, 1e-6)
}

func TestAverageFloatSameStride2TwoChannelsRelu6(t *testing.T) {
	// 4x4 image with two channels (c1 = -c0), 2x2 filter, stride 2, SAME:
	// no padding needed, so this is the VALID result; RELU6 clamps both ends.
	in := make([]float32, 32)
	for i, v := range image4x4 {
		in[2*i], in[2*i+1] = v, -v
	}
	it := poolModel{code: builder.AveragePool2D, dtype: tensor.Float32,
		in: []int{1, 4, 4, 2}, out: []int{1, 2, 2, 2}, opts: opts(builder.Same, 2, 2, builder.ActRelu6)}.build(t)
	opstest.Set(t, it.Input(0), in)
	opstest.Invoke(t, it)
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{3.5, 0, 5.5, 0, 6, 0, 6, 0}, 1e-6)
}

func TestAverageFloatSameOddSizeStride2(t *testing.T) {
	// 5 wide, filter 3, stride 2, SAME: output 3, total padding 2 (1 each
	// side), windows cover columns {0,1}, {1,2,3}, {3,4}. One row, 2 batches.
	it := poolModel{code: builder.AveragePool2D, dtype: tensor.Float32,
		in: []int{2, 1, 5, 1}, out: []int{2, 1, 3, 1}, opts: opts(builder.Same, 3, 2, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), []float32{1, 2, 3, 4, 5, 10, 20, 30, 40, 50})
	opstest.Invoke(t, it)
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{1.5, 3, 4.5, 15, 30, 45}, 1e-6)
}

func TestAverageInt8PersonDetectShape(t *testing.T) {
	// person_detect's pool: 3x3, stride 2, VALID. A 5x5 image gives 2x2.
	// Window sums: rows 0-2/cols 0-2 etc. on values v = 5*y + x - 12.
	in := make([]int8, 25)
	for i := range in {
		in[i] = int8(i - 12)
	}
	it := poolModel{code: builder.AveragePool2D, dtype: tensor.Int8, in: []int{1, 5, 5, 1}, out: []int{1, 2, 2, 1},
		inQ: builder.PerTensor(0.1, -3), opts: opts(builder.Valid, 3, 2, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), in)
	opstest.Invoke(t, it)
	// Window centres are (1,1), (1,3), (3,1), (3,3); a 3x3 mean of a linear
	// ramp is its centre value: 6-12, 8-12, 16-12, 18-12.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-6, -4, 4, 6})
}

func TestAverageInt8RoundsHalfAwayFromZero(t *testing.T) {
	// A 1x8 image, 1x2 filter, stride 2, VALID: each output averages two taps.
	m := poolModel{code: builder.AveragePool2D, dtype: tensor.Int8, in: []int{1, 1, 8, 1}, out: []int{1, 1, 4, 1},
		inQ: builder.PerTensor(1, 0), opts: builder.Pool2DOptions{Padding: builder.Valid,
			FilterHeight: 1, FilterWidth: 2, StrideH: 1, StrideW: 2}}
	it := m.build(t)
	opstest.Set(t, it.Input(0), []int8{2, 3, -2, -3, 0, -1, 127, 127})
	opstest.Invoke(t, it)
	// 2.5 -> 3, -2.5 -> -3, -0.5 -> -1, 127 stays 127.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{3, -3, -1, 127})
}

func TestAverageInt8SameBordersAndThirds(t *testing.T) {
	// 3x3 SAME stride 1 on a 3x3 image: corners average 4 taps, edges 6.
	// Values chosen so the means hit thirds and sixths of both signs.
	it := poolModel{code: builder.AveragePool2D, dtype: tensor.Int8, in: []int{1, 3, 3, 1}, out: []int{1, 3, 3, 1},
		inQ: builder.PerTensor(0.5, 0), opts: opts(builder.Same, 3, 1, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), []int8{
		-128, -128, 1,
		-128, -128, 2,
		4, 5, 6,
	})
	opstest.Invoke(t, it)
	// (0,0): -512/4 = -128. (0,1): (-128*4+1+2)/6 = -509/6 = -84.83 -> -85.
	// (0,2): (-256+3)/4 = -63.25 -> -63. (1,0): (-512+9)/6 = -83.83 -> -84.
	// (1,1): (-512+18)/9 = -54.89 -> -55. (1,2): (-256+14)/6 = -40.33 -> -40.
	// (2,0): (-256+9)/4 = -61.75 -> -62. (2,1): (-256+18)/6 = -39.67 -> -40.
	// (2,2): (-128+13)/4 = -28.75 -> -29.
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-128, -85, -63, -84, -55, -40, -62, -40, -29})
}

func TestAverageInt8ReluClampsAtZeroPoint(t *testing.T) {
	// Zero point -10, scale 0.5: RELU clamps below -10; RELU6 also clamps
	// above -10 + 6/0.5 = 2. Each output averages one column over two rows.
	for _, tc := range []struct {
		act  builder.Activation
		want []int8
	}{
		{builder.ActNone, []int8{-128, -12, 0, 100}},
		{builder.ActRelu, []int8{-10, -10, 0, 100}},
		{builder.ActRelu6, []int8{-10, -10, 0, 2}},
	} {
		it := poolModel{code: builder.AveragePool2D, dtype: tensor.Int8, in: []int{1, 2, 4, 1}, out: []int{1, 1, 4, 1},
			inQ: builder.PerTensor(0.5, -10), opts: builder.Pool2DOptions{Padding: builder.Valid,
				FilterHeight: 2, FilterWidth: 1, StrideH: 1, StrideW: 1, FusedActivationFunction: tc.act}}.build(t)
		opstest.Set(t, it.Input(0), []int8{
			-128, -12, -1, 99,
			-128, -11, 1, 101,
		})
		opstest.Invoke(t, it)
		// Means: -128, -11.5 -> -12, 0, 100; then clamped.
		opstest.Equal(t, "output", it.Output(0).Int8(), tc.want)
	}
}

func TestAverageInt16(t *testing.T) {
	// 2x2 VALID stride 2 over large int16 values: sums exceed int16 but the
	// int32 accumulator holds them; means round half away from zero.
	it := poolModel{code: builder.AveragePool2D, dtype: tensor.Int16, in: []int{1, 2, 4, 1}, out: []int{1, 1, 2, 1},
		inQ: builder.PerTensor(1.0/4096, 0), opts: opts(builder.Valid, 2, 2, builder.ActNone)}.build(t)
	opstest.Set(t, it.Input(0), []int16{
		32767, 32767, -32768, -32768,
		32767, 32766, -32768, -32767,
	})
	opstest.Invoke(t, it)
	// 131067/4 = 32766.75 -> 32767; -131071/4 = -32767.75 -> -32768.
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{32767, -32768})
}
