package resize_test

import (
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/ops/resize"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	resize.Register(r)
	return r
}

// model builds one resize operator from an input of shape inShape to an
// output of shape outShape with a constant size input (nil: a graph input).
func model(code builder.Code, dt tensor.DType, q *builder.Quant, inShape, outShape []int, size []int32, opts builder.Options) *builder.Builder {
	b := builder.New()
	in := b.Tensor("in", dt, inShape, q)
	var sz int
	if size != nil {
		sz = b.Const("size", tensor.Int32, []int{len(size)}, nil, size)
	} else {
		sz = b.Tensor("size", tensor.Int32, []int{2}, nil)
	}
	out := b.Tensor("out", dt, outShape, q)
	b.Op(code, []int{in, sz}, []int{out}, opts)
	if size != nil {
		b.Inputs(in)
	} else {
		b.Inputs(in, sz)
	}
	b.Outputs(out)
	return b
}

func build[T int8 | uint8 | int16 | float32](t *testing.T, b *builder.Builder, input []T) *inference.Interpreter {
	t.Helper()
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), input)
	opstest.Invoke(t, it)
	return it
}

func wantError(t *testing.T, b *builder.Builder, op, word string) {
	t.Helper()
	_, err := opstest.TryBuild(b, resolver())
	if err == nil || !strings.Contains(err.Error(), op) || !strings.Contains(err.Error(), word) {
		t.Fatalf("TryBuild = %v, want an error naming %s and mentioning %q", err, op, word)
	}
}

func bilinear(dt tensor.DType, q *builder.Quant, align, half bool) *builder.Builder {
	return model(builder.ResizeBilinear, dt, q, []int{1, 2, 2, 1}, []int{1, 4, 4, 1}, []int32{4, 4},
		builder.ResizeBilinearOptions{AlignCorners: align, HalfPixelCenters: half})
}

// The 2x2 image [[10, 21], [-31, 45]] resized to 4x4. Along each axis the
// fraction of the second pixel in output index v is (fy for rows, fx for
// columns) the fractional part of its source coordinate:
//   - default:     v * 2/4           = 0, 0.5, 1, 1.5 (1.5 reads pixel 1 twice)
//   - align:       v * (2-1)/(4-1)   = 0, 1/3, 2/3, 1
//   - half-pixel:  (v+0.5)*2/4 - 0.5 = -0.25 (clamped: pixel 0), 0.25, 0.75, 1.25 (pixel 1)
var (
	image       = []float32{10, 21, -31, 45}
	fracDefault = []float64{0, 0.5, 1, 1}
	fracAlign   = []float64{0, 1.0 / 3, 2.0 / 3, 1}
	fracHalf    = []float64{0, 0.25, 0.75, 1}
)

// lerp2 interpolates the 2x2 image at fractions (fy, fx).
func lerp2(img []float32, fy, fx float64) float64 {
	top := float64(img[0]) + (float64(img[1])-float64(img[0]))*fx
	bottom := float64(img[2]) + (float64(img[3])-float64(img[2]))*fx
	return top + (bottom-top)*fy
}

func expectFloat(frac []float64) []float32 {
	var out []float32
	for _, fy := range frac {
		for _, fx := range frac {
			out = append(out, float32(lerp2(image, fy, fx)))
		}
	}
	return out
}

func TestBilinearFloat(t *testing.T) {
	for _, tc := range []struct {
		name        string
		align, half bool
		frac        []float64
	}{
		{"default", false, false, fracDefault},
		{"align corners", true, false, fracAlign},
		{"half pixel centers", false, true, fracHalf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := build(t, bilinear(tensor.Float32, nil, tc.align, tc.half), image)
			opstest.Near(t, "output", it.Output(0).Float32(), expectFloat(tc.frac), 1e-5)
		})
	}
	// Spelled out for the default case: rows 0 and 2 are the image rows
	// widened to 10, 15.5, 21, 21 and -31, 7, 45, 45; row 1 is their mean.
	it := build(t, bilinear(tensor.Float32, nil, false, false), image)
	opstest.Equal(t, "default", it.Output(0).Float32(), []float32{
		10, 15.5, 21, 21,
		-10.5, 11.25, 33, 33,
		-31, 7, 45, 45,
		-31, 7, 45, 45,
	})
}

