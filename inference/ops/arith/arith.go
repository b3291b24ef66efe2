// Package arith implements the elementwise binary arithmetic operators ADD,
// SUB, MUL, DIV, MAXIMUM and MINIMUM, with NumPy-style broadcasting of inputs
// of rank up to 6 (leading dimensions of size 1 aside).
//
// Integer kernels follow TensorFlow Lite Micro's reference kernels and are
// bit-exact with them; where TFLite Micro leaves a case undefined (integer
// division by zero) or differs from full TensorFlow Lite, the kernel's doc
// comment says what this package does.
//
// FLOAT32 ADD, SUB and MUL clamp their results with fgemm.Clamp (Go's min
// and max, any NaN made canonical), so that every kernel path and
// architecture gives the same bytes; on a SIMD kernel path they, MAXIMUM
// and MINIMUM compute their runs with the vector kernels of package
// felem, which give those bytes too.
package arith

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorADD, func() ops.Kernel { return &Add{} })
	r.AddBuiltin(tflite.BuiltinOperatorSUB, func() ops.Kernel { return &Sub{} })
	r.AddBuiltin(tflite.BuiltinOperatorMUL, func() ops.Kernel { return &Mul{} })
	r.AddBuiltin(tflite.BuiltinOperatorDIV, func() ops.Kernel { return &Div{} })
	r.AddBuiltin(tflite.BuiltinOperatorMAXIMUM, func() ops.Kernel { return &MaximumMinimum{Max: true} })
	r.AddBuiltin(tflite.BuiltinOperatorMINIMUM, func() ops.Kernel { return &MaximumMinimum{} })
}

// grain is the smallest number of output elements worth a parallel chunk.
const grain = 8192

// binary is the state every elementwise binary kernel shares.
type binary struct {
	in1, in2, out *tensor.Tensor
	bc            broadcast
}

// prepare checks the node's tensors: two inputs and one output of the same
// type, one of types, whose shapes broadcast.
func (k *binary) prepare(n *ops.Node, types ...tensor.DType) error {
	if err := n.CheckIO(2, 2, 1); err != nil {
		return err
	}
	k.in1, k.in2, k.out = n.Input(0), n.Input(1), n.Output(0)
	if err := n.CheckType("input 1", k.in1, types...); err != nil {
		return err
	}
	if k.in2.Type != k.in1.Type || k.out.Type != k.in1.Type {
		return n.Errorf("inputs %s and %s and output %s must have the same type", k.in1, k.in2, k.out)
	}
	return k.bc.plan(n, k.in1, k.in2, k.out)
}

// quantized reports whether t carries quantization parameters.
func quantized(t *tensor.Tensor) bool { return t.Quant != nil && len(t.Quant.Scale) > 0 }

// refuseQuantized rejects quantized tensors, as TFLite Micro does for its
// plain INT32 kernels.
func refuseQuantized(n *ops.Node, ts ...*tensor.Tensor) error {
	for _, t := range ts {
		if quantized(t) {
			return n.Errorf("quantized %s tensor %s is not supported", t.Type, t)
		}
	}
	return nil
}

// perTensor returns t's scale and zero point, refusing per-channel
// quantization, which elementwise kernels do not use.
func perTensor(n *ops.Node, what string, t *tensor.Tensor) (float32, int32, error) {
	if t.Quant != nil && len(t.Quant.Scale) > 1 {
		return 0, 0, n.Errorf("%s %s is quantized per channel, which this operator does not support", what, t)
	}
	return n.PerTensorQuant(what, t)
}

// binaryQuant returns the per-tensor scales and zero points of a binary
// operator's two inputs and its output.
func binaryQuant(n *ops.Node, in1, in2, out *tensor.Tensor) (s1 float32, z1 int32, s2 float32, z2 int32, so float32, zo int32, err error) {
	if s1, z1, err = perTensor(n, "input 1", in1); err != nil {
		return
	}
	if s2, z2, err = perTensor(n, "input 2", in2); err != nil {
		return
	}
	so, zo, err = perTensor(n, "output", out)
	return
}

// activationRangeInt32 returns the clamp bounds of a fused activation for
// plain INT32 tensors, as TFLite's CalculateActivationRange<int32_t>.
func activationRangeInt32(act tflite.ActivationFunctionType) (int32, int32) {
	switch act {
	case tflite.ActivationFunctionTypeRELU:
		return 0, math.MaxInt32
	case tflite.ActivationFunctionTypeRELU6:
		return 0, 6
	case tflite.ActivationFunctionTypeRELU_N1_TO_1:
		return -1, 1
	}
	return math.MinInt32, math.MaxInt32
}

// multiplierBelowOne is TFLite's QuantizeMultiplierSmallerThanOneExp: m must
// lie in (0, 1), giving a non-positive shift.
func multiplierBelowOne(n *ops.Node, what string, m float64) (int32, int, error) {
	if !(m > 0 && m < 1) {
		return 0, 0, n.Errorf("%s multiplier %v is outside (0, 1)", what, m)
	}
	q, shift := quant.QuantizeMultiplier(m)
	if shift > 0 { // m rounded up to 1
		return 0, 0, n.Errorf("%s multiplier %v rounds to 1", what, m)
	}
	return q, shift, nil
}
