package activation

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Relu clamps its input to [lo, hi]: [0, inf) for RELU, [0, 6] for RELU6
// and [-1, 1] for RELU_N1_TO_1, for float32, int8 and int16.
//
// Quantized inputs are requantized to the output's scale and zero point
// before the clamp, as TFLite's ReluX does (TFLite Micro's RELU). TFLite
// Micro's RELU6 clamps without requantizing, which gives the same result
// when input and output share their quantization, the usual case; when
// they differ, this kernel honours the output quantization.
type Relu struct {
	lo, hi  float32
	in, out *tensor.Tensor

	inZP, outZP int32
	multiplier  int32
	shift       int
	qmin, qmax  int32
	table       int8Table
}

// Prepare implements ops.Kernel.
func (k *Relu) Prepare(n *ops.Node) error {
	var err error
	k.in, k.out, err = unary(n, tensor.Float32, tensor.Int8, tensor.Int16)
	if err != nil || k.in.Type == tensor.Float32 {
		return err
	}
	inScale, inZP, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	outScale, outZP, err := n.PerTensorQuant("output", k.out)
	if err != nil {
		return err
	}
	// TFLite Micro requires symmetric int16 for RELU (not for RELU6).
	isRelu := k.lo == 0 && math.IsInf(float64(k.hi), 1)
	if k.in.Type == tensor.Int16 && isRelu && (inZP != 0 || outZP != 0) {
		return n.Errorf("int16 input and output need zero point 0, have %d and %d", inZP, outZP)
	}
	k.inZP, k.outZP = inZP, outZP
	k.multiplier, k.shift = quant.QuantizeMultiplier(float64(inScale / outScale))
	typeMin, typeMax := ops.TypeRange(k.out.Type)
	k.qmin = max(typeMin, quantizedBound(k.lo, outScale, outZP))
	k.qmax = typeMax
	if !math.IsInf(float64(k.hi), 1) {
		k.qmax = min(typeMax, quantizedBound(k.hi, outScale, outZP))
	}
	if k.in.Type == tensor.Int8 {
		k.table.fill(k.quantized)
	}
	return nil
}

// quantizedBound is zp + round(f / scale), computed in float32 as TFLite
// does, saturated to the int32 range instead of overflowing.
func quantizedBound(f, scale float32, zp int32) int32 {
	r := float64(roundf(f / scale))
	return int32(max(math.MinInt32, min(math.MaxInt32, r+float64(zp))))
}

// quantized is the reference arithmetic for one quantized value.
func (k *Relu) quantized(q int32) int32 {
	v := k.outZP + quant.MultiplyByQuantizedMultiplier(q-k.inZP, k.multiplier, k.shift)
	return min(max(v, k.qmin), k.qmax)
}

// Eval implements ops.Kernel.
func (k *Relu) Eval(n *ops.Node) error {
	n.Pool.Run(k.in.NumElements(), grain, k)
	return nil
}

// Run computes elements [lo, hi).
func (k *Relu) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		in, out := k.in.Float32()[lo:hi], k.out.Float32()[lo:hi]
		for i, v := range in {
			// Comparisons as in TFLite: NaN passes through.
			if v > k.hi {
				v = k.hi
			} else if v < k.lo {
				v = k.lo
			}
			out[i] = v
		}
	case tensor.Int8:
		k.table.apply(k.in.Int8(), k.out.Int8(), lo, hi)
	case tensor.Int16:
		in, out := k.in.Int16()[lo:hi], k.out.Int16()[lo:hi]
		for i, v := range in {
			out[i] = int16(k.quantized(int32(v)))
		}
	}
}