// TestBilinearInt8 checks the integer reference path. Its scales are in
// 10-bit fixed point: default 512 (0.5), align corners (1024+1)/3 = 341,
// half-pixel 512 with offset 512/2 - 512 = -256. Results are the 20-bit
// sums rounded half away from zero.
func TestBilinearInt8(t *testing.T) {
	q := builder.PerTensor(0.5, 3)
	in := []int8{10, 21, -31, 45}
	t.Run("default", func(t *testing.T) {
		it := build(t, bilinear(tensor.Int8, q, false, false), in)
		// 15.5 -> 16, -10.5 -> -11, 11.25 -> 11, 7 (see the float case).
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{
			10, 16, 21, 21,
			-11, 11, 33, 33,
			-31, 7, 45, 45,
			-31, 7, 45, 45,
		})
	})
	t.Run("align corners", func(t *testing.T) {
		it := build(t, bilinear(tensor.Int8, q, true, false), in)
		// Weights (1024-w, w) with w = 0, 341, 682, 1023. Row 0: 10,
		// (683*10 + 341*21)/1024 = 13.66 -> 14, (342*10 + 682*21)/1024 =
		// 17.33 -> 17, (10 + 1023*21)/1024 = 20.99 -> 21. Row 1, column 0:
		// (683*10 - 341*31)/1024 = -3.65 -> -4.
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{
			10, 14, 17, 21,
			-4, 7, 18, 29,
			-17, 1, 19, 37,
			-31, -6, 20, 45,
		})
	})
	t.Run("half pixel centers", func(t *testing.T) {
		it := build(t, bilinear(tensor.Int8, q, false, true), in)
		// Coordinates -256 (pixel 0 weighted 1280 and -256: itself), 256,
		// 768, 1280 (pixel 1 weighted 768 and 256: itself). Row 1, column
		// 0: 10 + (-31-10)/4 = -0.25 -> 0; column 1: 12.75 + (-12-12.75)/4
		// = 6.5625 -> 7.
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{
			10, 13, 18, 21,
			0, 7, 20, 27,
			-21, -6, 24, 39,
			-31, -12, 26, 45,
		})
	})
}

// TestBilinearInt16AlignCornersApproximates shows the 10-bit arithmetic of
// the integer path: with align corners the last source coordinate is
// 3*341 = 1023/1024 rather than 1, so the corner opposite three -32768
// pixels is (32767*1023*1023 - 32768*(1 + 2*1023)) / 2^20 = 32639.4 -> 32639,
// not 32767 as a float computation would give.
func TestBilinearInt16AlignCornersApproximates(t *testing.T) {
	it := build(t, bilinear(tensor.Int16, builder.PerTensor(1, 0), true, false), []int16{-32768, -32768, -32768, 32767})
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{
		-32768, -32768, -32768, -32768,
		-32768, -25501, -18233, -10966,
		-32768, -18233, -3698, 10837,
		-32768, -10966, 10837, 32639,
	})
}

// TestBilinearUint8 checks the float path with its +0.5 rounding offset
// and truncation.
func TestBilinearUint8(t *testing.T) {
	it := build(t, bilinear(tensor.Uint8, builder.PerTensor(1, 0), false, false), []uint8{10, 21, 0, 255})
	// Row 1 is the mean of rows 0 and 2: columns 1 and 0: (15.5 + 127.5)/2
	// = 71.5 -> 72, (10 + 0)/2 = 5.
	opstest.Equal(t, "output", it.Output(0).Uint8(), []uint8{
		10, 16, 21, 21,
		5, 72, 138, 138,
		0, 128, 255, 255,
		0, 128, 255, 255,
	})
}

