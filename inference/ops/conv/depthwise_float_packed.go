package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/fdw"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// preparePackedFloat picks DEPTHWISE_CONV_2D's float32 SIMD path
// (inference/internal/fdw) when the node's kernel path is not the plain-Go
// reference, the depth multiplier is 1, the filter and bias are constant,
// and fdw runs a SIMD kernel for the shape (8 channels or more). fdw sums
// every output in runFloat's order with the same roundings, bias and
// clamp, so the bytes are runFloat's.
func (k *DepthwiseConv2D) preparePackedFloat(n *ops.Node) error {
	if n.Kernels == gemm.Generic || n.Kernels == "" || k.mult != 1 || !k.filter.Const || (k.bias != nil && !k.bias.Const) {
		return nil
	}
	g := &k.g
	var bias []float32
	if k.bias != nil {
		bias = k.bias.Float32()
	}
	p, err := fdw.Pack(n.Kernels, k.filter.Float32(), bias, fdw.Params{
		H: g.inH, W: g.inW, C: g.inC, KH: g.fH, KW: g.fW, SH: g.strideH, SW: g.strideW, DH: g.dilH, DW: g.dilW,
		PadTop: g.padH, PadLeft: g.padW, OH: g.outH, OW: g.outW, Min: k.fmin, Max: k.fmax,
	})
	if err != nil {
		return n.Errorf("packing the filter for %s: %v", n.Kernels, err)
	}
	if p.Path() == gemm.Generic {
		return nil
	}
	k.ffast = p
	if n.Discard != nil {
		n.Discard(k.filter)
	}
	return nil
}

// packedFloatRows runs output rows [lo, hi), counted over batches and
// rows, through the packed float depthwise kernel, a batch's rows in one
// call.
type packedFloatRows struct{ k *DepthwiseConv2D }

func (p packedFloatRows) Run(_, lo, hi int) {
	k := p.k
	in, out := k.in.Float32(), k.out.Float32()
	H := k.g.outH
	for r := lo; r < hi; {
		b := r / H
		end := min(hi, (b+1)*H)
		// Errors are impossible here: Prepare checked the shapes.
		_ = k.ffast.Run(out, in, b, r-b*H, end-b*H)
		r = end
	}
}
