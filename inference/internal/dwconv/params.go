package dwconv

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/dwgeom"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// Params describes one depthwise convolution with depth multiplier 1: the
// geometry (NHWC, one batch's sizes) and the per-channel requantization.
type Params struct {
	H, W, C         int // input height, width and channels (= output channels)
	KH, KW          int // filter height and width
	SH, SW          int // strides
	DH, DW          int // dilations
	PadTop, PadLeft int // padding before the first row and column (SAME or VALID, computed by the caller)
	OH, OW          int // output height and width

	InOffset  int32 // added to every input value: minus the input zero point
	OutOffset int32 // the output zero point
	QMin      int32 // lower output bound, at least -128
	QMax      int32 // upper output bound, at most 127

	Mult  []int32 // per channel: Q31 multiplier (non-negative), as quant.QuantizeMultiplier returns it
	Shift []int   // per channel: power-of-two exponent, at least -31
	Bias  []int32 // per channel, or nil for none
}

// check validates the geometry and the requantization.
func (p *Params) check() error {
	// Every index the kernels form stays below 2^31, even on 32-bit CPUs.
	g := p.geom()
	if err := g.Check(math.MaxInt32); err != nil {
		return err
	}
	rq := p.requant()
	return rq.Validate(p.C)
}

// requant returns the requantization in gemm's form.
func (p *Params) requant() gemm.Requant {
	return gemm.Requant{
		Mult: p.Mult, Shift: p.Shift, Bias: p.Bias,
		InOffset: p.InOffset, OutOffset: p.OutOffset, QMin: p.QMin, QMax: p.QMax,
	}
}

// geom returns the geometry in the form dwgeom checks.
func (p *Params) geom() dwgeom.Geom {
	return dwgeom.Geom{
		H: p.H, W: p.W, C: p.C, KH: p.KH, KW: p.KW, SH: p.SH, SW: p.SW, DH: p.DH, DW: p.DW,
		PadTop: p.PadTop, PadLeft: p.PadLeft, OH: p.OH, OW: p.OW,
	}
}

// inSize and outSize return the number of values of one batch.
func (p *Params) inSize() int  { return p.H * p.W * p.C }
func (p *Params) outSize() int { return p.OH * p.OW * p.C }

// tapRange is dwgeom.TapRange.
func tapRange(i0, d, size, n int) (t0, t1 int) { return dwgeom.TapRange(i0, d, size, n) }
