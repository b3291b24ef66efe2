// Package dwgeom holds the geometry of a depthwise convolution with depth
// multiplier 1 that the int8 (dwconv) and float32 (fdw) kernels share:
// validation of the sizes, the bounds checks of a Run call, and the range
// of a window's taps that fall inside the input.
package dwgeom

import (
	"fmt"
	"math"
	"math/bits"
)

// Geom is the geometry of one depthwise convolution (NHWC, one batch's
// sizes).
type Geom struct {
	H, W, C         int // input height, width and channels (= output channels)
	KH, KW          int // filter height and width
	SH, SW          int // strides
	DH, DW          int // dilations
	PadTop, PadLeft int // padding before the first row and column
	OH, OW          int // output height and width
}

// Check validates the geometry: every size, stride and dilation in
// [1, 2^31), the padding in [0, 2^31), and every index the kernels form
// (window positions, and the input, output and filter sizes) at most
// limit, which is 2^b-1 for some b.
func (g *Geom) Check(limit int) error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"H", g.H}, {"W", g.W}, {"C", g.C}, {"KH", g.KH}, {"KW", g.KW},
		{"SH", g.SH}, {"SW", g.SW}, {"DH", g.DH}, {"DW", g.DW}, {"OH", g.OH}, {"OW", g.OW},
	} {
		if f.v < 1 || f.v > math.MaxInt32 {
			return fmt.Errorf("%s = %d: must be in [1, 2^31)", f.name, f.v)
		}
	}
	if g.PadTop < 0 || g.PadTop > math.MaxInt32 || g.PadLeft < 0 || g.PadLeft > math.MaxInt32 {
		return fmt.Errorf("padding %d, %d: must be in [0, 2^31)", g.PadTop, g.PadLeft)
	}
	lim := int64(limit)
	ext := func(o, s, k, d, pad, n int) bool {
		return int64(o-1)*int64(s)+int64(k-1)*int64(d)+int64(pad)+int64(n) <= lim
	}
	if !ext(g.OH, g.SH, g.KH, g.DH, g.PadTop, g.H) || !ext(g.OW, g.SW, g.KW, g.DW, g.PadLeft, g.W) {
		return fmt.Errorf("geometry too large: window positions exceed 2^%d", bits.Len64(uint64(limit)))
	}
	for _, f := range []struct {
		name    string
		a, b, c int
	}{{"input", g.H, g.W, g.C}, {"output", g.OH, g.OW, g.C}, {"filter", g.KH, g.KW, g.C}} {
		if int64(f.a)*int64(f.b) > lim || int64(f.a)*int64(f.b)*int64(f.c) > lim {
			return fmt.Errorf("%s of %d×%d×%d values: too large", f.name, f.a, f.b, f.c)
		}
	}
	return nil
}

// InSize and OutSize return the number of values of one batch.
func (g *Geom) InSize() int { return g.H * g.W * g.C }

// OutSize returns the number of output values of one batch.
func (g *Geom) OutSize() int { return g.OH * g.OW * g.C }

// CheckRun checks the arguments of a Run call on output rows [oy0, oy1)
// of batch n with nIn input and nOut output values; prefix names the
// caller in the errors ("fdw: run"). An empty range [oy, oy) with oy in
// [0, OH] is valid.
func (g *Geom) CheckRun(prefix string, nOut, nIn, n, oy0, oy1 int) error {
	switch {
	case n < 0:
		return fmt.Errorf("%s: batch %d", prefix, n)
	case oy0 < 0 || oy1 < oy0 || oy1 > g.OH:
		return fmt.Errorf("%s: rows [%d, %d) outside [0, %d)", prefix, oy0, oy1, g.OH)
	case int64(n+1)*int64(g.InSize()) > int64(nIn):
		return fmt.Errorf("%s: %d input values for batch %d of %d×%d×%d", prefix, nIn, n, g.H, g.W, g.C)
	case int64(n+1)*int64(g.OutSize()) > int64(nOut):
		return fmt.Errorf("%s: %d output values for batch %d of %d×%d×%d", prefix, nOut, n, g.OH, g.OW, g.C)
	}
	return nil
}

// TapRange returns the taps [t0, t1) of a window of size taps, dilation
// d, starting at position i0, that fall inside [0, n); t0 == t1 == 0 when
// none do.
func TapRange(i0, d, size, n int) (t0, t1 int) {
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
