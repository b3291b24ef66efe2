package activation

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// HardSwish computes x * relu6(x + 3) / 6 for float32 and int8.
//
// The int8 kernel is TFLite's 16-bit fixed-point one: the input, shifted
// left by 7 bits, is rescaled once onto the output scale and once onto a
// "relu-ish" scale on which 3.0 is 2^15; the latter, saturated to [-1, 1]
// and mapped to [0, 1], multiplies the former.
type HardSwish struct {
	in, out *tensor.Tensor

	inZP, outZP    int32
	outMultiplier  int16 // Q0.15
	outExponent    int   // <= 0
	reluMultiplier int16 // Q0.15
	reluExponent   int
	table          int8Table
}

// Prepare implements ops.Kernel.
func (k *HardSwish) Prepare(n *ops.Node) error {
	var err error
	k.in, k.out, err = unary(n, tensor.Float32, tensor.Int8)
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
	k.inZP, k.outZP = inZP, outZP
	// The scales are combined in float32, as TFLite does.
	hiresScale := (1.0 / 128.0) * inScale
	reluishScale := float32(3.0 / 32768.0)
	m, e := quant.QuantizeMultiplier(float64(hiresScale / outScale))
	k.outMultiplier, k.outExponent = downscaleMultiplier(m), e
	if k.outExponent > 0 {
		return n.Errorf("input scale %v is too large for output scale %v (ratio of 128 or more)", inScale, outScale)
	}
	m, e = quant.QuantizeMultiplier(float64(hiresScale / reluishScale))
	k.reluMultiplier, k.reluExponent = downscaleMultiplier(m), e
	k.table.fill(k.int8)
	return nil
}

// downscaleMultiplier rounds a Q0.31 multiplier to Q0.15, saturating.
func downscaleMultiplier(m int32) int16 {
	if m >= math.MaxInt32-1<<15 {
		return math.MaxInt16
	}
	return int16((m + 1<<15) >> 16)
}

// saturatingLeftShift multiplies v by 2^amount, saturating to int16.
func saturatingLeftShift(v int16, amount int) int16 {
	return int16(max(math.MinInt16, min(math.MaxInt16, int64(v)*(int64(1)<<uint(amount)))))
}

// doublingHighMul is the high half of 2*a*b, truncated toward zero (not
// rounded), saturating the one overflow case.
func doublingHighMul(a, b int16) int16 {
	if a == b && a == math.MinInt16 {
		return math.MaxInt16
	}
	return int16(int32(a) * int32(b) / (1 << 15))
}

// int8 is TFLite's quantized hard swish of one input.
func (k *HardSwish) int8(q int32) int32 {
	x := int16(q - k.inZP)
	hires := x * (1 << 7)
	preshiftOut := quant.Mul(hires, k.outMultiplier)

	// Rescale onto the relu-ish scale, saturating: all but the last bit of a
	// left shift first, the last after the multiplication, so that only the
	// final shift can saturate.
	relu := hires
	if k.reluExponent > 0 {
		relu = saturatingLeftShift(relu, k.reluExponent-1)
	}
	relu = quant.Mul(relu, k.reluMultiplier)
	if k.reluExponent > 0 {
		relu = saturatingLeftShift(relu, 1)
	}
	if k.reluExponent < 0 {
		relu = quant.RoundingDivideByPOTRaw(relu, -k.reluExponent)
	}
	// From [-1, 1] to [0, 1].
	relu = int16((int32(relu) + 1<<15) >> 1)

	out := quant.RoundingDivideByPOTRaw(doublingHighMul(relu, preshiftOut), -k.outExponent)
	out = int16(int32(out) + k.outZP) // int16 wrap-around as in TFLite
	return int32(max(math.MinInt8, min(math.MaxInt8, out)))
}

// Eval implements ops.Kernel.
func (k *HardSwish) Eval(n *ops.Node) error {
	n.Pool.Run(k.in.NumElements(), grain, k)
	return nil
}

// Run computes elements [lo, hi).
func (k *HardSwish) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		in, out := k.in.Float32()[lo:hi], k.out.Float32()[lo:hi]
		for i, v := range in {
			out[i] = hardSwishFloat(v)
		}
	case tensor.Int8:
		k.table.apply(k.in.Int8(), k.out.Int8(), lo, hi)
	}
}

// hardSwishFloat is x * min(6, max(0, x + 3)) / 6, with the comparisons of
// std::min and std::max.
func hardSwishFloat(x float32) float32 {
	r := x + 3
	if !(0 < r) {
		r = 0
	}
	if !(r < 6) {
		r = 6
	}
	return float32(x*r) / 6
}
