// Package conv implements the convolution operators CONV_2D,
// DEPTHWISE_CONV_2D and TRANSPOSE_CONV over NHWC tensors, for float32, int8
// (per-tensor or per-channel filters, int32 bias) and int16 activations with
// int8 filters (16x8, int64 bias).
//
// The integer kernels produce the same int32/int64 accumulators as TensorFlow
// Lite Micro's reference kernels and requantize them with the same
// arithmetic, so their outputs are bit-identical. Integer sums are free to be
// reordered (int32 addition wraps and is associative), which the kernels use:
// CONV_2D gathers each output pixel's receptive field (padded with the input
// zero point, so padded taps contribute nothing), computes sum(filter*input)
// for two pixels at once in one 64-bit multiply-accumulate per filter tap,
// and adds input_offset*sum(filter) per channel afterwards. Float kernels
// accumulate each output in the reference's order, every product rounded
// (no fused multiply-add); CONV_2D's packed float path
// (inference/internal/fgemm) keeps that order, so every kernel path and
// architecture gives the same bytes.
package conv

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorCONV_2D, func() ops.Kernel { return &Conv2D{} })
	r.AddBuiltin(tflite.BuiltinOperatorDEPTHWISE_CONV_2D, func() ops.Kernel { return &DepthwiseConv2D{} })
	r.AddBuiltin(tflite.BuiltinOperatorTRANSPOSE_CONV, func() ops.Kernel { return &TransposeConv{} })
}

// geometry describes a windowed operator over NHWC tensors: output pixel
// (oy, ox) reads input rows oy*strideH - padH + fy*dilH and columns
// ox*strideW - padW + fx*dilW.
type geometry struct {
	batches          int
	inH, inW, inC    int
	fH, fW           int
	outH, outW, outC int
	strideH, strideW int
	dilH, dilW       int
	padH, padW       int
}

// setPadding computes the padding of the window from the padding option,
// with the node's InputPad (a PAD the interpreter folded into the node)
// added: the window is laid over the input as padded, and taps outside the
// real input read its zero point, as they would read the PAD's output.
// Everything but the padding must be set.
func (g *geometry) setPadding(n *ops.Node, padding tflite.Padding, in *tensor.Tensor) error {
	inH, inW := g.inH, g.inW
	ip := n.InputPad
	if ip != nil {
		if in.Type != tensor.Int8 {
			return n.Errorf("a folded PAD needs an int8 input, not %s", in.Type)
		}
		inH += ip.Top + ip.Bottom
		inW += ip.Left + ip.Right
	}
	pad, err := n.WindowPadding(padding, g.strideH, g.strideW, g.dilH, g.dilW, inH, inW, g.fH, g.fW, g.outH, g.outW)
	if err != nil {
		return err
	}
	g.padH, g.padW = pad.Height, pad.Width
	if ip != nil {
		g.padH += ip.Top
		g.padW += ip.Left
	}
	return nil
}

// pixels returns the number of output pixels over all batches.
func (g *geometry) pixels() int { return g.batches * g.outH * g.outW }

// pixel is an output position: batch, row and column.
type pixel struct{ b, y, x int }

// pixelAt returns output pixel p, counted over batches, rows and columns.
func (g *geometry) pixelAt(p int) pixel {
	return pixel{b: p / (g.outW * g.outH), y: p / g.outW % g.outH, x: p % g.outW}
}

// next advances px to the following output pixel in raster order. Kernels
// walk their pixel ranges with it rather than dividing for every pixel.
func (g *geometry) next(px *pixel) { *px = g.step(*px) }

// step returns the output pixel after px in raster order.
func (g *geometry) step(px pixel) pixel {
	px.x++
	if px.x == g.outW {
		px.x = 0
		px.y++
		if px.y == g.outH {
			px.y = 0
			px.b++
		}
	}
	return px
}

// tapRange returns the taps [t0, t1) of a window starting at i0 with the
// given dilation and size that fall inside [0, n).
func tapRange(i0, dil, size, n int) (t0, t1 int) {
	for t0 < size && i0+t0*dil < 0 {
		t0++
	}
	t1 = size
	for t1 > t0 && i0+(t1-1)*dil >= n {
		t1--
	}
	return
}

