package dwconv

import (
	"encoding/binary"
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// The neon kernel's layout reuses simdLayout with groups of 16 channels
// only (no supers): w holds, per group, filter row and filter column, the
// 16 channels' weights as int16 ([g][fy][fx][16]int16, 32 bytes a tap);
// meta holds per group and quarter of 4 channels the neonMetaVecs vectors
// of 4 int32 that the epilogue loads at once ([g][4][neonMetaVecs][4]);
// add, rowAdd and colOff are packAddends' (bias + InOffset × the
// in-bounds weights), as for avx2.
const neonTapBytes = 2 * groupWidth // one tap of one group: 16 int16

// The meta arrays of a group, in order (see REQ in ops_arm64.h).
const (
	neonLeft     = iota // left shift, 0..32
	neonMult            // Q31 multiplier
	neonFix             // the sign bit where the channel shifts right, else 0
	neonNegRight        // minus the right shift, -31..0
	neonMetaVecs
)

// neonPath reports whether path runs the neon depthwise kernel: the neon
// and the sdot paths of the GEMMs alike (SDOT gains nothing for a
// depthwise convolution, whose taps do not share an input).
func neonPath(path gemm.Path) bool {
	return path.Vector() == gemm.NEON
}

// simdPack packs filter and p for the neon kernel when path is an arm64
// path and the shape fits (see simdFits: at least 16 channels, at most 16
// filter rows, and not too many border configurations); runs is
// gemm.NEON.
func simdPack(path gemm.Path, filter []int8, p *Params) (l simdLayout, runs gemm.Path, ok bool) {
	if !neonPath(path) || p.C < groupWidth || p.KH > maxSlots {
		return l, "", false
	}
	l, ok = packNEON(filter, p)
	return l, gemm.NEON, ok
}

// packNEON lays filter and p out for the neon kernel; ok is false when the
// geometry has too many border configurations.
func packNEON(filter []int8, p *Params) (l simdLayout, ok bool) {
	C, KH, KW := p.C, p.KH, p.KW
	rows, rowOf := configs(p.OH, func(oy int) (int, int) { return tapRange(oy*p.SH-p.PadTop, p.DH, KH, p.H) })
	cols, colOf := configs(p.OW, func(ox int) (int, int) { return tapRange(ox*p.SW-p.PadLeft, p.DW, KW, p.W) })
	if int64(len(rows))*int64(len(cols))*int64(C+groupWidth) > maxAddends {
		return l, false
	}
	l = simdLayout{rowsPerUnit: 1, units: KH}
	_, l.groups = shape(gemm.NEON, C)
	l.blocks = l.groups
	l.goff = make([]int, l.groups)
	for g := range l.groups {
		l.goff[g] = min(g*groupWidth, C-groupWidth)
	}
	l.maxPix = p.OW

	l.w = make([]byte, l.groups*KH*KW*neonTapBytes)
	for g := range l.groups {
		for t := range KH * KW {
			blk := l.w[(g*KH*KW+t)*neonTapBytes:][:neonTapBytes]
			for j := range groupWidth {
				binary.LittleEndian.PutUint16(blk[2*j:], uint16(int16(filter[t*C+l.goff[g]+j])))
			}
		}
	}

	l.meta = make([]int32, l.groups*neonMetaVecs*groupWidth)
	for g := range l.groups {
		m := l.meta[g*neonMetaVecs*groupWidth:]
		for j := range groupWidth {
			c := l.goff[g] + j
			v := gemm.NewVecScaling(p.Mult[c], p.Shift[c])
			at := func(vec int) *int32 { return &m[(j/4*neonMetaVecs+vec)*4+j%4] }
			*at(neonLeft) = v.Left
			*at(neonMult) = v.Mult
			if v.Right > 0 {
				*at(neonFix) = math.MinInt32
			}
			*at(neonNegRight) = -v.Right
		}
	}
	l.cst = consts{out: p.OutOffset, qmin: p.QMin, qmax: p.QMax}
	l.packAddends(filter, p, rows, cols, rowOf, colOf)
	return l, true
}
