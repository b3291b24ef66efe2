package ops

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// TypeRange returns the smallest and largest value of an integer type.
func TypeRange(t tensor.DType) (int32, int32) {
	switch t {
	case tensor.Int8:
		return math.MinInt8, math.MaxInt8
	case tensor.Uint8:
		return 0, math.MaxUint8
	case tensor.Int16:
		return math.MinInt16, math.MaxInt16
	}
	return math.MinInt32, math.MaxInt32
}

// ActivationRangeFloat returns the clamp bounds of a fused activation.
func ActivationRangeFloat(act tflite.ActivationFunctionType) (float32, float32) {
	switch act {
	case tflite.ActivationFunctionTypeRELU:
		return 0, math.MaxFloat32
	case tflite.ActivationFunctionTypeRELU6:
		return 0, 6
	case tflite.ActivationFunctionTypeRELU_N1_TO_1:
		return -1, 1
	}
	return -math.MaxFloat32, math.MaxFloat32
}

// CheckActivation accepts the fused activations a kernel's clamp can express.
func (n *Node) CheckActivation(act tflite.ActivationFunctionType) error {
	switch act {
	case tflite.ActivationFunctionTypeNONE, tflite.ActivationFunctionTypeRELU,
		tflite.ActivationFunctionTypeRELU6, tflite.ActivationFunctionTypeRELU_N1_TO_1:
		return nil
	}
	return n.Errorf("fused activation %s is not supported", act)
}

// ActivationRangeQuantized returns the clamp bounds of a fused activation in
// out's quantized domain, as TFLite's CalculateActivationRangeQuantized does.
func (n *Node) ActivationRangeQuantized(act tflite.ActivationFunctionType, out *tensor.Tensor) (int32, int32, error) {
	if err := n.CheckActivation(act); err != nil {
		return 0, 0, err
	}
	qmin, qmax := TypeRange(out.Type)
	scale, zp := out.Scale(), out.ZeroPoint()
	q := func(f float32) (int32, error) {
		v, ok := quant.Quantize(scale, zp, f)
		if !ok {
			return 0, n.Errorf("activation bound %v overflows output quantization (scale %v)", f, scale)
		}
		return v, nil
	}
	lo, hi := qmin, qmax
	var err error
	var v int32
	switch act {
	case tflite.ActivationFunctionTypeRELU:
		if v, err = q(0); err == nil {
			lo = max(qmin, v)
		}
	case tflite.ActivationFunctionTypeRELU6, tflite.ActivationFunctionTypeRELU_N1_TO_1:
		l, h := float32(0), float32(6)
		if act == tflite.ActivationFunctionTypeRELU_N1_TO_1 {
			l, h = -1, 1
		}
		if v, err = q(l); err == nil {
			lo = max(qmin, v)
			if v, err = q(h); err == nil {
				hi = min(qmax, v)
			}
		}
	}
	return lo, hi, err
}

// Padding holds the implicit padding of a windowed operator.
type Padding struct {
	Height, Width             int
	HeightOffset, WidthOffset int
}

// ComputeOutSize returns the output size of a windowed dimension, or -1
// when the arguments are invalid.
func ComputeOutSize(pad tflite.Padding, size, filter, stride, dilation int) int {
	if size < 0 || filter <= 0 || stride <= 0 || dilation <= 0 {
		return -1
	}
	eff := int64(filter-1)*int64(dilation) + 1
	var v int64
	switch pad {
	case tflite.PaddingSAME:
		v = (int64(size) + int64(stride) - 1) / int64(stride)
	case tflite.PaddingVALID:
		v = (int64(size) + int64(stride) - eff) / int64(stride)
	default:
		return -1
	}
	if v < 0 || v > math.MaxInt32 {
		return -1
	}
	return int(v)
}

// computePadding returns TFLite's padding and offset for one dimension.
func computePadding(stride, dilation, in, filter, out int) (int, int) {
	eff := int64(filter-1)*int64(dilation) + 1
	total := (int64(out)-1)*int64(stride) + eff - int64(in)
	if total < 0 {
		total = 0
	}
	return int(total / 2), int(total % 2)
}

