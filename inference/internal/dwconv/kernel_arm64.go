package dwconv

import "unsafe"

// neonArgs is what the neon kernel reads (through go_asm.h offsets): one
// call computes a run of output pixels of one row that have the same
// in-bounds taps (rows × cols of them, the rectangle starting at the
// filter's (fy0, fx0)), every group of channels. Taps outside the input
// are not read at all: the pixels' addend holds the bias and the input
// offset's share of the in-bounds taps only.
type neonArgs struct {
	in      unsafe.Pointer // the input at the first pixel's first in-bounds tap, channel 0
	w       unsafe.Pointer // group 0's weights at tap (fy0, fx0)
	meta    unsafe.Pointer // the groups' meta blocks
	add     unsafe.Pointer // the pixels' addends, group 0
	goff    unsafe.Pointer // per group (int): its first channel
	out     unsafe.Pointer // the first pixel's output, channel 0
	rows    int            // in-bounds filter rows (0: no tap is in bounds)
	cols    int            // in-bounds filter columns
	rowStep int            // input bytes from one filter row to the next: DH*W*C
	tapStep int            // input bytes from one filter column to the next: DW*C
	pixStep int            // input bytes from one pixel to the next: SW*C
	wRow    int            // weight bytes from one filter row to the next: KW*32
	wGroup  int            // weight bytes from one group to the next: KH*KW*32
	cstep   int            // output bytes per pixel: C
	pixels  int
	groups  int
	outOff  int32 // the output offset, qmin and qmax, broadcast by the kernel
	qmin    int32
	qmax    int32
}

// dwNEON runs the neon kernel on a.
//
//go:noescape
func dwNEON(a *neonArgs)

// runSIMD computes output rows [oy0, oy1) of batch n with the neon
// kernel: each row in runs of consecutive pixels with the same column
// configuration (a left border, the interior, a right border, in most
// layers), at most maxPix pixels each. Run has checked the bounds.
func (k *Packed) runSIMD(out, in []int8, n, oy0, oy1 int) {
	p, l := &k.p, &k.simd
	C := p.C
	var a neonArgs
	a.meta = unsafe.Pointer(&l.meta[0])
	a.goff = unsafe.Pointer(&l.goff[0])
	a.rowStep, a.tapStep, a.pixStep = p.DH*p.W*C, p.DW*C, p.SW*C
	a.wRow, a.wGroup = p.KW*neonTapBytes, p.KH*p.KW*neonTapBytes
	a.cstep, a.groups = C, l.groups
	a.outOff, a.qmin, a.qmax = l.cst.out, l.cst.qmin, l.cst.qmax
	in0 := unsafe.Pointer(&in[n*p.inSize()])
	for oy := oy0; oy < oy1; oy++ {
		iy0 := oy*p.SH - p.PadTop
		fy0, fy1 := tapRange(iy0, p.DH, p.KH, p.H)
		o := ((n*p.OH + oy) * p.OW) * C
		for ox0 := 0; ox0 < p.OW; {
			cfg := l.colOff[ox0]
			ox1 := ox0 + 1
			for ox1 < p.OW && ox1-ox0 < l.maxPix && l.colOff[ox1] == cfg {
				ox1++
			}
			ix0 := ox0*p.SW - p.PadLeft
			fx0, fx1 := tapRange(ix0, p.DW, p.KW, p.W)
			a.add = unsafe.Pointer(&l.add[l.rowAdd[oy]+cfg/4])
			a.in, a.w, a.rows, a.cols = in0, unsafe.Pointer(&l.w[0]), 0, 0
			if fy0 < fy1 && fx0 < fx1 {
				a.rows, a.cols = fy1-fy0, fx1-fx0
				a.in = unsafe.Add(in0, ((iy0+fy0*p.DH)*p.W+ix0+fx0*p.DW)*C)
				a.w = unsafe.Pointer(&l.w[(fy0*p.KW+fx0)*neonTapBytes])
			}
			a.out = unsafe.Pointer(&out[o+ox0*C])
			a.pixels = ox1 - ox0
			dwNEON(&a)
			ox0 = ox1
		}
	}
}
