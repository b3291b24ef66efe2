package pipeline

import (
	"fmt"
	"math"

	"github.com/edge-agent/edge-agent/inference/tensor"
)

// quantizer writes real values into a tensor's bytes: float32 as they
// are, int8, uint8 and int16 as q = clamp(round(x / scale) + zeroPoint).
type quantizer struct {
	typ    tensor.DType
	scale  float32
	zp     float64
	lo, hi float64
}

// quantizerFor checks that t can be filled from real values: float32, or
// int8, uint8 or int16 with one finite positive scale and a zero point in
// the type's range.
func quantizerFor(t *tensor.Tensor) (quantizer, error) {
	switch t.Type {
	case tensor.Float32:
		return quantizer{typ: t.Type}, nil
	case tensor.Int8, tensor.Uint8, tensor.Int16:
	default:
		return quantizer{}, fmt.Errorf("tensor %s: type %s is not one a pipeline fills (float32, int8, uint8, int16)", t, t.Type)
	}
	if t.Quant == nil || len(t.Quant.Scale) == 0 {
		return quantizer{}, fmt.Errorf("tensor %s: %s without quantization parameters", t, t.Type)
	}
	if len(t.Quant.Scale) > 1 {
		return quantizer{}, fmt.Errorf("tensor %s: quantized per channel (%d scales); only per-tensor quantization is supported", t, len(t.Quant.Scale))
	}
	s := t.Scale()
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return quantizer{}, fmt.Errorf("tensor %s: scale %v is not a finite number above 0", t, s)
	}
	q := stored(t.Type)
	zp := float64(t.ZeroPoint())
	if zp < q.lo || zp > q.hi {
		return quantizer{}, fmt.Errorf("tensor %s: zero point %v is outside the range of %s", t, zp, t.Type)
	}
	q.scale, q.zp = s, zp
	return q, nil
}

// stored returns the quantizer that writes values as the elements
// themselves (scale 1, zero point 0) into an integer type.
func stored(typ tensor.DType) quantizer {
	q := quantizer{typ: typ, scale: 1}
	switch typ {
	case tensor.Int8:
		q.lo, q.hi = math.MinInt8, math.MaxInt8
	case tensor.Uint8:
		q.lo, q.hi = 0, math.MaxUint8
	case tensor.Int16:
		q.lo, q.hi = math.MinInt16, math.MaxInt16
	}
	return q
}

// quantize converts one real value: round(x / scale) with the division in
// float32 and rounding half away from zero (TFLite's TfLiteRound), plus the
// zero point, clamped to the type's range. NaN gives the zero point.
func (q *quantizer) quantize(x float32) float64 {
	r := math.Round(float64(x / q.scale))
	if r != r {
		r = 0
	}
	return min(max(r+q.zp, q.lo), q.hi)
}

// fill writes vals into t's elements from index off on. The caller has
// checked that they fit.
func (q *quantizer) fill(t *tensor.Tensor, off int, vals []float32) {
	switch q.typ {
	case tensor.Float32:
		copy(t.Float32()[off:], vals)
	case tensor.Int8:
		dst := t.Int8()[off:]
		for i, x := range vals {
			dst[i] = int8(q.quantize(x))
		}
	case tensor.Uint8:
		dst := t.Uint8()[off:]
		for i, x := range vals {
			dst[i] = uint8(q.quantize(x))
		}
	case tensor.Int16:
		dst := t.Int16()[off:]
		for i, x := range vals {
			dst[i] = int16(q.quantize(x))
		}
	}
}

// FillTensor writes real values into t from element off on: copied into a
// float32 tensor, quantized into an int8, uint8 or int16 one with its own
// scale and zero point, as TFLite's reference Quantize does (division in
// float32, rounding half away from zero, saturation at the type's range).
func FillTensor(t *tensor.Tensor, off int, vals []float32) error {
	q, err := quantizerFor(t)
	if err != nil {
		return err
	}
	if off < 0 || off+len(vals) > t.NumElements() || len(t.Data) < t.Bytes() {
		return fmt.Errorf("tensor %s: %d values at element %d do not fit its %d elements", t, len(vals), off, t.NumElements())
	}
	q.fill(t, off, vals)
	return nil
}

// dequantizable checks that t's elements can be read as real values.
func dequantizable(t *tensor.Tensor) error {
	switch t.Type {
	case tensor.Float32, tensor.Int8, tensor.Uint8, tensor.Int16, tensor.Int32:
	default:
		return fmt.Errorf("tensor %s: type %s cannot be read as real values (float32, int8, uint8, int16, int32)", t, t.Type)
	}
	if t.Quant != nil && len(t.Quant.Scale) > 1 {
		return fmt.Errorf("tensor %s: quantized per channel (%d scales); only per-tensor quantization is supported", t, len(t.Quant.Scale))
	}
	return nil
}

// dequantizeInto writes t's elements as real values into dst, which holds
// t.NumElements() values: scale * (q - zeroPoint) in float64 for a
// quantized integer tensor, the element itself otherwise.
func dequantizeInto(t *tensor.Tensor, dst []float64) {
	scale, zp := float64(t.Scale()), float64(t.ZeroPoint())
	if scale == 0 {
		scale, zp = 1, 0
	}
	switch t.Type {
	case tensor.Float32:
		for i, v := range t.Float32()[:len(dst)] {
			dst[i] = float64(v)
		}
	case tensor.Int8:
		for i, v := range t.Int8()[:len(dst)] {
			dst[i] = scale * (float64(v) - zp)
		}
	case tensor.Uint8:
		for i, v := range t.Uint8()[:len(dst)] {
			dst[i] = scale * (float64(v) - zp)
		}
	case tensor.Int16:
		for i, v := range t.Int16()[:len(dst)] {
			dst[i] = scale * (float64(v) - zp)
		}
	case tensor.Int32:
		for i, v := range t.Int32()[:len(dst)] {
			dst[i] = scale * (float64(v) - zp)
		}
	}
}

// DequantizeTensor returns t's elements as real values, appended to
// dst[:0]: float32 as they are, quantized integers as scale * (q -
// zeroPoint), unquantized integers as they are.
func DequantizeTensor(t *tensor.Tensor, dst []float64) ([]float64, error) {
	if err := dequantizable(t); err != nil {
		return dst, err
	}
	n := t.NumElements()
	if len(t.Data) < t.Bytes() {
		return dst, fmt.Errorf("tensor %s: %d bytes of data for %d elements", t, len(t.Data), n)
	}
	if cap(dst) < n {
		dst = make([]float64, n)
	}
	dst = dst[:n]
	dequantizeInto(t, dst)
	return dst, nil
}
