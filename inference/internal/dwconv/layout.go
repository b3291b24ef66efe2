package dwconv

import (
	"encoding/binary"
	"slices"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// Sizes of the SIMD layout.
const (
	groupWidth = 16       // channels per group (one vector of int32 accumulators in AVX-512)
	maxSlots   = 16       // filter rows the SIMD kernels take
	qBytes     = 16 << 10 // the per-call buffer of rearranged input columns
	unitBytes  = 64       // one unit (4 rows as bytes, or 2 rows as int16) of one column of a group
)

// The per-group requantization arrays of the meta block, 16 int32 each, in
// order (see gemm.VecScaling; multOdd holds the multiplier of odd channel
// 2i+1 at 2i, for the odd lanes' 64-bit products).
const (
	metaLeft = iota
	metaMult
	metaMultOdd
	metaRight
	metaMask
	metaThr
	metaArrays
)

// simdLayout is a filter and its requantization laid out for the SIMD
// kernels.
//
// A pixel's channels are computed in blocks of 16 int32 lanes. For
// avx512vnni, channels 0 .. 64×supers-1 come in supers of 64, four blocks
// each: block k of super s holds, in lane 4L+i, channel 64s + 16L + 4k + i
// (the order in which byte unpacking within 128-bit lanes leaves them,
// and which packing back to bytes undoes). The remaining channels, and
// every channel on avx2, come in groups of 16 in order: group g covers
// goff[g] .. goff[g]+15, the last group ending at C (overlapping the one
// before when C is not a multiple of 16).
//
// Filter rows come in units of rowsPerUnit: quads of bytes for
// avx512vnni, pairs of int16 for avx2. A column of the kernels' buffer
// holds one unit after another, each unit one 64-byte vector per block of
// the super or group; the weights of one filter column fx are laid out
// alike.
//
// A pixel's accumulators start at its addend: bias + InOffset × the sum
// of its in-bounds taps' weights (- 128 × the sum of all weights for
// avx512vnni, whose unsigned operand is the input + 128). The in-bounds
// filter rows depend on the output row only, the columns on the output
// column only, so add holds one block per (row configuration, column
// configuration) pair, each blocks × 16 int32.
type simdLayout struct {
	vnni        bool
	rowsPerUnit int     // 4 (vnni) or 2 (avx2)
	units       int     // units per column: KH rounded up to rowsPerUnit, divided by it
	supers      int     // supers of 64 channels
	groups      int     // groups of 16 channels after them
	goff        []int   // per group: its first channel
	blocks      int     // 4 × supers + groups
	w           []byte  // supers: [s][fx][unit][4][64 bytes], then groups: [g][fx][unit][64 bytes]
	meta        []int32 // per block: metaArrays arrays of 16
	add         []int32 // [row config][column config][block][16]
	rowAdd      []int   // per output row: the index in add of its row configuration's block
	colOff      []int   // per output column: the byte offset of its column configuration's block
	zero        []int8  // C zeros: the input row of filter rows outside the input
	maxPix      int     // output pixels per kernel call, so that their columns fit the buffer
	noLeft      bool    // no channel shifts left
	cst         consts
}

// consts holds the values the kernels broadcast, and the byte shuffles
// that build avx512vnni's quads for groups.
type consts struct {
	c30             int64 // 2^30, the rounding of the doubling high multiply
	out, qmin, qmax int32
	shuf            [4][64]byte // per row b of a quad: lane L's byte 4i+b takes byte 4L+i of the 16 channels
}

// shape returns the supers and groups of C channels on path.
func shape(path gemm.Path, C int) (supers, groups int) {
	if path == gemm.AVX512VNNI {
		supers = C / 64
	}
	rem := C - 64*supers
	return supers, (rem + groupWidth - 1) / groupWidth
}

// columnBytes returns the bytes of one buffer column: the widest of the
// supers' (4 blocks per unit) and the groups'.
func columnBytes(path gemm.Path, p *Params) int64 {
	r := rowsPerUnit(path)
	col := int64((p.KH+r-1)/r) * unitBytes
	if s, _ := shape(path, p.C); s > 0 {
		col *= 4
	}
	return col
}

// simdFits reports whether the SIMD kernels take p.
func simdFits(path gemm.Path, p *Params) bool {
	if p.C < groupWidth || p.KH > maxSlots {
		return false
	}
	return (int64(p.KW-1)*int64(p.DW)+1)*columnBytes(path, p) <= qBytes
}

func rowsPerUnit(path gemm.Path) int {
	if path == gemm.AVX512VNNI {
		return 4
	}
	return 2
}

// channel returns the channel of lane j of block b.
func (l *simdLayout) channel(b, j int) int {
	if b < 4*l.supers {
		s, k := b/4, b%4
		return 64*s + 16*(j/4) + 4*k + j%4
	}
	return l.goff[b-4*l.supers] + j
}

// weightAt returns the offset in w of block b's weights for filter column
// fx and unit u.
func (l *simdLayout) weightAt(b, fx, u, kw int) int {
	if b < 4*l.supers {
		s, k := b/4, b%4
		return (((s*kw+fx)*l.units+u)*4 + k) * unitBytes
	}
	g := b - 4*l.supers
	return (l.supers*kw*l.units*4 + (g*kw+fx)*l.units + u) * unitBytes
}

// maxAddends bounds the addend table (rows × columns configurations ×
// channels); geometries with more border configurations than real
// networks have run on the generic path.
const maxAddends = 1 << 22

// packSIMD lays filter and p out for path (avx2 or avx512vnni), where
// simdFits holds; ok is false when the geometry has too many border
// configurations.
func packSIMD(path gemm.Path, filter []int8, p *Params) (l simdLayout, ok bool) {
	C, KH, KW := p.C, p.KH, p.KW
	rows, rowOf := configs(p.OH, func(oy int) (int, int) { return tapRange(oy*p.SH-p.PadTop, p.DH, KH, p.H) })
	cols, colOf := configs(p.OW, func(ox int) (int, int) { return tapRange(ox*p.SW-p.PadLeft, p.DW, KW, p.W) })
	if int64(len(rows))*int64(len(cols))*int64(C+4*groupWidth) > maxAddends {
		return l, false
	}
	l = simdLayout{vnni: path == gemm.AVX512VNNI, rowsPerUnit: rowsPerUnit(path)}
	l.units = (KH + l.rowsPerUnit - 1) / l.rowsPerUnit
	l.supers, l.groups = shape(path, C)
	l.blocks = 4*l.supers + l.groups
	l.goff = make([]int, max(l.groups, 1))
	for g := range l.groups {
		l.goff[g] = min(64*l.supers+g*groupWidth, C-groupWidth)
	}
	l.maxPix = int((qBytes/columnBytes(path, p)-int64((KW-1)*p.DW)-1)/int64(p.SW)) + 1

	l.packWeights(filter, p)
	l.packRequant(p)
	l.packAddends(filter, p, rows, cols, rowOf, colOf)
	l.zero = make([]int8, C)
	return l, true
}

// packWeights lays the filter out in blocks, filter columns and units
// (see weightAt): quads of bytes for avx512vnni, pairs of int16 for avx2,
// zero for the rows past KH.
func (l *simdLayout) packWeights(filter []int8, p *Params) {
	C, KH, KW := p.C, p.KH, p.KW
	l.w = make([]byte, l.blocks*KW*l.units*unitBytes)
	for b := range l.blocks {
		for fx := range KW {
			for u := range l.units {
				blk := l.w[l.weightAt(b, fx, u, KW):][:unitBytes]
				for j := range groupWidth {
					c := l.channel(b, j)
					for r := range l.rowsPerUnit {
						var v int8
						if fy := u*l.rowsPerUnit + r; fy < KH {
							v = filter[(fy*KW+fx)*C+c]
						}
						if l.vnni {
							blk[j*4+r] = byte(v)
						} else {
							binary.LittleEndian.PutUint16(blk[(j*2+r)*2:], uint16(int16(v)))
						}
					}
				}
			}
		}
	}
}

// packRequant fills the meta blocks (gemm.VecScaling per lane) and the
// constants.
func (l *simdLayout) packRequant(p *Params) {
	l.meta = make([]int32, l.blocks*metaArrays*groupWidth)
	for b := range l.blocks {
		m := l.meta[b*metaArrays*groupWidth:]
		for j := range groupWidth {
			c := l.channel(b, j)
			v := gemm.NewVecScaling(p.Mult[c], p.Shift[c])
			m[metaLeft*groupWidth+j] = v.Left
			m[metaMult*groupWidth+j] = v.Mult
			if j%2 == 1 {
				m[metaMultOdd*groupWidth+j-1] = v.Mult
			}
			m[metaRight*groupWidth+j] = v.Right
			m[metaMask*groupWidth+j] = v.Mask
			m[metaThr*groupWidth+j] = v.Thr
		}
	}
	l.noLeft = !slices.ContainsFunc(p.Shift, func(s int) bool { return s > 0 })
	l.cst = consts{c30: 1 << 30, out: p.OutOffset, qmin: p.QMin, qmax: p.QMax}
	for b := range 4 {
		for j := range 64 {
			l.cst.shuf[b][j] = 0x80 // VPSHUFB writes 0
			if j%4 == b {
				l.cst.shuf[b][j] = byte(j/16*4 + j%16/4)
			}
		}
	}
}