// WindowPadding checks a windowed operator's geometry against the output
// size the model declares and returns its padding. It is TFLite's
// ComputePaddingHeightWidth followed by a check that the declared output
// height and width are the ones TFLite would compute.
func (n *Node) WindowPadding(pad tflite.Padding, strideH, strideW, dilH, dilW, inH, inW, filterH, filterW, outH, outW int) (Padding, error) {
	if pad != tflite.PaddingSAME && pad != tflite.PaddingVALID {
		return Padding{}, n.Errorf("padding %d is not SAME or VALID", pad)
	}
	if strideH <= 0 || strideW <= 0 {
		return Padding{}, n.Errorf("strides %dx%d must be positive", strideH, strideW)
	}
	if dilH <= 0 || dilW <= 0 {
		return Padding{}, n.Errorf("dilations %dx%d must be positive", dilH, dilW)
	}
	wantH := ComputeOutSize(pad, inH, filterH, strideH, dilH)
	wantW := ComputeOutSize(pad, inW, filterW, strideW, dilW)
	if wantH < 0 || wantW < 0 {
		return Padding{}, n.Errorf("invalid window: input %dx%d, filter %dx%d, stride %dx%d, dilation %dx%d", inH, inW, filterH, filterW, strideH, strideW, dilH, dilW)
	}
	if wantH != outH || wantW != outW {
		return Padding{}, n.Errorf("output is %dx%d, but input %dx%d with filter %dx%d, stride %dx%d and %s padding gives %dx%d",
			outH, outW, inH, inW, filterH, filterW, strideH, strideW, pad, wantH, wantW)
	}
	var p Padding
	p.Height, p.HeightOffset = computePadding(strideH, dilH, inH, filterH, outH)
	p.Width, p.WidthOffset = computePadding(strideW, dilW, inW, filterW, outW)
	return p, nil
}

// CheckType checks that t has one of the given types.
func (n *Node) CheckType(what string, t *tensor.Tensor, types ...tensor.DType) error {
	for _, d := range types {
		if t.Type == d {
			return nil
		}
	}
	return n.Errorf("%s %s has type %s, which this operator does not support here", what, t, t.Type)
}

// PerTensorQuant returns t's single scale and zero point, or an error when t
// is not quantized per tensor with a positive, finite scale.
func (n *Node) PerTensorQuant(what string, t *tensor.Tensor) (float32, int32, error) {
	if t.Quant == nil || len(t.Quant.Scale) == 0 {
		return 0, 0, n.Errorf("%s %s is not quantized", what, t)
	}
	s := t.Quant.Scale[0]
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return 0, 0, n.Errorf("%s %s has scale %v", what, t, s)
	}
	zp := t.Quant.ZeroPoint[0]
	lo, hi := TypeRange(t.Type)
	if t.Type == tensor.Int32 || t.Type == tensor.Int64 {
		lo, hi = math.MinInt32, math.MaxInt32
	}
	if zp < int64(lo) || zp > int64(hi) {
		return 0, 0, n.Errorf("%s %s has zero point %d outside its type's range", what, t, zp)
	}
	return s, int32(zp), nil
}

// CheckShape checks that t has the given shape.
func (n *Node) CheckShape(what string, t *tensor.Tensor, shape ...int) error {
	if !tensor.SameShape(t.Shape, shape) {
		return n.Errorf("%s %s has shape %v, want %v", what, t, t.Shape, shape)
	}
	return nil
}

// CheckRank checks that t has the given rank.
func (n *Node) CheckRank(what string, t *tensor.Tensor, rank int) error {
	if len(t.Shape) != rank {
		return n.Errorf("%s %s has rank %d, want %d", what, t, len(t.Shape), rank)
	}
	return nil
}

// Int64Values returns the values of a constant INT32 or INT64 tensor (shape
// arguments, axes, paddings), or an error when it is not constant.
func (n *Node) Int64Values(what string, t *tensor.Tensor) ([]int64, error) {
	if !t.Const {
		return nil, n.Errorf("%s %s must be constant", what, t)
	}
	switch t.Type {
	case tensor.Int32:
		v := t.Int32()
		out := make([]int64, len(v))
		for i, x := range v {
			out[i] = int64(x)
		}
		return out, nil
	case tensor.Int64:
		return append([]int64(nil), t.Int64()...), nil
	}
	return nil, n.Errorf("%s %s has type %s, want INT32 or INT64", what, t, t.Type)
}
