package fdw

import (
	"fmt"
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/dwgeom"
)

// Params describes one float32 depthwise convolution with depth
// multiplier 1: the geometry (NHWC, one batch's sizes) and the clamp.
type Params struct {
	H, W, C         int // input height, width and channels (= output channels)
	KH, KW          int // filter height and width
	SH, SW          int // strides
	DH, DW          int // dilations
	PadTop, PadLeft int // padding before the first row and column (SAME or VALID, computed by the caller)
	OH, OW          int // output height and width

	// Min and Max bound every output (the fused activation: -MaxFloat32
	// and MaxFloat32 for none). Neither may be NaN, and Min <= Max.
	Min, Max float32
}

// check validates the geometry and the clamp.
func (p *Params) check() error {
	// Every index the kernels form, in values and in bytes, stays below
	// 2^31, even on 32-bit CPUs.
	g := p.geom()
	if err := g.Check(math.MaxInt32 / 4); err != nil {
		return err
	}
	if p.Min != p.Min || p.Max != p.Max || p.Min > p.Max {
		return fmt.Errorf("clamp range [%v, %v]: the bounds must be numbers, the lower one not above the upper", p.Min, p.Max)
	}
	return nil
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
