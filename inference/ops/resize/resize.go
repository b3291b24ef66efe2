// Package resize implements RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR on
// NHWC tensors.
package resize

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorRESIZE_BILINEAR, func() ops.Kernel { return &Bilinear{} })
	r.AddBuiltin(tflite.BuiltinOperatorRESIZE_NEAREST_NEIGHBOR, func() ops.Kernel { return &NearestNeighbor{} })
}

// geometry is what both resize operators check and share: a 4-D input
// [batches, inH, inW, depth], an INT32 size input [2] holding
// (outH, outW), and an output [batches, outH, outW, depth] of the input's
// type.
type geometry struct {
	in, size, out *tensor.Tensor

	batches, inH, inW, depth, outH, outW int

	// sizeErr is returned by Eval when a non-constant size input disagrees
	// with the output shape declared in the model; it is built in Prepare
	// so that Eval does not allocate.
	sizeErr error
}

func (g *geometry) prepare(n *ops.Node, types ...tensor.DType) error {
	if err := n.CheckIO(2, 2, 1); err != nil {
		return err
	}
	g.in, g.size, g.out = n.Input(0), n.Input(1), n.Output(0)
	if err := n.CheckType("input", g.in, types...); err != nil {
		return err
	}
	if g.out.Type != g.in.Type {
		return n.Errorf("output type %s differs from input type %s", g.out.Type, g.in.Type)
	}
	if err := n.CheckRank("input", g.in, 4); err != nil {
		return err
	}
	if err := n.CheckRank("output", g.out, 4); err != nil {
		return err
	}
	if err := n.CheckType("size", g.size, tensor.Int32); err != nil {
		return err
	}
	if err := n.CheckShape("size", g.size, 2); err != nil {
		return err
	}
	g.batches, g.inH, g.inW, g.depth = g.in.Shape[0], g.in.Shape[1], g.in.Shape[2], g.in.Shape[3]
	g.outH, g.outW = g.out.Shape[1], g.out.Shape[2]
	if g.out.Shape[0] != g.batches || g.out.Shape[3] != g.depth {
		return n.Errorf("output %s has shape %v, want [%d outH outW %d] for input %v", g.out, g.out.Shape, g.batches, g.depth, g.in.Shape)
	}
	if g.size.Const {
		v := g.size.Int32()
		if int(v[0]) != g.outH || int(v[1]) != g.outW {
			return n.Errorf("size input is %v, but output %s has shape %v", v, g.out, g.out.Shape)
		}
	} else {
		g.sizeErr = n.Errorf("size input differs from the output shape %v declared in the model", g.out.Shape)
	}
	if g.out.NumElements() > 0 && (g.inH <= 0 || g.inW <= 0) {
		return n.Errorf("input %s is empty but output %s is not", g.in, g.out)
	}
	return checkSameQuant(n, g.in, g.out)
}

// checkSize checks a non-constant size input against the declared output.
func (g *geometry) checkSize() error {
	if g.size.Const {
		return nil
	}
	v := g.size.Int32()
	if int(v[0]) != g.outH || int(v[1]) != g.outW {
		return g.sizeErr
	}
	return nil
}

// checkSameQuant refuses quantized input and output tensors whose
// parameters differ: resizing copies and interpolates quantized values
// without rescaling them (TFLite assumes, but does not check, equality).
func checkSameQuant(n *ops.Node, in, out *tensor.Tensor) error {
	if in.Quant == nil || out.Quant == nil {
		return nil
	}
	if in.Scale() != out.Scale() || in.ZeroPoint() != out.ZeroPoint() {
		return n.Errorf("output %s quantization (scale %v, zero point %d) differs from input's (scale %v, zero point %d)",
			out, out.Scale(), out.ZeroPoint(), in.Scale(), in.ZeroPoint())
	}
	return nil
}

// rowGrain is the number of output rows a parallel chunk covers at least.
func rowGrain(outW, depth int) int {
	return max(1, 4096/max(1, outW*depth))
}
