package arith

import (
	"errors"
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/felem"
	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/internal/qadd"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// addSub is the kernel state ADD and SUB share; sub selects the operation.
type addSub struct {
	binary
	sub bool

	fmin, fmax float32 // FLOAT32 activation range
	lo, hi     int32   // INT32 or quantized activation range

	// fsimd, on a SIMD kernel path, computes FLOAT32 runs with vector
	// instructions and the same bytes (package felem).
	fsimd *felem.Kernel

	// pot selects the INT16 power-of-two path: each input is rounded right
	// by shift1 or shift2 bits onto the output scale.
	pot            bool
	shift1, shift2 int

	// The general quantized path (INT8, INT16).
	q requant
	// simd, on a SIMD kernel path, computes INT8 runs of contiguous
	// elements with vector instructions and the same arithmetic (package
	// qadd); the node then holds no lookup tables.
	simd *qadd.Kernel
}

// requant holds the general quantized ADD/SUB parameters of TFLite's
// ArithmeticParams: both inputs are offset, shifted left by left bits and
// rescaled to a common scale of twice the larger input scale, added (or
// subtracted), then rescaled to the output. The shifts r1, r2 and rO are
// right shifts (the negated non-positive exponents).
type requant struct {
	left             int
	off1, off2, offO int32
	m1, m2, mO       int32
	r1, r2, rO       int
	// For INT8 the rescaled inputs depend on 256 values each: tab1 and tab2
	// hold them, computed once with the same arithmetic.
	tab1, tab2 *[256]int32
	// pair, for large INT8 tensors, holds the whole result for each pair
	// of stored inputs (x, y) at [uint8(x)<<8 | uint8(y)]: 64 KiB computed
	// once at Prepare with the same arithmetic, then one load per element.
	pair *[1 << 16]int8
}

// pairTableMin is the element count from which an INT8 ADD or SUB builds
// its pair table: below it, computing 65536 results at Prepare costs more
// than the lookups save.
const pairTableMin = 1 << 14

// scaleDown is TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp with
// the exponent given as a right shift.
func scaleDown(x, m int32, right int) int32 {
	return quant.RoundingDivideByPOT(quant.SaturatingRoundingDoublingHighMul(x, m), right)
}

// input1 and input2 rescale one stored input value.
func (q *requant) input1(x int32) int32 { return scaleDown((x+q.off1)<<q.left, q.m1, q.r1) }
func (q *requant) input2(x int32) int32 { return scaleDown((x+q.off2)<<q.left, q.m2, q.r2) }

// prepare checks the node and computes the parameters. pot is the
// pot_scale_int16 option (ADD and SUB only).
func (k *addSub) prepare(n *ops.Node, act tflite.ActivationFunctionType, pot bool) error {
	if err := k.binary.prepare(n, tensor.Float32, tensor.Int8, tensor.Int16, tensor.Int32); err != nil {
		return err
	}
	if err := n.CheckActivation(act); err != nil {
		return err
	}
	switch k.out.Type {
	case tensor.Float32:
		k.fmin, k.fmax = ops.ActivationRangeFloat(act)
		op := felem.Add
		if k.sub {
			op = felem.Sub
		}
		var err error
		k.fsimd, err = floatKernel(n, &k.bc, op, k.fmin, k.fmax)
		return err
	case tensor.Int32:
		check := []*tensor.Tensor{k.in1, k.in2}
		if k.sub {
			check = append(check, k.out)
		}
		if err := refuseQuantized(n, check...); err != nil {
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
	if k.out.Type == tensor.Int16 && pot && z1 == 0 && z2 == 0 && zo == 0 {
		l1, ok1 := checkedLog2(s1)
		l2, ok2 := checkedLog2(s2)
		lo, ok3 := checkedLog2(so)
		sh1, sh2 := l1-lo, l2-lo
		if ok1 && ok2 && ok3 && sh1 <= 0 && sh2 <= 0 && (sh1 == 0 || sh2 == 0) {
			k.pot, k.shift1, k.shift2 = true, -sh1, -sh2
			return nil
		}
	}
	q := &k.q
	q.left = 20
	if k.out.Type == tensor.Int16 {
		q.left = 15
	}
	q.off1, q.off2, q.offO = -z1, -z2, zo
	// The real multipliers in float64, as TFLite Micro's ADD and full
	// TensorFlow Lite's ADD and SUB compute them (see Sub).
	twice := 2 * float64(max(s1, s2))
	r1 := float64(s1) / twice
	r2 := float64(s2) / twice
	rO := twice / (float64(int32(1)<<q.left) * float64(so))
	var s1q, s2q, sOq int
	if q.m1, s1q, err = multiplierBelowOne(n, "input 1", r1); err != nil {
		return err
	}
	if q.m2, s2q, err = multiplierBelowOne(n, "input 2", r2); err != nil {
		return err
	}
	if q.mO, sOq, err = multiplierBelowOne(n, "output", rO); err != nil {
		return n.Errorf("output scale %v is too small for input scales %v and %v", so, s1, s2)
	}
	q.r1, q.r2, q.rO = -s1q, -s2q, -sOq
	if k.out.Type == tensor.Int8 {
		if k.simd, err = k.vectorKernel(n); err != nil || k.simd != nil {
			return err
		}
		q.tab1, q.tab2 = new([256]int32), new([256]int32)
		for v := -128; v < 128; v++ {
			q.tab1[uint8(v)] = q.input1(int32(v))
			q.tab2[uint8(v)] = q.input2(int32(v))
		}
		if k.bc.size >= pairTableMin {
			q.pair = new([1 << 16]int8)
			for x := 0; x < 256; x++ {
				for y := 0; y < 256; y++ {
					q.pair[x<<8|y] = k.int8Result(q.tab1[x], q.tab2[y])
				}
			}
		}
	}
	return nil
}

// simdRunMin is the shortest contiguous run for which an INT8 ADD or SUB
// takes its SIMD kernel: shorter runs (an innermost broadcast dimension of
// a few elements) keep the lookup tables.
const simdRunMin = 16

// vectorKernel returns the SIMD kernel of the node's kernel path for an
// INT8 ADD or SUB whose output runs are contiguous in both inputs (equal
// shapes, or broadcasting over outer dimensions only) and at least
// simdRunMin long, or nil where the tables stay: on the generic path and
// for other broadcasts. Parameters outside the range the kernels compute
// exactly (qadd.ErrParams) would keep the tables too, but Prepare derives
// none: QuantizeMultiplier gives right shifts of at most 31, and a zero
// multiplier below 2^-32.
//
// The kernels compute TFLite's arithmetic exactly. Its one saturating
// step, SaturatingRoundingDoublingHighMul with both operands INT32_MIN,
// cannot occur: the multipliers are in [2^30, 2^31) or 0 (below 2^-32),
// never INT32_MIN, which qadd.Params.Validate asserts.
func (k *addSub) vectorKernel(n *ops.Node) (*qadd.Kernel, error) {
	inner := k.bc.rank - 1
	if n.Kernels == gemm.Generic || n.Kernels == "" ||
		k.bc.strideA[inner] != 1 || k.bc.strideB[inner] != 1 || k.bc.dims[inner] < simdRunMin {
		return nil, nil
	}
	q := &k.q
	p := qadd.Params{
		Sub: k.sub, Left: q.left,
		Off1: q.off1, Off2: q.off2, OffO: q.offO,
		M1: q.m1, M2: q.m2, MO: q.mO,
		R1: q.r1, R2: q.r2, RO: q.rO,
		Lo: k.lo, Hi: k.hi,
	}
	kern, err := qadd.New(n.Kernels, p)
	if errors.Is(err, qadd.ErrParams) {
		return nil, nil
	}
	if err != nil {
		return nil, n.Errorf("%v", err)
	}
	return kern, nil
}

// int8Result is one INT8 result from two rescaled inputs.
func (k *addSub) int8Result(a, b int32) int8 {
	q := &k.q
	v := a + b
	if k.sub {
		v = a - b
	}
	return int8(quant.Clamp(scaleDown(v, q.mO, q.rO)+q.offO, k.lo, k.hi))
}

// checkedLog2 is TFLite's CheckedLog2: the rounded base-2 logarithm of x,
// computed in float32, and whether x is within 1e-3 (in the exponent) of
// that power of two.
func checkedLog2(x float32) (int, bool) {
	l := float32(math.Log(float64(x))) * (1 / float32(math.Log(2)))
	r := float32(math.Round(float64(l)))
	return int(r), math.Abs(float64(l-r)) < 1e-3
}

// Eval implements ops.Kernel.
func (k *addSub) Eval(n *ops.Node) error {
	n.Pool.Run(k.bc.size, grain, k)
	return nil
}

// Run computes output elements [lo, hi).
func (k *addSub) Run(_, lo, hi int) {
	switch k.out.Type {
	case tensor.Float32:
		k.runFloat(lo, hi)
	case tensor.Int32:
		k.runInt32(lo, hi)
	case tensor.Int8:
		k.runInt8(lo, hi)
	case tensor.Int16:
		if k.pot {
			k.runPOT(lo, hi)
		} else {
			k.runInt16(lo, hi)
		}
	}
}

// runFloat is the FLOAT32 reference: the sum or difference, clamped with
// fgemm.Clamp (Go's min and max, any NaN made canonical, so that every
// kernel path and architecture gives the same bytes); on a SIMD kernel
// path the vector kernel computes the same.
func (k *addSub) runFloat(lo, hi int) {
	a, b, out := k.in1.Float32(), k.in2.Float32(), k.out.Float32()
	if k.fsimd != nil {
		runFloatVector(k.fsimd, &k.bc, a, b, out, lo, hi)
		return
	}
	fmin, fmax := k.fmin, k.fmax
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		if k.sub {
			for i := range z {
				z[i] = fgemm.Clamp(x[i*sa]-y[i*sb], fmin, fmax)
			}
		} else {
			for i := range z {
				z[i] = fgemm.Clamp(x[i*sa]+y[i*sb], fmin, fmax)
			}
		}
	}
}

// runInt32 adds or subtracts with wrapping, as the reference's int32_t
// arithmetic does on two's-complement machines.
func (k *addSub) runInt32(lo, hi int) {
	a, b, out := k.in1.Int32(), k.in2.Int32(), k.out.Int32()
	vmin, vmax := k.lo, k.hi
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		if k.sub {
			for i := range z {
				z[i] = quant.Clamp(x[i*sa]-y[i*sb], vmin, vmax)
			}
		} else {
			for i := range z {
				z[i] = quant.Clamp(x[i*sa]+y[i*sb], vmin, vmax)
			}
		}
	}
}

// runInt8 is the general quantized path of TFLite's AddFunc and
// SubElementwise for INT8: with the SIMD kernel where there is one (every
// run is then contiguous in both inputs), else with the rescaled inputs
// looked up.
func (k *addSub) runInt8(lo, hi int) {
	a, b, out := k.in1.Int8(), k.in2.Int8(), k.out.Int8()
	if k.simd != nil {
		for c := k.bc.start(lo, hi); c.n > 0; c.next() {
			k.simd.Run(out[c.o:c.o+c.n], a[c.a:c.a+c.n], b[c.b:c.b+c.n])
		}
		return
	}
	q := &k.q
	t1, t2 := q.tab1, q.tab2
	mO, rO, offO := q.mO, q.rO, q.offO
	vmin, vmax := k.lo, k.hi
	if pair := q.pair; pair != nil {
		for c := k.bc.start(lo, hi); c.n > 0; c.next() {
			x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
			if c.sa == 1 && c.sb == 1 {
				x, y = x[:len(z)], y[:len(z)]
				for i := range z {
					z[i] = pair[uint16(uint8(x[i]))<<8|uint16(uint8(y[i]))]
				}
				continue
			}
			sa, sb := c.sa, c.sb
			for i := range z {
				z[i] = pair[uint16(uint8(x[i*sa]))<<8|uint16(uint8(y[i*sb]))]
			}
		}
		return
	}
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		if k.sub {
			for i := range z {
				v := t1[uint8(x[i*sa])] - t2[uint8(y[i*sb])]
				z[i] = int8(quant.Clamp(scaleDown(v, mO, rO)+offO, vmin, vmax))
			}
		} else {
			for i := range z {
				v := t1[uint8(x[i*sa])] + t2[uint8(y[i*sb])]
				z[i] = int8(quant.Clamp(scaleDown(v, mO, rO)+offO, vmin, vmax))
			}
		}
	}
}