// patch returns the receptive field of output pixel px for input channels
// [c0, c0+depth), in filter order (fy, fx, c). Taps outside the input read
// pad. For a 1x1 window the field is a run of the input and patch returns a
// slice of in; otherwise it fills dst, which must hold fH*fW*depth values.
func patch[T int8 | int16 | float32](g *geometry, dst, in []T, px pixel, c0, depth int, pad T) []T {
	b := px.b
	iy0, ix0 := px.y*g.strideH-g.padH, px.x*g.strideW-g.padW
	if g.fH == 1 && g.fW == 1 && iy0 >= 0 && iy0 < g.inH && ix0 >= 0 && ix0 < g.inW {
		at := ((b*g.inH+iy0)*g.inW+ix0)*g.inC + c0
		return in[at : at+depth : at+depth]
	}
	run := g.fW * depth
	whole := g.dilW == 1 && depth == g.inC && ix0 >= 0 && ix0+g.fW <= g.inW
	i := 0
	for fy := 0; fy < g.fH; fy++ {
		iy := iy0 + fy*g.dilH
		seg := dst[i : i+run]
		i += run
		if iy < 0 || iy >= g.inH {
			for j := range seg {
				seg[j] = pad
			}
			continue
		}
		row := in[(b*g.inH+iy)*g.inW*g.inC : (b*g.inH+iy+1)*g.inW*g.inC]
		if whole {
			copy(seg, row[ix0*g.inC:])
			continue
		}
		for fx := 0; fx < g.fW; fx++ {
			ix := ix0 + fx*g.dilW
			tap := seg[fx*depth : (fx+1)*depth]
			if ix < 0 || ix >= g.inW {
				for j := range tap {
					tap[j] = pad
				}
			} else {
				copy(tap, row[ix*g.inC+c0:])
			}
		}
	}
	return dst[:i]
}

// requant holds the per-output-channel requantization of an integer
// convolution, as TFLite's PopulateConvolutionQuantizationParams computes it.
type requant struct {
	mult       []int32 // Q31 significands
	shift      []int   // power-of-two exponents
	ch         []scaling
	inOffset   int32 // -input zero point (int8 only)
	outOffset  int32 // output zero point (int8 only)
	qmin, qmax int32
}

// scaling is one channel's MultiplyByQuantizedMultiplier in a branch-free
// form: a wrapping left shift, the rounding doubling high multiply
// (ab + 2^30) >> 31, which equals gemmlowp's SaturatingRoundingDoublingHighMul
// for a non-negative multiplier, and a right shift rounding half away from
// zero, which equals RoundingDivideByPOT.
type scaling struct {
	mult  int64
	left  uint
	right uint
	round int64 // 2^(right-1), or 0 without right shift
	neg   int64 // -1 with a right shift: ties of negative values round down
}

func newScaling(mult int32, shift int) scaling {
	s := scaling{mult: int64(mult)}
	if shift > 0 {
		s.left = uint(shift)
	} else if shift < 0 {
		s.right = uint(-shift)
		s.round, s.neg = 1<<(s.right-1), -1
	}
	return s
}

// apply returns MultiplyByQuantizedMultiplier(x, mult, shift).
func (s *scaling) apply(x int32) int32 {
	hm := (int64(x<<s.left)*s.mult + 1<<30) >> 31
	return int32((hm + s.round + hm>>63&s.neg) >> s.right)
}

