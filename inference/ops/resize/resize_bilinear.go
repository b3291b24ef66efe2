package resize

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Bilinear implements RESIZE_BILINEAR for FLOAT32, UINT8, INT8 and INT16,
// following TFLite's reference kernels:
//
//   - FLOAT32 and UINT8 use the float reference: the source coordinate of
//     output index v is v*scale (or (v+0.5)*scale-0.5 with half-pixel
//     centers) in float32, the four neighbours are weighted by its
//     fractional parts, and UINT8 results are truncated after adding 0.5.
//   - INT8 and INT16 use the integer reference (ResizeBilinearInteger):
//     coordinates in 10-bit fixed point, products summed in 20-bit fixed
//     point and rounded half away from zero.
//
// align_corners together with half_pixel_centers is refused, as in TFLite.
// All coordinates are computed per output row and column in Prepare.
type Bilinear struct {
	geometry

	rowsF, colsF []floatTap // FLOAT32, UINT8
	rowsI, colsI []intTap   // INT8, INT16
}

// floatTap is the float reference's interpolation along one axis: the two
// source indices, the weight of the upper one (frac, the source coordinate
// minus lo) and of the lower one (1 - frac).
type floatTap struct {
	lo, hi     int
	frac, rest float32
}

// intTap is the integer reference's interpolation along one axis, with
// weights in 10-bit fixed point: wLo + wHi = 1024.
type intTap struct {
	lo, hi   int
	wLo, wHi int64
}

// Prepare implements ops.Kernel.
func (k *Bilinear) Prepare(n *ops.Node) error {
	if err := k.prepare(n, tensor.Float32, tensor.Uint8, tensor.Int8, tensor.Int16); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.ResizeBilinearOptions](n, tflite.BuiltinOptionsResizeBilinearOptions)
	if err != nil {
		return err
	}
	align, half := opts.AlignCorners(), opts.HalfPixelCenters()
	if align && half {
		return n.Errorf("align_corners and half_pixel_centers cannot both be set")
	}
	switch k.in.Type {
	case tensor.Float32, tensor.Uint8:
		k.rowsF = floatTaps(k.inH, k.outH, align, half)
		k.colsF = floatTaps(k.inW, k.outW, align, half)
	default:
		k.rowsI = intTaps(k.inH, k.outH, align, half)
		k.colsI = intTaps(k.inW, k.outW, align, half)
	}
	return nil
}

// floatTaps computes the float reference's source coordinates for each
// output index along an axis.
func floatTaps(in, out int, align, half bool) []floatTap {
	if out <= 0 {
		return nil
	}
	scale := float32(in) / float32(out)
	if align && out > 1 {
		scale = float32(in-1) / float32(out-1)
	}
	taps := make([]floatTap, out)
	for v := range taps {
		var src float32
		if half {
			// The explicit conversion keeps the product from being fused
			// with the subtraction.
			src = float32((float32(v)+0.5)*scale) - 0.5
		} else {
			src = float32(v) * scale
		}
		lo := max(int(math.Floor(float64(src))), 0)
		hi := min(int(math.Ceil(float64(src))), in-1)
		// TFLite does not bound lo above; it can only pass in-1 through
		// float rounding on huge outputs, where TFLite reads past the row.
		lo = min(lo, in-1)
		frac := src - float32(lo)
		taps[v] = floatTap{lo: lo, hi: hi, frac: frac, rest: 1 - frac}
	}
	return taps
}

// intTaps computes the integer reference's 10-bit source coordinates for
// each output index along an axis. The scale is in/out in 10-bit fixed
// point, rounded to nearest.
func intTaps(in, out int, align, half bool) []intTap {
	if out <= 0 {
		return nil
	}
	scale := ((1<<10)*in + out/2) / out
	if align && out > 1 {
		scale = ((1<<10)*(in-1) + (out-1)/2) / (out - 1)
	}
	taps := make([]intTap, out)
	for v := range taps {
		src := v * scale
		if half {
			src += scale/2 - (1 << 9)
		}
		// Go's division truncates toward zero, as C++'s does.
		lo := max(src/(1<<10), 0)
		hi := min((src+(1<<10)-1)/(1<<10), in-1)
		// TFLite does not bound lo above; the rounded scale can push it to
		// in on very large upscales, where TFLite reads past the row.
		lo = min(lo, in-1)
		wHi := int64(src - (1<<10)*lo)
		taps[v] = intTap{lo: lo, hi: hi, wLo: 1<<10 - wHi, wHi: wHi}
	}
	return taps
}

