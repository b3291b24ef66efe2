package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/dwconv"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// preparePacked picks DEPTHWISE_CONV_2D's int8 SIMD path, when the kernel
// path has one and the filter and bias are constant:
//   - depth multiplier 1: inference/internal/dwconv's packed kernel, when it
//     runs a SIMD path for this shape;
//   - one input channel (any multiplier, as in micro_speech): the operator
//     is an ordinary convolution with M output channels, run as CONV_2D's
//     packed GEMM over im2col rows.
//
// It returns the scratch bytes per worker the chosen path needs (0: the
// plain-Go path's own).
func (k *DepthwiseConv2D) preparePacked(n *ops.Node) (int, error) {
	if n.Kernels == gemm.Generic || n.Kernels == "" || !k.filter.Const || (k.bias != nil && !k.bias.Const) {
		return 0, nil
	}
	g := &k.g
	var bias []int32
	if k.bias != nil {
		bias = k.bias.Int32()
	}
	switch {
	case k.mult == 1:
		p, err := dwconv.Pack(n.Kernels, k.filter.Int8(), dwconv.Params{
			H: g.inH, W: g.inW, C: g.inC, KH: g.fH, KW: g.fW, SH: g.strideH, SW: g.strideW, DH: g.dilH, DW: g.dilW,
			PadTop: g.padH, PadLeft: g.padW, OH: g.outH, OW: g.outW,
			InOffset: k.rq.inOffset, OutOffset: k.rq.outOffset, QMin: k.rq.qmin, QMax: k.rq.qmax,
			Mult: k.rq.mult, Shift: k.rq.shift, Bias: bias,
		})
		if err != nil {
			return 0, n.Errorf("packing the filter for %s: %v", n.Kernels, err)
		}
		if p.Path() != gemm.Generic {
			k.fast = p
			if n.Discard != nil {
				n.Discard(k.filter)
			}
		}
		return 0, nil
	case g.inC == 1:
		// filter [1, fH, fW, M] as the [M][fH*fW] rows of a convolution.
		taps, M := g.fH*g.fW, g.outC
		w := k.filter.Int8()
		rows := make([]int8, M*taps)
		for t := 0; t < taps; t++ {
			for m := 0; m < M; m++ {
				rows[m*taps+t] = w[t*M+m]
			}
		}
		rq := gemm.Requant{Mult: k.rq.mult, Shift: k.rq.shift, Bias: bias,
			InOffset: k.rq.inOffset, OutOffset: k.rq.outOffset, QMin: k.rq.qmin, QMax: k.rq.qmax}
		pk, err := gemm.PackInt8With(n.Kernels, rows, M, taps, rq)
		if err != nil {
			return 0, n.Errorf("packing the filter for %s: %v", n.Kernels, err)
		}
		c := &Conv2D{in: k.in, bias: k.bias, out: k.out, g: k.g, groups: 1, depth: 1, perGroup: M, k: taps, rq: k.rq}
		c.fast = &packedConv{packs: []*gemm.PackedInt8{pk}, rows: blockRows(taps)}
		c.grain = max(2, 65536/max(1, taps*M))
		k.asConv = c
		if n.Discard != nil {
			n.Discard(k.filter)
		}
		return c.fast.rows * taps, nil
	}
	return 0, nil
}

// evalPacked runs the SIMD path chosen at Prepare; false when there is none.
func (k *DepthwiseConv2D) evalPacked(n *ops.Node) bool {
	switch {
	case k.asConv != nil:
		k.asConv.buf = k.buf
		k.asConv.perWorker = k.perWorker
		n.Pool.Run(k.g.pixels(), k.asConv.grain, k.asConv)
		return true
	case k.fast != nil:
		n.Pool.Run(k.g.batches*k.g.outH, max(1, k.grain), packedRows{k})
		return true
	}
	return false
}

// packedRows runs output rows [lo, hi), counted over batches and rows,
// through the packed depthwise kernel, a batch's rows in one call.
type packedRows struct{ k *DepthwiseConv2D }

func (p packedRows) Run(_, lo, hi int) {
	k := p.k
	in, out := k.in.Int8(), k.out.Int8()
	H := k.g.outH
	for r := lo; r < hi; {
		b := r / H
		end := min(hi, (b+1)*H)
		// Errors are impossible here: Prepare checked the shapes.
		_ = k.fast.Run(out, in, b, r-b*H, end-b*H)
		r = end
	}
}
