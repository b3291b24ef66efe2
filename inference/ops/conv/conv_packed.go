package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// gemmPack is one group's packed filter matrix of a SIMD GEMM
// (gemm.PackedInt8, fgemm.PackedFloat32) over elements of type T.
type gemmPack[T int8 | float32] interface {
	Run(dst []T, ldd int, a []T, lda, m, c0, c1 int) error
}

// packedGEMM is CONV_2D's path through a SIMD GEMM, the same for int8 and
// float32: the filter is packed once at Prepare (one matrix per group)
// with what the element type folds in, and each block of output pixels is
// one GEMM over their receptive fields. A 1x1 convolution with stride 1
// and no padding reads the input pixels in place; the others gather the
// fields (im2col) into a block of rows first, padded taps reading a value
// that adds 0, as in the reference.
type packedGEMM[T int8 | float32, P gemmPack[T]] struct {
	packs  []P  // one per group
	direct bool // the input pixels are the GEMM's rows
	rows   int  // pixels per im2col block
}

// packedConv is the int8 path through inference/internal/gemm: the bias,
// the input offset and the per-channel requantization are folded into
// the packed filter, and padded taps read the input zero point.
type packedConv = packedGEMM[int8, *gemm.PackedInt8]

// packable reports whether the packed SIMD path applies: a constant
// filter and bias, and a kernel path other than the plain-Go reference.
func (k *Conv2D) packable(n *ops.Node) bool {
	return n.Kernels != gemm.Generic && n.Kernels != "" && k.filter.Const && (k.bias == nil || k.bias.Const)
}

// packGroups packs the filter of every group with pack, which packs
// output channels [c0, c1), for elements of size bytes; it returns the
// path and the scratch bytes per worker the path needs.
func packGroups[T int8 | float32, P gemmPack[T]](k *Conv2D, n *ops.Node, size int, pack func(c0, c1 int) (P, error)) (*packedGEMM[T, P], int, error) {
	p := &packedGEMM[T, P]{direct: k.direct()}
	for grp := 0; grp < k.groups; grp++ {
		pk, err := pack(grp*k.perGroup, (grp+1)*k.perGroup)
		if err != nil {
			return nil, 0, n.Errorf("packing the filter for %s: %v", n.Kernels, err)
		}
		p.packs = append(p.packs, pk)
	}
	if n.Discard != nil {
		n.Discard(k.filter)
	}
	if p.direct {
		return p, 0, nil
	}
	p.rows = blockRows(size * k.k) // blockRows counts bytes
	return p, p.rows * k.k * size, nil
}

// preparePacked packs the int8 filter when the SIMD path applies; it
// returns the scratch bytes per worker the path needs.
func (k *Conv2D) preparePacked(n *ops.Node) (int, error) {
	if !k.packable(n) {
		return 0, nil
	}
	w := k.filter.Int8()
	var bias []int32
	if k.bias != nil {
		bias = k.bias.Int32()
	}
	p, bytes, err := packGroups[int8](k, n, 1, func(c0, c1 int) (*gemm.PackedInt8, error) {
		rq := gemm.Requant{
			Mult: k.rq.mult[c0:c1], Shift: k.rq.shift[c0:c1],
			InOffset: k.rq.inOffset, OutOffset: k.rq.outOffset, QMin: k.rq.qmin, QMax: k.rq.qmax,
		}
		if bias != nil {
			rq.Bias = bias[c0:c1]
		}
		return gemm.PackInt8With(n.Kernels, w[c0*k.k:c1*k.k], k.perGroup, k.k, rq)
	})
	if err != nil {
		return 0, err
	}
	k.fast = p
	return bytes, nil
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

// runPacked computes output pixels [lo, hi) with the packed int8 filter.
func (k *Conv2D) runPacked(buf []byte, lo, hi int) {
	runPackedGEMM(k, k.fast, k.in.Int8(), k.out.Int8(), int8s(buf), int8(-k.rq.inOffset), lo, hi)
}

// runPackedGEMM computes output pixels [lo, hi) with the packed filter p,
// gathering the fields into block (at least p.rows*K values) with padded
// taps reading pad.
func runPackedGEMM[T int8 | float32, P gemmPack[T]](k *Conv2D, p *packedGEMM[T, P], in, out, block []T, pad T, lo, hi int) {
	g := &k.g
	C := g.outC
	if p.direct {
		// Errors are impossible here: Prepare checked the shapes.
		_ = p.packs[0].Run(out[lo*C:], C, in[lo*g.inC:], g.inC, hi-lo, 0, C)
		return
	}
	K := k.k
	block = block[:p.rows*K]
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
