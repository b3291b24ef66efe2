// Package convert implements the operators that change a tensor's element
// type without changing its shape: QUANTIZE (float to integer, and integer
// requantization), DEQUANTIZE (integer or float16 to float) and CAST.
package convert

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorQUANTIZE, func() ops.Kernel { return &Quantize{} })
	r.AddBuiltin(tflite.BuiltinOperatorDEQUANTIZE, func() ops.Kernel { return &Dequantize{} })
	r.AddBuiltin(tflite.BuiltinOperatorCAST, func() ops.Kernel { return &Cast{} })
}

// checkUnary checks that n has one input and one output of the same shape
// and returns them.
func checkUnary(n *ops.Node) (in, out *tensor.Tensor, err error) {
	if err := n.CheckIO(1, 1, 1); err != nil {
		return nil, nil, err
	}
	in, out = n.Input(0), n.Output(0)
	if !tensor.SameShape(in.Shape, out.Shape) {
		return nil, nil, n.Errorf("output %s has shape %v, but input %s has shape %v", out, out.Shape, in, in.Shape)
	}
	return in, out, nil
}

// channelLayout returns, for a per-channel quantized tensor of shape
// shape along dim, the number of consecutive elements that share a channel
// (the product of the dimensions after dim) and the number of channels.
func channelLayout(shape []int, dim int) (inner, channels int) {
	inner = 1
	for _, d := range shape[dim+1:] {
		inner *= d
	}
	return inner, shape[dim]
}
