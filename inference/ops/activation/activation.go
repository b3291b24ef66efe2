// Package activation implements the element-wise activation operators
// SOFTMAX, LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU and
// HARD_SWISH for float32, int8 and (except HARD_SWISH) int16 tensors.
//
// The integer kernels are bit-exact with TensorFlow Lite Micro's reference
// kernels. Where an int8 output depends only on the int8 input value (every
// operator here except SOFTMAX), Prepare runs the reference arithmetic once
// for each of the 256 possible inputs and Eval becomes a table lookup; the
// table holds exactly what the per-element arithmetic would produce.
package activation

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorSOFTMAX, func() ops.Kernel { return &Softmax{} })
	r.AddBuiltin(tflite.BuiltinOperatorLOGISTIC, func() ops.Kernel { return &Logistic{} })
	r.AddBuiltin(tflite.BuiltinOperatorTANH, func() ops.Kernel { return &Tanh{} })
	r.AddBuiltin(tflite.BuiltinOperatorRELU, func() ops.Kernel { return &Relu{lo: 0, hi: float32(math.Inf(1))} })
	r.AddBuiltin(tflite.BuiltinOperatorRELU6, func() ops.Kernel { return &Relu{lo: 0, hi: 6} })
	r.AddBuiltin(tflite.BuiltinOperatorRELU_N1_TO_1, func() ops.Kernel { return &Relu{lo: -1, hi: 1} })
	r.AddBuiltin(tflite.BuiltinOperatorLEAKY_RELU, func() ops.Kernel { return &LeakyRelu{} })
	r.AddBuiltin(tflite.BuiltinOperatorHARD_SWISH, func() ops.Kernel { return &HardSwish{} })
}

// grain is the smallest number of elements worth handing to another worker.
const grain = 4096

// unary checks a node with one input and one output of the same type and
// shape, the type being one of types, and returns the two tensors.
func unary(n *ops.Node, types ...tensor.DType) (in, out *tensor.Tensor, err error) {
	if err := n.CheckIO(1, 1, 1); err != nil {
		return nil, nil, err
	}
	in, out = n.Input(0), n.Output(0)
	if err := n.CheckType("input", in, types...); err != nil {
		return nil, nil, err
	}
	if in.Type != out.Type {
		return nil, nil, n.Errorf("input type %s differs from output type %s", in.Type, out.Type)
	}
	if err := n.CheckShape("output", out, in.Shape...); err != nil {
		return nil, nil, err
	}
	return in, out, nil
}

// int8Table holds the output for every int8 input, indexed by uint8(input).
type int8Table [256]int8

// fill stores f(q) for every int8 q.
func (t *int8Table) fill(f func(q int32) int32) {
	for q := int32(math.MinInt8); q <= math.MaxInt8; q++ {
		t[uint8(int8(q))] = int8(f(q))
	}
}

// apply maps in[lo:hi] through the table into out[lo:hi].
func (t *int8Table) apply(in, out []int8, lo, hi int) {
	in, out = in[lo:hi], out[lo:hi]
	for i, v := range in {
		out[i] = t[uint8(v)]
	}
}

// clampInt16 limits x to the int16 range.
func clampInt16(x int32) int32 { return max(math.MinInt16, min(math.MaxInt16, x)) }

// clampInt8 limits x to the int8 range.
func clampInt8(x int32) int32 { return max(math.MinInt8, min(math.MaxInt8, x)) }

// roundf is C's roundf: float32 rounding half away from zero.
func roundf(x float32) float32 { return float32(math.Round(float64(x))) }

// expf is C's expf.
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }

// checkedLog2 is TFLite's CheckedLog2: the nearest integer to log2(x), and
// whether x is within 1e-3 (in the exponent) of that power of two. It works
// in float32 as TFLite does.
func checkedLog2(x float32) (int, bool) {
	l := float32(math.Log(float64(x))) * (1 / float32(math.Log(2)))
	r := roundf(l)
	frac := l - r
	return int(r), float32(math.Abs(float64(frac))) < 1e-3
}

// inputRadius is TFLite's CalculateInputRadius: the largest input difference
// that the fixed-point functions can take before saturating, floor((2^intBits
// - 1) * 2^(totalBits-intBits) / 2^leftShift), capped at MaxInt32.
func inputRadius(intBits, leftShift, totalBits int) int32 {
	r := math.Floor(math.Ldexp(float64(int64(1)<<uint(intBits)-1)*float64(int64(1)<<uint(totalBits-intBits)), -leftShift))
	return int32(min(r, math.MaxInt32))
}

// frexpMultiplier is the Q31 multiplier and exponent that LOGISTIC and TANH
// compute with frexp: m ≈ significand * 2^(shift-31), with no correction of
// a significand that rounds up to 2^31.
func frexpMultiplier(m float64) (int32, int) {
	q, shift := math.Frexp(m)
	return int32(math.Round(q * (1 << 31))), shift
}
