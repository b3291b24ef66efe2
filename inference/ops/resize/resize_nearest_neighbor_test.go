package resize_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func nearest(dt tensor.DType, q *builder.Quant, inShape, outShape []int, align, half bool) *builder.Builder {
	return model(builder.ResizeNearest, dt, q, inShape, outShape, []int32{int32(outShape[1]), int32(outShape[2])},
		builder.ResizeNearestNeighborOptions{AlignCorners: align, HalfPixelCenters: half})
}

// 2x2 -> 4x4. Source index of output v along each axis:
//   - default:        floor(v * 0.5)           = 0, 0, 1, 1
//   - align:          round(v * 1/3)           = 0, 0, 1, 1
//   - half:           floor((v+0.5) * 0.5)     = 0, 0, 1, 1
//   - align and half: round((v+0.5) * 1/3)     = 0, 1, 1, 1 (0.5 rounds up)
func TestNearestUpscale(t *testing.T) {
	a, b, c, d := float32(1), float32(2), float32(3), float32(4)
	pairs := []float32{
		a, a, b, b,
		a, a, b, b,
		c, c, d, d,
		c, c, d, d,
	}
	shifted := []float32{
		a, b, b, b,
		c, d, d, d,
		c, d, d, d,
		c, d, d, d,
	}
	for _, tc := range []struct {
		name        string
		align, half bool
		want        []float32
	}{
		{"default", false, false, pairs},
		{"align corners", true, false, pairs},
		{"half pixel centers", false, true, pairs},
		{"align and half", true, true, shifted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := build(t, nearest(tensor.Float32, nil, []int{1, 2, 2, 1}, []int{1, 4, 4, 1}, tc.align, tc.half), []float32{a, b, c, d})
			opstest.Equal(t, "output", it.Output(0).Float32(), tc.want)
		})
	}
}

// Widths 3 -> 4 and 3 -> 2 tell the options apart. Source column of output v:
//
//	3 -> 4:  default floor(0.75v) = 0 0 1 2;  align round(2v/3) = 0 1 1 2;
//	         half floor(0.75(v+0.5)) = 0 1 1 2;  both round(2(v+0.5)/3) = 0 1 2 2
//	3 -> 2:  default floor(1.5v) = 0 1;  align round(2v) = 0 2;
//	         half floor(1.5(v+0.5)) = 0 2;  both round(2(v+0.5)) = 1 2 (3 limited to 2)
func TestNearestWidths(t *testing.T) {
	in := []int8{-7, 8, 9}
	for _, tc := range []struct {
		name        string
		outW        int
		align, half bool
		want        []int8
	}{
		{"up default", 4, false, false, []int8{-7, -7, 8, 9}},
		{"up align", 4, true, false, []int8{-7, 8, 8, 9}},
		{"up half", 4, false, true, []int8{-7, 8, 8, 9}},
		{"up both", 4, true, true, []int8{-7, 8, 9, 9}},
		{"down default", 2, false, false, []int8{-7, 8}},
		{"down align", 2, true, false, []int8{-7, 9}},
		{"down half", 2, false, true, []int8{-7, 9}},
		{"down both", 2, true, true, []int8{8, 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := nearest(tensor.Int8, builder.PerTensor(0.1, -3), []int{1, 1, 3, 1}, []int{1, 1, tc.outW, 1}, tc.align, tc.half)
			it := build(t, b, in)
			opstest.Equal(t, "output", it.Output(0).Int8(), tc.want)
		})
	}
}

// TestNearestBatchesAndChannels checks the pixel copies of int16 and uint8
// tensors with 2 batches and 3 channels, 2x2 -> 3x1: rows floor(2v/3) =
// 0, 0, 1; column floor(0) = 0.
func TestNearestBatchesAndChannels(t *testing.T) {
	in := []int16{
		1, 2, 3, 4, 5, 6, // batch 0 row 0: pixels (1 2 3), (4 5 6)
		7, 8, 9, 10, 11, 12, // batch 0 row 1
		-1, -2, -3, -4, -5, -6, // batch 1 row 0
		-7, -8, -9, -10, -11, -12, // batch 1 row 1
	}
	want := []int16{1, 2, 3, 1, 2, 3, 7, 8, 9, -1, -2, -3, -1, -2, -3, -7, -8, -9}
	b := nearest(tensor.Int16, builder.PerTensor(1, 0), []int{2, 2, 2, 3}, []int{2, 3, 1, 3}, false, false)
	it := build(t, b, in)
	opstest.Equal(t, "int16", it.Output(0).Int16(), want)

	in8 := make([]uint8, len(in))
	want8 := make([]uint8, len(want))
	for i, v := range in {
		in8[i] = uint8(v + 100)
	}
	for i, v := range want {
		want8[i] = uint8(v + 100)
	}
	b = nearest(tensor.Uint8, builder.PerTensor(1, 100), []int{2, 2, 2, 3}, []int{2, 3, 1, 3}, false, false)
	it = build(t, b, in8)
	opstest.Equal(t, "uint8", it.Output(0).Uint8(), want8)
}

func TestNearestPrepareRefusals(t *testing.T) {
	t.Run("size shape", func(t *testing.T) {
		b := model(builder.ResizeNearest, tensor.Float32, nil, []int{1, 2, 2, 1}, []int{1, 4, 4, 1}, []int32{4, 4, 1}, builder.ResizeNearestNeighborOptions{})
		wantError(t, b, "RESIZE_NEAREST_NEIGHBOR", "shape")
	})
	t.Run("size disagrees", func(t *testing.T) {
		b := model(builder.ResizeNearest, tensor.Float32, nil, []int{1, 2, 2, 1}, []int{1, 4, 4, 1}, []int32{3, 4}, builder.ResizeNearestNeighborOptions{})
		wantError(t, b, "RESIZE_NEAREST_NEIGHBOR", "size")
	})
	t.Run("batches", func(t *testing.T) {
		wantError(t, nearest(tensor.Float32, nil, []int{1, 2, 2, 1}, []int{2, 4, 4, 1}, false, false), "RESIZE_NEAREST_NEIGHBOR", "shape")
	})
	t.Run("bool", func(t *testing.T) {
		wantError(t, nearest(tensor.Bool, nil, []int{1, 2, 2, 1}, []int{1, 4, 4, 1}, false, false), "RESIZE_NEAREST_NEIGHBOR", "BOOL")
	})
}

// TestThreadsAgree runs both operators on a larger image with one and four
// threads: the row split must not change any value.
func TestThreadsAgree(t *testing.T) {
	in := make([]int8, 2*7*9*3)
	for i := range in {
		in[i] = int8(i*29 + 3)
	}
	for _, code := range []builder.Code{builder.ResizeBilinear, builder.ResizeNearest} {
		var opts builder.Options = builder.ResizeBilinearOptions{HalfPixelCenters: true}
		if code == builder.ResizeNearest {
			opts = builder.ResizeNearestNeighborOptions{HalfPixelCenters: true}
		}
		var outs [2][]int8
		for i, threads := range []int{1, 4} {
			b := model(code, tensor.Int8, builder.PerTensor(1, 0), []int{2, 7, 9, 3}, []int{2, 50, 61, 3}, []int32{50, 61}, opts)
			it, err := opstest.TryBuild(b, resolver(), inference.Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(it.Close)
			opstest.Set(t, it.Input(0), in)
			opstest.Invoke(t, it)
			outs[i] = append([]int8(nil), it.Output(0).Int8()...)
		}
		opstest.Equal(t, code.String(), outs[1], outs[0])
	}
}
