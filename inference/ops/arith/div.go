package arith

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Div computes output = act(input1 / input2) with broadcasting, for FLOAT32,
// INT32 and quantized INT8 (the types TFLite Micro's DIV supports).
//
// FLOAT32 follows IEEE division: x/0 is ±Inf, clamped by the activation
// range to ±MaxFloat32 as in TFLite, and 0/0 is NaN.
//
// INT32 division truncates toward zero, as C++ and the reference kernel do;
// MinInt32 / -1 wraps to MinInt32 (undefined behaviour in C++).
//
// INT8 follows TFLite's DivElementwise: the divisor's reciprocal in fixed
// point, a normalising left shift of the dividend, and one rescale.
//
// Division by zero (an INT32 divisor of 0, or an INT8 divisor equal to its
// zero point) is an error: Eval checks the whole divisor first, returns the
// error and leaves the output untouched. Full TensorFlow Lite reports the
// same error (its CheckNonZero); TFLite Micro does not check.
type Div struct {
	binary
	fmin, fmax float32
	lo, hi     int32

	off1, off2, offO int32
	mult             int32
	shift            int

	errZero error // made in Prepare so that Eval does not allocate
}

// Prepare implements ops.Kernel.
func (k *Div) Prepare(n *ops.Node) error {
	opts, err := ops.Options[tflite.DivOptions](n, tflite.BuiltinOptionsDivOptions)
	if err != nil {
		return err
	}
	if err := k.prepare(n, tensor.Float32, tensor.Int8, tensor.Int32); err != nil {
		return err
	}
	act := opts.FusedActivationFunction()
	if err := n.CheckActivation(act); err != nil {
		return err
	}
	k.errZero = n.Errorf("division by zero: divisor %s holds a zero", k.in2)
	switch k.out.Type {
	case tensor.Float32:
		k.fmin, k.fmax = ops.ActivationRangeFloat(act)
		return nil
	case tensor.Int32:
		if err := refuseQuantized(n, k.in1, k.in2); err != nil {
			return err
		}
		k.lo, k.hi = activationRangeInt32(act)
		return nil
	}
	s1, z1, s2, z2, so, zo, err := binaryQuant(n, k.in1, k.in2, k.out)
	if err != nil {
		return err
	}
	if k.lo, k.hi, err = n.ActivationRangeQuantized(act, k.out); err != nil {
		return err
	}
	// TFLite Micro divides the scales in float32.
	k.mult, k.shift = quant.QuantizeMultiplier(float64(s1 / (s2 * so)))
	// The dividend |x1 - z1| <= 255 has at least 23 bits of headroom, so the
	// final rescale shifts right as long as the multiplier's shift is at most
	// 23 (a real multiplier below 2^23).
	if k.shift > 23 {
		return n.Errorf("scales %v / (%v * %v) give a multiplier too large for INT8 division", s1, s2, so)
	}
	k.off1, k.off2, k.offO = -z1, -z2, zo
	return nil
}

// Eval implements ops.Kernel.
func (k *Div) Eval(n *ops.Node) error {
	switch k.out.Type {
	case tensor.Int32:
		for _, v := range k.in2.Int32() {
			if v == 0 {
				return k.errZero
			}
		}
	case tensor.Int8:
		for _, v := range k.in2.Int8() {
			if int32(v)+k.off2 == 0 {
				return k.errZero
			}
		}
	}
	n.Pool.Run(k.bc.size, grain, k)
	return nil
}

// Run computes output elements [lo, hi).
func (k *Div) Run(_, lo, hi int) {
	switch k.out.Type {
	case tensor.Float32:
		k.runFloat(lo, hi)
	case tensor.Int32:
		k.runInt32(lo, hi)
	case tensor.Int8:
		k.runInt8(lo, hi)
	}
}

func (k *Div) runFloat(lo, hi int) {
	a, b, out := k.in1.Float32(), k.in2.Float32(), k.out.Float32()
	fmin, fmax := k.fmin, k.fmax
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		for i := range z {
			z[i] = min(max(x[i*sa]/y[i*sb], fmin), fmax)
		}
	}
}

// runInt32 divides; Eval has checked that no divisor is zero.
func (k *Div) runInt32(lo, hi int) {
	a, b, out := k.in1.Int32(), k.in2.Int32(), k.out.Int32()
	vmin, vmax := k.lo, k.hi
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		for i := range z {
			z[i] = quant.Clamp(x[i*sa]/y[i*sb], vmin, vmax)
		}
	}
}

func (k *Div) runInt8(lo, hi int) {
	a, b, out := k.in1.Int8(), k.in2.Int8(), k.out.Int8()
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		for i := range z {
			z[i] = int8(k.divInt8(int32(x[i*sa])+k.off1, int32(y[i*sb])+k.off2))
		}
	}
}

// divInt8 divides the offset values n by d (d != 0) and requantizes.
func (k *Div) divInt8(n, d int32) int32 {
	if d < 0 {
		n, d = -n, -d
	}
	inv, recipShift := quant.GetReciprocal(d, 31)
	headroom := quant.CountLeadingSignBits32(n)
	quotient := quant.MultiplyByQuantizedMultiplierGreaterThanOne(n, inv, headroom)
	// TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp with a right
	// shift that can exceed 31 (a quotient that rounds to 0, e.g. n == 0);
	// the 64-bit rounding shift gives the exact result there, where the
	// 32-bit one is undefined.
	right := min(-(k.shift - recipShift - headroom), 62)
	r := int32(quant.RoundingDivideByPOT64(int64(quant.SaturatingRoundingDoublingHighMul(quotient, k.mult)), right))
	return quant.Clamp(r+k.offO, k.lo, k.hi)
}