// prepareRequant checks the quantization of in, filter and out and computes
// one multiplier per output channel: the filter holds channels scales along
// dimension dim, or a single scale. Each multiplier is
// double(input_scale) * double(filter_scale) / double(output_scale).
func prepareRequant(n *ops.Node, in, filter, out *tensor.Tensor, channels, dim int, act tflite.ActivationFunctionType) (requant, error) {
	var rq requant
	inScale, inZP, err := n.PerTensorQuant("input", in)
	if err != nil {
		return rq, err
	}
	outScale, outZP, err := n.PerTensorQuant("output", out)
	if err != nil {
		return rq, err
	}
	fq := filter.Quant
	if fq == nil || len(fq.Scale) == 0 {
		return rq, n.Errorf("filter %s is not quantized", filter)
	}
	if len(fq.Scale) != 1 && (len(fq.Scale) != channels || fq.Dim != dim) {
		return rq, n.Errorf("filter %s has %d scales along dimension %d, want 1 or %d along %d", filter, len(fq.Scale), fq.Dim, channels, dim)
	}
	for _, zp := range fq.ZeroPoint {
		if zp != 0 {
			return rq, n.Errorf("filter %s has zero point %d; only symmetric (zero point 0) filters are supported", filter, zp)
		}
	}
	if in.Type == tensor.Int16 && (inZP != 0 || outZP != 0) {
		return rq, n.Errorf("int16 input and output need zero point 0, got %d and %d", inZP, outZP)
	}
	rq.mult = make([]int32, channels)
	rq.shift = make([]int, channels)
	rq.ch = make([]scaling, channels)
	for c := 0; c < channels; c++ {
		s := fq.Scale[0]
		if len(fq.Scale) > 1 {
			s = fq.Scale[c]
		}
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return rq, n.Errorf("filter %s has scale %v for channel %d", filter, s, c)
		}
		rq.mult[c], rq.shift[c] = quant.QuantizeMultiplier(float64(inScale) * float64(s) / float64(outScale))
		rq.ch[c] = newScaling(rq.mult[c], rq.shift[c])
	}
	rq.inOffset = -inZP
	rq.outOffset = outZP
	rq.qmin, rq.qmax, err = n.ActivationRangeQuantized(act, out)
	return rq, err
}

// dropTables frees the per-channel multipliers, shifts and scalings once a
// packed kernel has copied them into its own layout; the offsets and bounds
// stay.
func (rq *requant) dropTables() { rq.mult, rq.shift, rq.ch = nil, nil, nil }

// int8Out requantizes an int8 kernel's int32 accumulator for channel c.
func (rq *requant) int8Out(acc int32, c int) int8 {
	r := rq.ch[c].apply(acc) + rq.outOffset
	return int8(min(max(r, rq.qmin), rq.qmax))
}

// int16Out requantizes a 16x8 kernel's int64 accumulator for channel c.
func (rq *requant) int16Out(acc int64, c int) int16 {
	r := quant.MultiplyByQuantizedMultiplier64(acc, rq.mult[c], rq.shift[c])
	return int16(quant.Clamp(r, rq.qmin, rq.qmax))
}

// int16Out32 requantizes a 16x8 kernel's int32 accumulator (int32 bias) for channel c.
func (rq *requant) int16Out32(acc int32, c int) int16 {
	r := rq.ch[c].apply(acc)
	return int16(min(max(r, rq.qmin), rq.qmax))
}

// checkBias checks that an optional bias has one value per output channel
// and one of the given types.
func checkBias(n *ops.Node, bias *tensor.Tensor, channels int, types ...tensor.DType) error {
	if bias == nil {
		return nil
	}
	if err := n.CheckType("bias", bias, types...); err != nil {
		return err
	}
	if bias.NumElements() != channels {
		return n.Errorf("bias %s has %d elements for %d output channels", bias, bias.NumElements(), channels)
	}
	return nil
}

// checkRank4 checks that every tensor has rank 4 and positive filter dimensions.
func checkRank4(n *ops.Node, in, filter, out *tensor.Tensor) error {
	for _, x := range []struct {
		what string
		t    *tensor.Tensor
	}{{"input", in}, {"filter", filter}, {"output", out}} {
		if err := n.CheckRank(x.what, x.t, 4); err != nil {
			return err
		}
	}
	for _, d := range filter.Shape {
		if d <= 0 {
			return n.Errorf("filter %s has an empty dimension", filter)
		}
	}
	return nil
}

// float32s, int8s, int16s, int32s and int64s view scratch bytes as typed values.
func float32s(b []byte) []float32 { t := tensor.Tensor{Data: b}; return t.Float32() }
func int8s(b []byte) []int8       { t := tensor.Tensor{Data: b}; return t.Int8() }
func int16s(b []byte) []int16     { t := tensor.Tensor{Data: b}; return t.Int16() }
func int32s(b []byte) []int32     { t := tensor.Tensor{Data: b}; return t.Int32() }
func int64s(b []byte) []int64     { t := tensor.Tensor{Data: b}; return t.Int64() }

// align64 rounds n up to a multiple of 64 bytes, so per-worker scratch
// regions stay aligned for every element type.
func align64(n int) int { return (n + 63) &^ 63 }
