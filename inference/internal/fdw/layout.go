package fdw

import (
	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// kernel names the SIMD kernel a layout is for.
type kernel uint8

const (
	kernelYMM  kernel = iota + 1 // avx2_amd64.s: 8 channels per group
	kernelZMM                    // avx512_amd64.s: 16 channels per group
	kernelNEON                   // neon_arm64.s: 8 channels per group
)

// simdLayout is the filter, bias, clamp and column runs of a SIMD path.
// Group g < groups covers channels [g*v, (g+1)*v); with tail set, one
// more group covers [C-v, C). Each group's weights are KH×KW taps of v
// lanes, tap-major; its bias is v lanes.
type simdLayout struct {
	kern   kernel
	v      int // channels per group
	groups int // groups at multiples of v
	tail   bool
	w      []float32 // (groups + tail) × KH × KW × v
	bias   []float32 // (groups + tail) × v
	segs   []segment
	cst    consts
}

// consts is what every kernel call reads at fixed offsets: the clamp
// bounds and the canonical NaN, each broadcast to 16 lanes (lo at byte 0,
// hi at 64, nan at 128).
type consts struct {
	lo, hi, nan [16]float32
}

// segment is a run of output columns [ox0, ox1) whose in-bounds filter
// columns are the same, [fx0, fx1) (empty: fx0 == fx1 == 0).
type segment struct {
	ox0, ox1 int
	fx0, fx1 int
}

// segments splits the output columns into runs of equal in-bounds filter
// columns: the left border pixels, the interior, the right border.
func segments(p *Params) []segment {
	var s []segment
	for ox := range p.OW {
		fx0, fx1 := tapRange(ox*p.SW-p.PadLeft, p.DW, p.KW, p.W)
		if n := len(s); n > 0 && s[n-1].fx0 == fx0 && s[n-1].fx1 == fx1 {
			s[n-1].ox1 = ox + 1
			continue
		}
		s = append(s, segment{ox0: ox, ox1: ox + 1, fx0: fx0, fx1: fx1})
	}
	return s
}

// simdPack packs the filter for path's kernel, when the path has one for
// C channels; it returns the layout and the path that runs it.
func simdPack(path gemm.Path, filter, bias []float32, p *Params) (simdLayout, gemm.Path, bool) {
	kern, v, runs := kernelFor(path, p.C)
	if kern == 0 {
		return simdLayout{}, gemm.Generic, false
	}
	l := simdLayout{kern: kern, v: v, groups: p.C / v, tail: p.C%v != 0}
	n := l.groups
	if l.tail {
		n++
	}
	taps := p.KH * p.KW
	l.w = make([]float32, n*taps*v)
	l.bias = make([]float32, n*v)
	for g := range n {
		c0 := l.first(g, p.C)
		for t := range taps {
			copy(l.w[(g*taps+t)*v:(g*taps+t+1)*v], filter[t*p.C+c0:t*p.C+c0+v])
		}
		if bias != nil {
			copy(l.bias[g*v:(g+1)*v], bias[c0:c0+v])
		}
	}
	l.segs = segments(p)
	nan := fgemm.CanonicalNaN()
	for i := range l.cst.lo {
		l.cst.lo[i], l.cst.hi[i], l.cst.nan[i] = p.Min, p.Max, nan
	}
	return l, runs, true
}

// first returns the first channel of group g.
func (l *simdLayout) first(g, c int) int {
	if g == l.groups {
		return c - l.v
	}
	return g * l.v
}