// TestBilinearBatchesAndChannels resizes 2 batches of a 2x3 image with 2
// channels to 3x5 and compares with a float64 computation of the same
// source coordinates; the int8 result must be within one step of it.
func TestBilinearBatchesAndChannels(t *testing.T) {
	const B, H, W, C, OH, OW = 2, 2, 3, 2, 3, 5
	in := make([]float32, B*H*W*C)
	for i := range in {
		in[i] = float32((i*37)%101 - 50)
	}
	fy := []float64{0, 2.0 / 3, 4.0 / 3}   // v * 2/3
	fx := []float64{0, 0.6, 1.2, 1.8, 2.4} // v * 3/5
	var want []float32
	for b := 0; b < B; b++ {
		for _, sy := range fy {
			for _, sx := range fx {
				for c := 0; c < C; c++ {
					at := func(y, x int) float64 {
						return float64(in[((b*H+min(y, H-1))*W+min(x, W-1))*C+c])
					}
					y0, x0 := int(sy), int(sx)
					dy, dx := sy-float64(y0), sx-float64(x0)
					top := at(y0, x0)*(1-dx) + at(y0, x0+1)*dx
					bottom := at(y0+1, x0)*(1-dx) + at(y0+1, x0+1)*dx
					want = append(want, float32(top*(1-dy)+bottom*dy))
				}
			}
		}
	}
	b := model(builder.ResizeBilinear, tensor.Float32, nil, []int{B, H, W, C}, []int{B, OH, OW, C}, []int32{OH, OW}, builder.ResizeBilinearOptions{})
	it := build(t, b, in)
	opstest.Near(t, "float", it.Output(0).Float32(), want, 1e-4)

	q := builder.PerTensor(1, 0)
	b = model(builder.ResizeBilinear, tensor.Int8, q, []int{B, H, W, C}, []int{B, OH, OW, C}, []int32{OH, OW}, builder.ResizeBilinearOptions{})
	in8 := opstest.QuantizeInt8(in, 1, 0)
	it = build(t, b, in8)
	opstest.WithinSteps(t, "int8", it.Output(0).Int8(), opstest.QuantizeInt8(want, 1, 0), 1)
}

func TestBilinearDynamicSize(t *testing.T) {
	b := model(builder.ResizeBilinear, tensor.Float32, nil, []int{1, 2, 2, 1}, []int{1, 4, 4, 1}, nil, builder.ResizeBilinearOptions{})
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), image)
	opstest.Set(t, it.Input(1), []int32{4, 4})
	opstest.Invoke(t, it)
	opstest.Near(t, "output", it.Output(0).Float32(), expectFloat(fracDefault), 1e-5)

	opstest.Set(t, it.Input(1), []int32{4, 3})
	if err := it.Invoke(); err == nil || !strings.Contains(err.Error(), "RESIZE_BILINEAR") {
		t.Fatalf("Invoke with a size that disagrees with the output = %v, want an error", err)
	}
}

func TestBilinearPrepareRefusals(t *testing.T) {
	t.Run("align and half", func(t *testing.T) {
		wantError(t, bilinear(tensor.Float32, nil, true, true), "RESIZE_BILINEAR", "half_pixel_centers")
	})
	t.Run("size disagrees", func(t *testing.T) {
		b := model(builder.ResizeBilinear, tensor.Float32, nil, []int{1, 2, 2, 1}, []int{1, 4, 4, 1}, []int32{4, 5}, builder.ResizeBilinearOptions{})
		wantError(t, b, "RESIZE_BILINEAR", "size")
	})
	t.Run("channels", func(t *testing.T) {
		b := model(builder.ResizeBilinear, tensor.Float32, nil, []int{1, 2, 2, 1}, []int{1, 4, 4, 2}, []int32{4, 4}, builder.ResizeBilinearOptions{})
		wantError(t, b, "RESIZE_BILINEAR", "shape")
	})
	t.Run("rank", func(t *testing.T) {
		b := model(builder.ResizeBilinear, tensor.Float32, nil, []int{2, 2, 1}, []int{4, 4, 1}, []int32{4, 4}, builder.ResizeBilinearOptions{})
		wantError(t, b, "RESIZE_BILINEAR", "rank")
	})
	t.Run("int32", func(t *testing.T) {
		b := model(builder.ResizeBilinear, tensor.Int32, nil, []int{1, 2, 2, 1}, []int{1, 4, 4, 1}, []int32{4, 4}, builder.ResizeBilinearOptions{})
		wantError(t, b, "RESIZE_BILINEAR", "INT32")
	})
	t.Run("quantization differs", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Int8, []int{1, 2, 2, 1}, builder.PerTensor(1, 0))
		sz := b.Const("size", tensor.Int32, []int{2}, nil, []int32{4, 4})
		out := b.Tensor("out", tensor.Int8, []int{1, 4, 4, 1}, builder.PerTensor(0.5, 0))
		b.Op(builder.ResizeBilinear, []int{in, sz}, []int{out}, builder.ResizeBilinearOptions{})
		b.Inputs(in)
		b.Outputs(out)
		wantError(t, b, "RESIZE_BILINEAR", "quantization")
	})
}
