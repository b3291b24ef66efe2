package dwconv

import (
	"unsafe"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// rowArgs is what the assembly kernels read (through go_asm.h offsets):
// one call computes a run of output pixels of one row, every group of
// channels. For each group it first fills the buffer q with the input
// columns the pixels read, rearranged into units of filter rows (see
// simdLayout), then computes each pixel from KW × units buffer vectors.
type rowArgs struct {
	rows   [maxSlots]unsafe.Pointer // per filter row: the input row at the buffer's first input column, or the zero row
	steps  [maxSlots]int            // per filter row: bytes from one input column to the next (C, or 0 for the zero row)
	q      unsafe.Pointer           // the buffer: lpad padding columns, ncols input columns, rpad padding columns
	w      unsafe.Pointer           // the supers' weights
	wg     unsafe.Pointer           // the groups' weights
	meta   unsafe.Pointer           // the supers' meta blocks
	metag  unsafe.Pointer           // the groups' meta blocks
	add    unsafe.Pointer           // the row configuration's addends, first block
	addg   unsafe.Pointer           // the row configuration's addends, first group
	colOff unsafe.Pointer           // per pixel (int): byte offset of its column configuration's addends
	goff   unsafe.Pointer           // per group (int): its first channel
	out    unsafe.Pointer           // the first pixel's output, channel 0
	cst    unsafe.Pointer           // *consts
	supers int
	groups int
	units  int // per column
	kw     int
	lpad   int
	ncols  int
	rpad   int
	pixels int
	cstep  int // output bytes per pixel: C
	// Buffer bytes per column, from one pixel's first column to the
	// next's (SW columns), and between filter columns (DW columns); weight
	// bytes per group: for the groups, then for the supers.
	col, qpix, qtap, wstep     int
	cols, qpixs, qtaps, wsteps int
	fast3                      int // 1 for 3 filter columns and 4 rows of units (3x3 filters): the unrolled loops
	noleft                     int // 1 when no channel shifts left: the requantization skips that step
	g, u                       int // kernel state: the current group or super, unit
}

// dwVNNI runs the avx512vnni kernel on a.
//
//go:noescape
func dwVNNI(a *rowArgs)

// dwAVX2 runs the avx2 kernel on a.
//
//go:noescape
func dwAVX2(a *rowArgs)

// simdPack packs filter and p for path when it is avx2, avxvnni (which
// runs the avx2 kernel: layout.go tests for avx512vnni only) or
// avx512vnni and the shape fits; runs is path.
func simdPack(path gemm.Path, filter []int8, p *Params) (l simdLayout, runs gemm.Path, ok bool) {
	if v := path.Vector(); (v != gemm.AVX2 && v != gemm.AVX512VNNI) || !simdFits(path, p) {
		return l, "", false
	}
	l, ok = packSIMD(path, filter, p)
	return l, path, ok
}

// runSIMD computes output rows [oy0, oy1) of batch n with the SIMD
// kernels, in runs of at most maxPix pixels (so that their input columns
// fit the buffer, which lives on the stack). Run has checked the bounds.
func (k *Packed) runSIMD(out, in []int8, n, oy0, oy1 int) {
	p, l := &k.p, &k.simd
	C := p.C
	var q [qBytes]byte
	var a rowArgs
	a.q = unsafe.Pointer(&q[0])
	a.w = unsafe.Pointer(&l.w[0])
	a.meta = unsafe.Pointer(&l.meta[0])
	a.goff = unsafe.Pointer(&l.goff[0])
	a.cst = unsafe.Pointer(&l.cst)
	a.supers, a.groups, a.units, a.kw = l.supers, l.groups, l.units, p.KW
	a.cstep = C
	if p.KW == 3 && l.units*l.rowsPerUnit == 4 {
		a.fast3 = 1
	}
	if l.noLeft {
		a.noleft = 1
	}
	a.col = l.units * unitBytes
	a.qpix, a.qtap, a.wstep = p.SW*a.col, p.DW*a.col, p.KW*a.col
	a.cols = 4 * a.col
	a.qpixs, a.qtaps, a.wsteps = p.SW*a.cols, p.DW*a.cols, p.KW*a.cols
	if l.groups > 0 { // (without groups these would point past the arrays)
		a.wg = unsafe.Pointer(&l.w[l.supers*a.wsteps])
		a.metag = unsafe.Pointer(&l.meta[4*l.supers*metaArrays*groupWidth])
	}
	zero := unsafe.Pointer(&l.zero[0])
	slots := l.units * l.rowsPerUnit
	in0 := unsafe.Pointer(&in[n*p.inSize()])
	for oy := oy0; oy < oy1; oy++ {
		iy0 := oy*p.SH - p.PadTop
		fy0, fy1 := tapRange(iy0, p.DH, p.KH, p.H)
		a.add = unsafe.Pointer(&l.add[l.rowAdd[oy]])
		if l.groups > 0 {
			a.addg = unsafe.Pointer(&l.add[l.rowAdd[oy]+4*l.supers*groupWidth])
		}
		o := ((n*p.OH + oy) * p.OW) * C
		for ox0 := 0; ox0 < p.OW; ox0 += l.maxPix {
			pix := min(l.maxPix, p.OW-ox0)
			cx0 := ox0*p.SW - p.PadLeft
			nq := (pix-1)*p.SW + (p.KW-1)*p.DW + 1
			lo := min(max(-cx0, 0), nq)
			hi := min(max(p.W-cx0, lo), nq)
			a.lpad, a.ncols, a.rpad = lo, hi-lo, nq-hi
			for s := range slots {
				a.rows[s], a.steps[s] = zero, 0
				if fy := s; fy >= fy0 && fy < fy1 && hi > lo {
					a.rows[s] = unsafe.Add(in0, ((iy0+fy*p.DH)*p.W+cx0+lo)*C)
					a.steps[s] = C
				}
			}
			a.colOff = unsafe.Pointer(&l.colOff[ox0])
			a.out = unsafe.Pointer(&out[o+ox0*C])
			a.pixels = pix
			if l.vnni {
				dwVNNI(&a)
			} else {
				dwAVX2(&a)
			}
		}
	}
}
