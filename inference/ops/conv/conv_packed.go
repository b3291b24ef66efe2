package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// packedConv is CONV_2D's int8 path through the SIMD GEMM of
// inference/internal/gemm: the filter is packed once at Prepare (one
// matrix per group) with the bias, the input offset and the per-channel
// requantization folded in, and each block of output pixels is one GEMM
// over their receptive fields. A 1x1 convolution with stride 1 and no
// padding reads the input pixels in place; the others gather the fields
// (im2col) into a block of rows first, padding with the input zero point
// so that padded taps add 0, as in the reference.
type packedConv struct {
	packs  []*gemm.PackedInt8 // one per group
	direct bool               // the input pixels are the GEMM's rows
	rows   int                // pixels per im2col block
}

// preparePacked packs the filter when the SIMD path applies (a constant
// filter and bias, and a kernel path other than the plain-Go reference);
// it returns the scratch bytes per worker the path needs.
func (k *Conv2D) preparePacked(n *ops.Node) (int, error) {
	if n.Kernels == gemm.Generic || n.Kernels == "" || !k.filter.Const || (k.bias != nil && !k.bias.Const) {
		return 0, nil
	}
	w := k.filter.Int8()
	var bias []int32
	if k.bias != nil {
		bias = k.bias.Int32()
	}
	p := &packedConv{}
	for grp := 0; grp < k.groups; grp++ {
		c0, c1 := grp*k.perGroup, (grp+1)*k.perGroup
		rq := gemm.Requant{
			Mult: k.rq.mult[c0:c1], Shift: k.rq.shift[c0:c1],
			InOffset: k.rq.inOffset, OutOffset: k.rq.outOffset, QMin: k.rq.qmin, QMax: k.rq.qmax,
		}
		if bias != nil {
			rq.Bias = bias[c0:c1]
		}
		pk, err := gemm.PackInt8With(n.Kernels, w[c0*k.k:c1*k.k], k.perGroup, k.k, rq)
		if err != nil {
			return 0, n.Errorf("packing the filter for %s: %v", n.Kernels, err)
		}
		p.packs = append(p.packs, pk)
	}
	if n.Discard != nil {
		n.Discard(k.filter)
	}
	p.direct = k.direct()
	if p.direct {
		k.fast = p
		return 0, nil
	}
	p.rows = blockRows(k.k)
	k.fast = p
	return p.rows * k.k, nil
}

// direct reports whether the input pixels are the GEMM's rows as they
// lie: a 1x1 convolution with stride 1, no padding and one group.
func (k *Conv2D) direct() bool {
	g := &k.g
	return g.fH == 1 && g.fW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0 && k.groups == 1 &&
		g.outH == g.inH && g.outW == g.inW
}

// blockRows is how many im2col rows of k bytes a block gathers: about 32
// KiB, a multiple of the micro-kernels' 3 and 8 rows.
func blockRows(k int) int {
	rows := max(8, min(96, 32768/max(1, k)))
	if rows >= 24 {
		rows -= rows % 24
	}
	return rows
}

// runPacked computes output pixels [lo, hi) with the packed filter.
func (k *Conv2D) runPacked(buf []byte, lo, hi int) {
	p, g := k.fast, &k.g
	in, out := k.in.Int8(), k.out.Int8()
	C := g.outC
	if p.direct {
		// Errors are impossible here: Prepare checked the shapes.
		_ = p.packs[0].Run(out[lo*C:], C, in[lo*g.inC:], g.inC, hi-lo, 0, C)
		return
	}
	K := k.k
	block := int8s(buf[:p.rows*K])
	pad := int8(-k.rq.inOffset)
	px := g.pixelAt(lo)
	for p0 := lo; p0 < hi; p0 += p.rows {
		m := min(p.rows, hi-p0)
		start := px
		for grp, pk := range p.packs {
			px = start
			for i := 0; i < m; i++ {
				row := block[i*K : (i+1)*K]
				if r := patch(g, row, in, px, grp*k.depth, k.depth, pad); &r[0] != &row[0] {
					copy(row, r)
				}
				g.next(&px)
			}
			_ = pk.Run(out[p0*C+grp*k.perGroup:], C, block, K, m, 0, k.perGroup)
		}
	}
}
