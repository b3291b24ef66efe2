package arith

import (
	"github.com/edge-agent/edge-agent/inference/internal/felem"
	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Mul computes output = act(input1 * input2) with broadcasting, for FLOAT32,
// INT32 (wrapping) and quantized INT8 and INT16 (zero points 0, as TFLite
// Micro requires).
//
// Quantized: output = zo + (x1 - z1) * (x2 - z2) * s1*s2/so, the product of
// the offset inputs rescaled by one multiplier computed in float64.
type Mul struct {
	binary
	fmin, fmax float32
	fsimd      *felem.Kernel // FLOAT32 on a SIMD kernel path (see addSub)
	lo, hi     int32

	off1, off2, offO int32
	mult             int32
	left, right      int // the multiplier's exponent as a left or a right shift
}

// Prepare implements ops.Kernel.
func (k *Mul) Prepare(n *ops.Node) error {
	opts, err := ops.Options[tflite.MulOptions](n, tflite.BuiltinOptionsMulOptions)
	if err != nil {
		return err
	}
	if err := k.prepare(n, tensor.Float32, tensor.Int8, tensor.Int16, tensor.Int32); err != nil {
		return err
	}
	act := opts.FusedActivationFunction()
	if err := n.CheckActivation(act); err != nil {
		return err
	}
	switch k.out.Type {
	case tensor.Float32:
		k.fmin, k.fmax = ops.ActivationRangeFloat(act)
		k.fsimd, err = floatKernel(n, &k.bc, felem.Mul, k.fmin, k.fmax)
		return err
	case tensor.Int32:
		k.lo, k.hi = activationRangeInt32(act)
		return nil
	}
	s1, z1, s2, z2, so, zo, err := binaryQuant(n, k.in1, k.in2, k.out)
	if err != nil {
		return err
	}
	if k.out.Type == tensor.Int16 && (z1 != 0 || z2 != 0 || zo != 0) {
		return n.Errorf("INT16 zero points must be 0, got %d, %d and %d", z1, z2, zo)
	}
	if k.lo, k.hi, err = n.ActivationRangeQuantized(act, k.out); err != nil {
		return err
	}
	var shift int
	k.mult, shift = quant.QuantizeMultiplier(float64(s1) * float64(s2) / float64(so))
	k.left, k.right = max(shift, 0), max(-shift, 0)
	k.off1, k.off2, k.offO = -z1, -z2, zo
	return nil
}

// Eval implements ops.Kernel.
func (k *Mul) Eval(n *ops.Node) error {
	n.Pool.Run(k.bc.size, grain, k)
	return nil
}

// Run computes output elements [lo, hi).
func (k *Mul) Run(_, lo, hi int) {
	switch k.out.Type {
	case tensor.Float32:
		k.runFloat(lo, hi)
	case tensor.Int32:
		k.runInt32(lo, hi)
	case tensor.Int8:
		mulQuantized(k, k.in1.Int8(), k.in2.Int8(), k.out.Int8(), lo, hi)
	case tensor.Int16:
		mulQuantized(k, k.in1.Int16(), k.in2.Int16(), k.out.Int16(), lo, hi)
	}
}

// runFloat is the FLOAT32 reference: the product, clamped with
// fgemm.Clamp (Go's min and max, any NaN made canonical); on a SIMD kernel
// path the vector kernel computes the same bytes.
func (k *Mul) runFloat(lo, hi int) {
	a, b, out := k.in1.Float32(), k.in2.Float32(), k.out.Float32()
	if k.fsimd != nil {
		runFloatVector(k.fsimd, &k.bc, a, b, out, lo, hi)
		return
	}
	fmin, fmax := k.fmin, k.fmax
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		for i := range z {
			z[i] = fgemm.Clamp(x[i*sa]*y[i*sb], fmin, fmax)
		}
	}
}

// runInt32 multiplies with wrapping, as the reference's WrappingMul.
func (k *Mul) runInt32(lo, hi int) {
	a, b, out := k.in1.Int32(), k.in2.Int32(), k.out.Int32()
	vmin, vmax := k.lo, k.hi
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		for i := range z {
			z[i] = quant.Clamp(x[i*sa]*y[i*sb], vmin, vmax)
		}
	}
}

// mulQuantized is TFLite's integer MulElementwise: the product is rescaled
// by MultiplyByQuantizedMultiplier (a wrapping left shift, a rounding doubling
// high multiplication and a rounding right shift).
func mulQuantized[T int8 | int16](k *Mul, a, b, out []T, lo, hi int) {
	off1, off2, offO := k.off1, k.off2, k.offO
	mult, left, right := k.mult, k.left, k.right
	vmin, vmax := k.lo, k.hi
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		for i := range z {
			p := (int32(x[i*sa]) + off1) * (int32(y[i*sb]) + off2)
			r := scaleDown(p<<left, mult, right) + offO
			z[i] = T(quant.Clamp(r, vmin, vmax))
		}
	}
}
