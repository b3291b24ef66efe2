package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// packedFloatConv is CONV_2D's float32 path through the SIMD GEMM of
// inference/internal/fgemm: the filter is packed once at Prepare (one
// matrix per group) with the bias and the activation clamp, and each
// block of output pixels is one GEMM over their receptive fields. A 1x1
// convolution with stride 1 and no padding reads the input pixels in
// place; the others gather the fields (im2col) into a block of rows
// first, padded taps reading +0 as in the reference (runFloat). fgemm sums
// every output in the reference's order, so the bytes are runFloat's.
type packedFloatConv struct {
	packs  []*fgemm.PackedFloat32 // one per group
	direct bool                   // the input pixels are the GEMM's rows
	rows   int                    // pixels per im2col block
}

// preparePackedFloat packs the float filter when the SIMD path applies (a
// constant filter and bias, and a kernel path other than the plain-Go
// reference); it returns the scratch bytes per worker the path needs.
func (k *Conv2D) preparePackedFloat(n *ops.Node) (int, error) {
	if n.Kernels == gemm.Generic || n.Kernels == "" || !k.filter.Const || (k.bias != nil && !k.bias.Const) {
		return 0, nil
	}
	w := k.filter.Float32()
	var bias []float32
	if k.bias != nil {
		bias = k.bias.Float32()
	}
	p := &packedFloatConv{direct: k.direct()}
	for grp := 0; grp < k.groups; grp++ {
		c0, c1 := grp*k.perGroup, (grp+1)*k.perGroup
		var b []float32
		if bias != nil {
			b = bias[c0:c1]
		}
		pk, err := fgemm.PackFloat32(n.Kernels, w[c0*k.k:c1*k.k], k.perGroup, k.k, b, k.fmin, k.fmax)
		if err != nil {
			return 0, n.Errorf("packing the filter for %s: %v", n.Kernels, err)
		}
		p.packs = append(p.packs, pk)
	}
	if n.Discard != nil {
		n.Discard(k.filter)
	}
	k.ffast = p
	if p.direct {
		return 0, nil
	}
	p.rows = blockRows(4 * k.k) // blockRows counts bytes
	return p.rows * k.k * 4, nil
}

// runPackedFloat computes output pixels [lo, hi) with the packed filter.
func (k *Conv2D) runPackedFloat(buf []byte, lo, hi int) {
	p, g := k.ffast, &k.g
	in, out := k.in.Float32(), k.out.Float32()
	C := g.outC
	if p.direct {
		// Errors are impossible here: Prepare checked the shapes.
		_ = p.packs[0].Run(out[lo*C:], C, in[lo*g.inC:], g.inC, hi-lo, 0, C)
		return
	}
	K := k.k
	block := float32s(buf[:p.rows*K*4])
	px := g.pixelAt(lo)
	for p0 := lo; p0 < hi; p0 += p.rows {
		m := min(p.rows, hi-p0)
		start := px
		for grp, pk := range p.packs {
			px = start
			for i := 0; i < m; i++ {
				row := block[i*K : (i+1)*K]
				if r := patch(g, row, in, px, grp*k.depth, k.depth, 0); &r[0] != &row[0] {
					copy(row, r)
				}
				g.next(&px)
			}
			_ = pk.Run(out[p0*C+grp*k.perGroup:], C, block, K, m, 0, k.perGroup)
		}
	}
}