// runInt16 is the general quantized path of TFLite's AddElementwise and
// SubElementwise for INT16.
func (k *addSub) runInt16(lo, hi int) {
	a, b, out := k.in1.Int16(), k.in2.Int16(), k.out.Int16()
	q := k.q
	vmin, vmax := k.lo, k.hi
	neg := k.sub
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		for i := range z {
			v1 := scaleDown((int32(x[i*sa])+q.off1)<<q.left, q.m1, q.r1)
			v2 := scaleDown((int32(y[i*sb])+q.off2)<<q.left, q.m2, q.r2)
			if neg {
				v1 -= v2
			} else {
				v1 += v2
			}
			z[i] = int16(quant.Clamp(scaleDown(v1, q.mO, q.rO)+q.offO, vmin, vmax))
		}
	}
}

// runPOT is the INT16 power-of-two path (TFLite's 16-bit Add with
// pot_scale, Sub16 and BroadcastSub16POTSlow): each input is divided by its
// power of two with gemmlowp's int16 RoundingDivideByPOT, the results are
// added or subtracted and clamped (saturating at the int16 range first, as
// gemmlowp's SaturatingAdd does, changes nothing because the activation range
// lies inside it).
func (k *addSub) runPOT(lo, hi int) {
	a, b, out := k.in1.Int16(), k.in2.Int16(), k.out.Int16()
	vmin, vmax := k.lo, k.hi
	sh1, sh2 := k.shift1, k.shift2
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		for i := range z {
			v1 := int32(quant.RoundingDivideByPOTRaw(x[i*sa], sh1))
			v2 := int32(quant.RoundingDivideByPOTRaw(y[i*sb], sh2))
			if k.sub {
				v1 -= v2
			} else {
				v1 += v2
			}
			z[i] = int16(quant.Clamp(v1, vmin, vmax))
		}
	}
}
