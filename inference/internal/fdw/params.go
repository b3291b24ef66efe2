package fdw

import (
	"errors"
	"fmt"
	"math"
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
	for _, f := range []struct {
		name string
		v    int
	}{
		{"H", p.H}, {"W", p.W}, {"C", p.C}, {"KH", p.KH}, {"KW", p.KW},
		{"SH", p.SH}, {"SW", p.SW}, {"DH", p.DH}, {"DW", p.DW}, {"OH", p.OH}, {"OW", p.OW},
	} {
		if f.v < 1 || f.v > math.MaxInt32 {
			return fmt.Errorf("%s = %d: must be in [1, 2^31)", f.name, f.v)
		}
	}
	if p.PadTop < 0 || p.PadTop > math.MaxInt32 || p.PadLeft < 0 || p.PadLeft > math.MaxInt32 {
		return fmt.Errorf("padding %d, %d: must be in [0, 2^31)", p.PadTop, p.PadLeft)
	}
	// Every index the kernels form, in values and in bytes, stays below
	// 2^31, even on 32-bit CPUs.
	const limit = math.MaxInt32 / 4
	ext := func(o, s, k, d, pad, n int) bool {
		return int64(o-1)*int64(s)+int64(k-1)*int64(d)+int64(pad)+int64(n) <= limit
	}
	if !ext(p.OH, p.SH, p.KH, p.DH, p.PadTop, p.H) || !ext(p.OW, p.SW, p.KW, p.DW, p.PadLeft, p.W) {
		return errors.New("geometry too large: window positions exceed 2^29")
	}
	for _, f := range []struct {
		name    string
		a, b, c int
	}{{"input", p.H, p.W, p.C}, {"output", p.OH, p.OW, p.C}, {"filter", p.KH, p.KW, p.C}} {
		if int64(f.a)*int64(f.b) > limit || int64(f.a)*int64(f.b)*int64(f.c) > limit {
			return fmt.Errorf("%s of %d×%d×%d values: too large", f.name, f.a, f.b, f.c)
		}
	}
	if p.Min != p.Min || p.Max != p.Max || p.Min > p.Max {
		return fmt.Errorf("clamp range [%v, %v]: the bounds must be numbers, the lower one not above the upper", p.Min, p.Max)
	}
	return nil
}

// inSize and outSize return the number of values of one batch.
func (p *Params) inSize() int  { return p.H * p.W * p.C }
func (p *Params) outSize() int { return p.OH * p.OW * p.C }

// tapRange returns the taps [t0, t1) of a window of size taps, dilation d,
// starting at position i0, that fall inside [0, n); t0 == t1 == 0 when
// none do.
func tapRange(i0, d, size, n int) (t0, t1 int) {
	if i0 < 0 {
		t0 = (-i0 + d - 1) / d
	}
	if i0 >= n {
		return 0, 0
	}
	t1 = min(size, (n-1-i0)/d+1)
	if t1 <= t0 {
		return 0, 0
	}
	return t0, t1
}
