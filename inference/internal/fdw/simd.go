//go:build amd64 || arm64

package fdw

import "unsafe"

// args is what the assembly kernels read (through go_asm.h offsets): one
// run of output pixels of one row, for groups groups of channels.
//
// in points at the input of the run's first pixel at its first in-bounds
// tap, and out at the pixel's output, both at the first group's first
// channel; w points at the first group's weights of that tap, b at its
// bias. Group g's data lie g×v×4 bytes further on (its weights g×v×4×taps
// bytes), which the kernels add in registers: the pointers here are never
// moved past their slices. nfy × nfx are the in-bounds taps (both 0 when
// there are none: the outputs are then the clamped bias), inRow and inCol
// the bytes between taps in the input, wRow the bytes between filter rows
// of the weights, inPix and outPix the bytes between pixels.
type args struct {
	in, out, w, b unsafe.Pointer
	cst           unsafe.Pointer // *consts
	groups        int
	pixels        int
	nfy, nfx      int
	taps          int // KH × KW
	inPix, outPix int
	inRow, inCol  int
	wRow          int
}

// runSIMD computes rows [oy0, oy1) of batch n with the layout's kernel:
// for each row and run of columns, one call for the groups at multiples
// of v and one for the overlapping last group. Run has checked the
// bounds, and every address formed lies inside in and out.
func (k *Packed) runSIMD(out, in []float32, n, oy0, oy1 int) {
	p, l := &k.p, &k.simd
	C, v := p.C, l.v
	taps := p.KH * p.KW
	var a args
	a.cst = unsafe.Pointer(&l.cst)
	a.inPix, a.outPix = 4*p.SW*C, 4*C
	a.inRow, a.inCol = 4*p.DH*p.W*C, 4*p.DW*C
	a.wRow, a.taps = 4*p.KW*v, taps
	in0, out0 := unsafe.Pointer(unsafe.SliceData(in)), unsafe.Pointer(unsafe.SliceData(out))
	for oy := oy0; oy < oy1; oy++ {
		iy0 := oy*p.SH - p.PadTop
		fy0, fy1 := tapRange(iy0, p.DH, p.KH, p.H)
		for _, s := range l.segs {
			a.pixels = s.ox1 - s.ox0
			a.nfy, a.nfx = fy1-fy0, s.fx1-s.fx0
			at := 0 // the input of the first tap, or of nothing
			if a.nfy == 0 || a.nfx == 0 {
				a.nfy, a.nfx = 0, 0
			} else {
				at = ((n*p.H+iy0+fy0*p.DH)*p.W + s.ox0*p.SW - p.PadLeft + s.fx0*p.DW) * C
			}
			o := ((n*p.OH+oy)*p.OW + s.ox0) * C
			tap := (fy0*p.KW + s.fx0) * v
			if l.groups > 0 {
				a.groups = l.groups
				a.in, a.out = unsafe.Add(in0, 4*at), unsafe.Add(out0, 4*o)
				a.w, a.b = unsafe.Pointer(&l.w[tap]), unsafe.Pointer(&l.bias[0])
				l.run(&a)
			}
			if l.tail {
				c0, g := C-v, l.groups
				a.groups = 1
				a.in, a.out = unsafe.Add(in0, 4*(at+c0)), unsafe.Add(out0, 4*(o+c0))
				a.w, a.b = unsafe.Pointer(&l.w[g*taps*v+tap]), unsafe.Pointer(&l.bias[g*v])
				l.run(&a)
			}
		}
	}
}
