// Package shape implements the operators that move elements without
// arithmetic: RESHAPE, SQUEEZE, EXPAND_DIMS, PAD, PADV2, TRANSPOSE,
// CONCATENATION, STRIDED_SLICE, PACK, UNPACK, SPLIT and GATHER.
//
// They work on any element type the interpreter holds, copying elements by
// their size, so their results are bit-identical to TFLite's for every type.
// Prepare turns each operator's geometry into strided copy plans (see
// copyPlan); Eval only walks those plans.
package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorRESHAPE, func() ops.Kernel { return &Reshape{} })
	r.AddBuiltin(tflite.BuiltinOperatorSQUEEZE, func() ops.Kernel { return &Squeeze{} })
	r.AddBuiltin(tflite.BuiltinOperatorEXPAND_DIMS, func() ops.Kernel { return &ExpandDims{} })
	r.AddBuiltin(tflite.BuiltinOperatorPAD, func() ops.Kernel { return &Pad{} })
	r.AddBuiltin(tflite.BuiltinOperatorPADV2, func() ops.Kernel { return &Pad{} })
	r.AddBuiltin(tflite.BuiltinOperatorTRANSPOSE, func() ops.Kernel { return &Transpose{} })
	r.AddBuiltin(tflite.BuiltinOperatorCONCATENATION, func() ops.Kernel { return &Concatenation{} })
	r.AddBuiltin(tflite.BuiltinOperatorSTRIDED_SLICE, func() ops.Kernel { return &StridedSlice{} })
	r.AddBuiltin(tflite.BuiltinOperatorPACK, func() ops.Kernel { return &Pack{} })
	r.AddBuiltin(tflite.BuiltinOperatorUNPACK, func() ops.Kernel { return &Unpack{} })
	r.AddBuiltin(tflite.BuiltinOperatorSPLIT, func() ops.Kernel { return &Split{} })
	r.AddBuiltin(tflite.BuiltinOperatorGATHER, func() ops.Kernel { return &Gather{} })
}

// checkSameType checks that every tensor has the element type of the first
// and that the type is one the copy routines handle.
func checkSameType(n *ops.Node, ts ...*tensor.Tensor) error {
	if err := checkElem(n, ts[0]); err != nil {
		return err
	}
	for _, t := range ts[1:] {
		if t.Type != ts[0].Type {
			return n.Errorf("tensor %s has type %s, want %s like %s", t, t.Type, ts[0].Type, ts[0])
		}
	}
	return nil
}

// checkElem refuses element types whose size the copy routines cannot move.
func checkElem(n *ops.Node, t *tensor.Tensor) error {
	switch t.Type.Size() {
	case 1, 2, 4, 8, 16:
		return nil
	}
	return n.Errorf("tensor %s has type %s, which this operator does not support", t, t.Type)
}

// normAxis maps a possibly negative axis into [0, rank) or reports an error.
func normAxis(n *ops.Node, axis, rank int) (int, error) {
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, n.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	return a, nil
}

// checkShape checks that the output's declared shape is want.
func checkShape(n *ops.Node, out *tensor.Tensor, want []int) error {
	if !tensor.SameShape(out.Shape, want) {
		return n.Errorf("output %s has shape %v, but the inputs give %v", out, out.Shape, want)
	}
	return nil
}

// strides returns the row-major element strides of shape.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// product multiplies shape[lo:hi].
func product(shape []int, lo, hi int) int {
	p := 1
	for _, d := range shape[lo:hi] {
		p *= d
	}
	return p
}

// sameQuant reports whether a and b carry identical per-tensor quantization
// (or are both unquantized).
func sameQuant(a, b *tensor.Tensor) bool {
	aq := a.Quant != nil && len(a.Quant.Scale) > 0
	bq := b.Quant != nil && len(b.Quant.Scale) > 0
	if aq != bq {
		return false
	}
	return !aq || (a.Scale() == b.Scale() && a.ZeroPoint() == b.ZeroPoint())
}

// checkQuantMatch refuses int8 and uint8 tensors whose quantization differs
// from the output's, for operators that copy quantized values unchanged and
// where TFLite refuses a rescale.
func checkQuantMatch(n *ops.Node, in, out *tensor.Tensor) error {
	if in.Type != tensor.Int8 && in.Type != tensor.Uint8 {
		return nil
	}
	if !sameQuant(in, out) {
		return n.Errorf("%s is quantized as (scale %v, zero point %d) but output %s as (scale %v, zero point %d); rescaling is not supported",
			in, in.Scale(), in.ZeroPoint(), out, out.Scale(), out.ZeroPoint())
	}
	return nil
}

// byteCopy is a kernel whose Eval copies the input's bytes to the output:
// RESHAPE, SQUEEZE and EXPAND_DIMS change only the shape.
type byteCopy struct {
	in, out *tensor.Tensor
}

// Eval implements ops.Kernel.
func (k *byteCopy) Eval(n *ops.Node) error {
	copy(k.out.Data, k.in.Data)
	return nil
}