// Eval implements ops.Kernel.
func (k *Bilinear) Eval(n *ops.Node) error {
	if err := k.checkSize(); err != nil {
		return err
	}
	n.Pool.Run(k.batches*k.outH, rowGrain(k.outW, k.depth), k)
	return nil
}

// Run computes output rows [lo, hi) of all batches (row r is batch
// r/outH, row r%outH).
func (k *Bilinear) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		k.runFloat(lo, hi)
	case tensor.Uint8:
		k.runUint8(lo, hi)
	case tensor.Int8:
		bilinearInteger(k, k.in.Int8(), k.out.Int8(), lo, hi)
	case tensor.Int16:
		bilinearInteger(k, k.in.Int16(), k.out.Int16(), lo, hi)
	}
}

// interpolate is the float reference's weighted sum, in its order of
// operations; each product is rounded to float32 before it is added.
func interpolate(v00, v10, v01, v11 float32, y, x *floatTap) float32 {
	return float32(v00*y.rest*x.rest) + float32(v10*y.frac*x.rest) +
		float32(v01*y.rest*x.frac) + float32(v11*y.frac*x.frac)
}

func (k *Bilinear) runFloat(lo, hi int) {
	in, out := k.in.Float32(), k.out.Float32()
	rowLen, inRow := k.outW*k.depth, k.inW*k.depth
	for r := lo; r < hi; r++ {
		b, y := r/k.outH, r%k.outH
		ty := &k.rowsF[y]
		top := in[(b*k.inH+ty.lo)*inRow:][:inRow]
		bottom := in[(b*k.inH+ty.hi)*inRow:][:inRow]
		dst := out[r*rowLen:][:rowLen]
		for x := range k.colsF {
			tx := &k.colsF[x]
			l, h := tx.lo*k.depth, tx.hi*k.depth
			for c := 0; c < k.depth; c++ {
				// The reference adds a rounding offset of 0 for floats.
				dst[x*k.depth+c] = interpolate(top[l+c], bottom[l+c], top[h+c], bottom[h+c], ty, tx) + 0
			}
		}
	}
}

func (k *Bilinear) runUint8(lo, hi int) {
	in, out := k.in.Uint8(), k.out.Uint8()
	rowLen, inRow := k.outW*k.depth, k.inW*k.depth
	for r := lo; r < hi; r++ {
		b, y := r/k.outH, r%k.outH
		ty := &k.rowsF[y]
		top := in[(b*k.inH+ty.lo)*inRow:][:inRow]
		bottom := in[(b*k.inH+ty.hi)*inRow:][:inRow]
		dst := out[r*rowLen:][:rowLen]
		for x := range k.colsF {
			tx := &k.colsF[x]
			l, h := tx.lo*k.depth, tx.hi*k.depth
			for c := 0; c < k.depth; c++ {
				v := interpolate(float32(top[l+c]), float32(bottom[l+c]), float32(top[h+c]), float32(bottom[h+c]), ty, tx) + 0.5
				// Truncation, kept inside the type's range.
				dst[x*k.depth+c] = uint8(min(max(v, 0), 255))
			}
		}
	}
}

// bilinearInteger is the reference's ResizeBilinearInteger for one range of
// output rows: the four neighbours times their 10-bit row and column
// weights give a 20-bit fixed-point sum, rounded half away from zero.
func bilinearInteger[T int8 | int16](k *Bilinear, in, out []T, lo, hi int) {
	rowLen, inRow := k.outW*k.depth, k.inW*k.depth
	for r := lo; r < hi; r++ {
		b, y := r/k.outH, r%k.outH
		ty := &k.rowsI[y]
		top := in[(b*k.inH+ty.lo)*inRow:][:inRow]
		bottom := in[(b*k.inH+ty.hi)*inRow:][:inRow]
		dst := out[r*rowLen:][:rowLen]
		for x := range k.colsI {
			tx := &k.colsI[x]
			l, h := tx.lo*k.depth, tx.hi*k.depth
			for c := 0; c < k.depth; c++ {
				sum := int64(top[l+c])*ty.wLo*tx.wLo + int64(bottom[l+c])*ty.wHi*tx.wLo +
					int64(top[h+c])*ty.wLo*tx.wHi + int64(bottom[h+c])*ty.wHi*tx.wHi
				round := int64(1 << 19)
				if sum <= 0 {
					round = -round
				}
				dst[x*k.depth+c] = T((sum + round) / (1 << 20))
			}
		}
	}
}
