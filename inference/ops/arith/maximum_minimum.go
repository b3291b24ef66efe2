package arith

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/felem"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// MaximumMinimum computes the elementwise maximum (MAXIMUM, Max set) or
// minimum (MINIMUM) of two inputs with broadcasting, for FLOAT32, INT8, INT16,
// INT32 and INT64.
//
// Values are compared as stored, without requantization, so quantized inputs
// and the output must share one scale and zero point; Prepare refuses
// otherwise (TFLite Micro does not check and would compare raw values). As in
// the reference, MAXIMUM yields input1 > input2 ? input1 : input2 and MINIMUM
// input1 < input2 ? input1 : input2, so a NaN in input2 propagates and one in
// input1 does not.
//
// FLOAT32 on a SIMD kernel path runs the vector kernel of package felem,
// which selects the same input bits.
type MaximumMinimum struct {
	binary
	Max bool

	fsimd *felem.Kernel
}

// Prepare implements ops.Kernel.
func (k *MaximumMinimum) Prepare(n *ops.Node) error {
	if err := k.prepare(n, tensor.Float32, tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64); err != nil {
		return err
	}
	if k.out.Type == tensor.Float32 {
		op := felem.Min
		if k.Max {
			op = felem.Max
		}
		var err error
		k.fsimd, err = floatKernel(n, &k.bc, op, float32(math.Inf(-1)), float32(math.Inf(1)))
		return err
	}
	if k.out.Type == tensor.Int8 || k.out.Type == tensor.Int16 {
		if !quantized(k.in1) && !quantized(k.in2) && !quantized(k.out) {
			return nil // plain integers
		}
		s, z, err := perTensor(n, "input 1", k.in1)
		if err != nil {
			return err
		}
		for i, t := range []*tensor.Tensor{k.in2, k.out} {
			what := "input 2"
			if i == 1 {
				what = "output"
			}
			ts, tz, err := perTensor(n, what, t)
			if err != nil {
				return err
			}
			if ts != s || tz != z {
				return n.Errorf("%s %s has scale %v and zero point %d, but input 1 has %v and %d: they must be equal", what, t, ts, tz, s, z)
			}
		}
	}
	return nil
}

// Eval implements ops.Kernel.
func (k *MaximumMinimum) Eval(n *ops.Node) error {
	n.Pool.Run(k.bc.size, grain, k)
	return nil
}

// Run computes output elements [lo, hi).
func (k *MaximumMinimum) Run(_, lo, hi int) {
	switch k.out.Type {
	case tensor.Float32:
		if k.fsimd != nil {
			runFloatVector(k.fsimd, &k.bc, k.in1.Float32(), k.in2.Float32(), k.out.Float32(), lo, hi)
			return
		}
		maxMin(k, k.in1.Float32(), k.in2.Float32(), k.out.Float32(), lo, hi)
	case tensor.Int8:
		maxMin(k, k.in1.Int8(), k.in2.Int8(), k.out.Int8(), lo, hi)
	case tensor.Int16:
		maxMin(k, k.in1.Int16(), k.in2.Int16(), k.out.Int16(), lo, hi)
	case tensor.Int32:
		maxMin(k, k.in1.Int32(), k.in2.Int32(), k.out.Int32(), lo, hi)
	case tensor.Int64:
		maxMin(k, k.in1.Int64(), k.in2.Int64(), k.out.Int64(), lo, hi)
	}
}

func maxMin[T int8 | int16 | int32 | int64 | float32](k *MaximumMinimum, a, b, out []T, lo, hi int) {
	for c := k.bc.start(lo, hi); c.n > 0; c.next() {
		x, y, z := a[c.a:], b[c.b:], out[c.o:c.o+c.n]
		sa, sb := c.sa, c.sb
		if k.Max {
			for i := range z {
				if u, v := x[i*sa], y[i*sb]; u > v {
					z[i] = u
				} else {
					z[i] = v
				}
			}
		} else {
			for i := range z {
				if u, v := x[i*sa], y[i*sb]; u < v {
					z[i] = u
				} else {
					z[i] = v
				}
			}
		}
	}
}
