package convert

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Dequantize implements DEQUANTIZE: x = scale * (q - zeroPoint) from an
// INT8, UINT8 or INT16 input into a FLOAT32 output, and FLOAT16 to FLOAT32
// widening (the form full TFLite uses for float16 weights).
//
// Per-tensor inputs are computed as the reference Dequantize does: the
// product in double, rounded once to float32. Per-channel inputs (constant
// weights) follow the reference PerChannelDequantize, whose product is in
// float32.
type Dequantize struct {
	in, out *tensor.Tensor

	scale           float64 // per tensor
	zeroPoint       int32
	scales          []float32 // per channel
	zeroPoints      []int32
	inner, channels int
}

// Prepare implements ops.Kernel.
func (k *Dequantize) Prepare(n *ops.Node) error {
	in, out, err := checkUnary(n)
	if err != nil {
		return err
	}
	k.in, k.out = in, out
	if err := n.CheckType("output", out, tensor.Float32); err != nil {
		return err
	}
	if err := n.CheckType("input", in, tensor.Int8, tensor.Uint8, tensor.Int16, tensor.Float16); err != nil {
		return err
	}
	if in.Type == tensor.Float16 {
		return nil
	}
	q := in.Quant
	if q == nil || len(q.Scale) <= 1 {
		scale, zp, err := n.PerTensorQuant("input", in)
		if err != nil {
			return err
		}
		k.scale, k.zeroPoint = float64(scale), zp
		return nil
	}
	if q.Dim >= in.Rank() || in.Shape[q.Dim] != len(q.Scale) || len(q.ZeroPoint) != len(q.Scale) {
		return n.Errorf("input %s has %d scales along dimension %d", in, len(q.Scale), q.Dim)
	}
	lo, hi := ops.TypeRange(in.Type)
	k.inner, k.channels = channelLayout(in.Shape, q.Dim)
	k.scales = make([]float32, len(q.Scale))
	k.zeroPoints = make([]int32, len(q.Scale))
	for c, s := range q.Scale {
		if math.IsInf(float64(s), 0) || math.IsNaN(float64(s)) {
			return n.Errorf("input %s has scale %v for channel %d", in, s, c)
		}
		zp := q.ZeroPoint[c]
		if zp < int64(lo) || zp > int64(hi) {
			return n.Errorf("input %s has zero point %d for channel %d outside its type's range", in, zp, c)
		}
		k.scales[c], k.zeroPoints[c] = s, int32(zp)
	}
	return nil
}

// Eval implements ops.Kernel.
func (k *Dequantize) Eval(n *ops.Node) error {
	dst := k.out.Float32()
	switch k.in.Type {
	case tensor.Int8:
		dequantize(k, k.in.Int8(), dst)
	case tensor.Uint8:
		dequantize(k, k.in.Uint8(), dst)
	case tensor.Int16:
		dequantize(k, k.in.Int16(), dst)
	case tensor.Float16:
		for i, h := range k.in.Uint16() {
			dst[i] = halfToFloat(h)
		}
	}
	return nil
}

func dequantize[I int8 | uint8 | int16](k *Dequantize, src []I, dst []float32) {
	if k.scales == nil {
		for i, q := range src {
			dst[i] = float32(k.scale * float64(int32(q)-k.zeroPoint))
		}
		return
	}
	for base := 0; base < len(src); base += k.inner {
		c := (base / k.inner) % k.channels
		scale, zp := k.scales[c], k.zeroPoints[c]
		block := dst[base : base+k.inner]
		for i, q := range src[base : base+k.inner] {
			block[i] = scale * float32(int32(q)-zp)
		}
	}
}

// halfToFloat widens an IEEE 754 binary16 value; every one is exactly
// representable in float32.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN: keep the payload
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: frac * 2^-24, exact in float32.
	v := float32(frac) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}
