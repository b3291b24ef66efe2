package convert

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Quantize implements QUANTIZE in two forms, as TFLite Micro's
// quantize_common.cc does:
//
//   - float32 input: q = clamp(round(x / scale) + zeroPoint) into an INT8,
//     UINT8 or INT16 output. The division is in float32 and the rounding is
//     half away from zero, as the reference's AffineQuantize. The output may
//     also be quantized per channel (as full TFLite's PerChannelQuantize).
//   - integer input (INT8, UINT8, INT16, INT32): requantization to an INT8,
//     UINT8, INT16 or INT32 output with the multiplier inputScale/outputScale
//     (computed in double, then QuantizeMultiplier):
//     q = clamp(MultiplyByQuantizedMultiplier(x - inZP, m, shift) + outZP).
//     TFLite Micro wires a subset of these pairs (INT16→INT8/INT16/INT32,
//     INT8→INT8/UINT8/INT16/INT32, INT32→INT8/INT16, UINT8→INT8); the
//     others use the same arithmetic.
//
// Float inputs that do not fit the output (including ±Inf) saturate to the
// output's range, and NaN quantizes to the zero point. (TFLite converts the
// rounded float to int32 first, which is undefined beyond the int32 range.)
type Quantize struct {
	in, out *tensor.Tensor

	// float32 input: one scale and zero point per channel (one for
	// per-tensor quantization); inner consecutive elements share a channel.
	scales          []float32
	zeroPoints      []float64
	inner, channels int
	lo, hi          float64

	// integer input
	multiplier  int32
	shift       int
	inZP, outZP int32
	qmin, qmax  int32
}

// Prepare implements ops.Kernel.
func (k *Quantize) Prepare(n *ops.Node) error {
	in, out, err := checkUnary(n)
	if err != nil {
		return err
	}
	k.in, k.out = in, out
	if err := n.CheckType("output", out, tensor.Int8, tensor.Uint8, tensor.Int16, tensor.Int32); err != nil {
		return err
	}
	if in.Type == tensor.Float32 {
		return k.prepareFloat(n)
	}
	if err := n.CheckType("input", in, tensor.Float32, tensor.Int8, tensor.Uint8, tensor.Int16, tensor.Int32); err != nil {
		return err
	}
	return k.prepareRequantize(n)
}

func (k *Quantize) prepareFloat(n *ops.Node) error {
	if err := n.CheckType("output", k.out, tensor.Int8, tensor.Uint8, tensor.Int16); err != nil {
		return err
	}
	q := k.out.Quant
	if q == nil || len(q.Scale) == 0 {
		return n.Errorf("output %s is not quantized", k.out)
	}
	lo, hi := ops.TypeRange(k.out.Type)
	k.lo, k.hi = float64(lo), float64(hi)
	if len(q.Scale) == 1 {
		scale, zp, err := n.PerTensorQuant("output", k.out)
		if err != nil {
			return err
		}
		k.scales, k.zeroPoints = []float32{scale}, []float64{float64(zp)}
		k.inner, k.channels = k.out.NumElements(), 1
		return nil
	}
	if q.Dim >= k.out.Rank() || k.out.Shape[q.Dim] != len(q.Scale) || len(q.ZeroPoint) != len(q.Scale) {
		return n.Errorf("output %s has %d scales along dimension %d", k.out, len(q.Scale), q.Dim)
	}
	k.inner, k.channels = channelLayout(k.out.Shape, q.Dim)
	k.scales = make([]float32, len(q.Scale))
	k.zeroPoints = make([]float64, len(q.Scale))
	for c, s := range q.Scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return n.Errorf("output %s has scale %v for channel %d", k.out, s, c)
		}
		zp := q.ZeroPoint[c]
		if zp < int64(lo) || zp > int64(hi) {
			return n.Errorf("output %s has zero point %d for channel %d outside its type's range", k.out, zp, c)
		}
		k.scales[c], k.zeroPoints[c] = s, float64(zp)
	}
	return nil
}

func (k *Quantize) prepareRequantize(n *ops.Node) error {
	if k.in.Quant != nil && len(k.in.Quant.Scale) > 1 {
		return n.Errorf("input %s is quantized per channel; only per-tensor requantization is supported", k.in)
	}
	if k.out.Quant != nil && len(k.out.Quant.Scale) > 1 {
		return n.Errorf("output %s is quantized per channel; only per-tensor requantization is supported", k.out)
	}
	inScale, inZP, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	outScale, outZP, err := n.PerTensorQuant("output", k.out)
	if err != nil {
		return err
	}
	k.multiplier, k.shift = quant.QuantizeMultiplier(float64(inScale) / float64(outScale))
	if k.shift > 30 {
		return n.Errorf("input scale %v / output scale %v is too large to requantize", inScale, outScale)
	}
	k.inZP, k.outZP = inZP, outZP
	k.qmin, k.qmax = ops.TypeRange(k.out.Type)
	return nil
}

// Eval implements ops.Kernel.
func (k *Quantize) Eval(n *ops.Node) error {
	switch k.in.Type {
	case tensor.Float32:
		src := k.in.Float32()
		switch k.out.Type {
		case tensor.Int8:
			affineQuantize(k, src, k.out.Int8())
		case tensor.Uint8:
			affineQuantize(k, src, k.out.Uint8())
		case tensor.Int16:
			affineQuantize(k, src, k.out.Int16())
		}
	case tensor.Int8:
		requantizeFrom(k, k.in.Int8())
	case tensor.Uint8:
		requantizeFrom(k, k.in.Uint8())
	case tensor.Int16:
		requantizeFrom(k, k.in.Int16())
	case tensor.Int32:
		requantizeFrom(k, k.in.Int32())
	}
	return nil
}

// affineQuantize quantizes src into dst, channel block by channel block.
func affineQuantize[O int8 | uint8 | int16](k *Quantize, src []float32, dst []O) {
	for base := 0; base < len(src); base += k.inner {
		c := (base / k.inner) % k.channels
		scale, zp := k.scales[c], k.zeroPoints[c]
		block := dst[base : base+k.inner]
		for i, x := range src[base : base+k.inner] {
			// roundf(x / scale) in float32, exactly representable in float64.
			r := math.Round(float64(x / scale))
			if r != r {
				r = 0
			}
			block[i] = O(min(max(r+zp, k.lo), k.hi))
		}
	}
}

func requantizeFrom[I int8 | uint8 | int16 | int32](k *Quantize, src []I) {
	switch k.out.Type {
	case tensor.Int8:
		requantize(k, src, k.out.Int8())
	case tensor.Uint8:
		requantize(k, src, k.out.Uint8())
	case tensor.Int16:
		requantize(k, src, k.out.Int16())
	case tensor.Int32:
		requantize(k, src, k.out.Int32())
	}
}

// requantize is the reference Requantize: the offset input is scaled by
// the quantized multiplier, shifted by the output zero point and clamped.
// The int32 subtraction and addition wrap, as the reference's do in practice.
func requantize[I, O int8 | uint8 | int16 | int32](k *Quantize, src []I, dst []O) {
	for i, x := range src {
		v := quant.MultiplyByQuantizedMultiplier(int32(x)-k.inZP, k.multiplier, k.shift) + k.outZP
		dst[i] = O(quant.Clamp(v, k.qmin, k.qmax))
	}
}
