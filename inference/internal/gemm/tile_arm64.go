package gemm

import "unsafe"

// tileArgs is what the arm64 assembly kernels read (through go_asm.h
// offsets): the activation rows of one tile (rows past the end of the
// matrix repeat its last row, and their outputs go to that row too, with
// the same values), the output rows at the first panel's column, each
// row's partial last K block, and the first panel of a run of panels.
type tileArgs struct {
	a      [armMR]unsafe.Pointer // activation rows (int8)
	d      [armMR]unsafe.Pointer // output rows (int8), at the first panel
	tail   [armMR][16]int8       // the row's activations past the full blocks, zero-padded
	w      unsafe.Pointer        // the first panel's weights
	meta   unsafe.Pointer        // the first panel's meta block
	cst    unsafe.Pointer        // *consts
	panels int                   // panels to compute, one after the other
	kq     int                   // full K blocks
	kt     int                   // steps in the partial block (0: none)
}

// gemmNEON computes t.panels panels of 4 rows × 16 channels with SMLAL.
//
//go:noescape
func gemmNEON(t *tileArgs)

// gemmNEON1 computes t.panels panels of 1 row × 16 channels with SMLAL.
//
//go:noescape
func gemmNEON1(t *tileArgs)

// gemmSDOT computes t.panels panels of 4 rows × 16 channels with SDOT.
//
//go:noescape
func gemmSDOT(t *tileArgs)

// gemmSDOT1 computes t.panels panels of 1 row × 16 channels with SDOT.
//
//go:noescape
func gemmSDOT1(t *tileArgs)

// scaleARM applies the arm64 epilogue to 16 values (meta: one panel's
// meta block), without narrowing, for tests.
//
//go:noescape
func scaleARM(dst, src *[armNR]int32, meta *int32, cst *consts)

// kernel runs the path's assembly kernel on t: the one-row kernel when
// single is set, else the full tile.
func (p *PackedInt8) kernel(t *tileArgs, single bool) {
	switch {
	case p.path == SDOT && single:
		gemmSDOT1(t)
	case p.path == SDOT:
		gemmSDOT(t)
	case single:
		gemmNEON1(t)
	default:
		gemmNEON(t)
	}
}

// armBlock returns the K block of an arm64 path's kernel: the activations
// past the last full block of a row go through tileArgs.tail.
func armBlock(p Path) int {
	if p == SDOT {
		return sdotBlock
	}
	return neonBlock
}

// panelAt returns the weights and meta block of panel q.
func (l *simdLayout) panelAt(q int) (w, meta unsafe.Pointer) {
	if l.wh != nil {
		w = unsafe.Pointer(&l.wh[q*l.groups*neonStep*armNR])
	} else {
		w = unsafe.Pointer(&l.wb[q*l.groups*sdotStep*armNR])
	}
	return w, unsafe.Pointer(&l.meta[q*armMetaPanel])
}

// runSIMD drives the assembly kernels over blocks of rows: full tiles of
// 4 rows, or single rows when few are left (up to l.single: a tile with
// duplicated rows would cost more). In each block, the run of panels that
// lie wholly in [c0, c1) is written in place, and the (at most two)
// panels cut by c0 or c1 go to a scratch tile and are copied. Rows of a
// tile past the block repeat its last row: their outputs go to the same
// place, with the same values. Run has checked the bounds: rows i < m
// start at a[i*lda] and have k activations, outputs [c0, c1) of row i
// start at dst[i*ldd+c0]. (One function, so that the scratch tile stays
// on the stack.)
func (p *PackedInt8) runSIMD(dst []int8, ldd int, a []int8, lda, m, c0, c1 int) {
	l := &p.simd
	nr := l.nr
	var t tileArgs
	var tile [armMR * armNR]int8
	t.cst = unsafe.Pointer(&l.cst)
	t.kq, t.kt = l.kq, l.kt
	tb := p.k % armBlock(p.path) // activations in the partial block
	a0, d0 := unsafe.Pointer(unsafe.SliceData(a)), unsafe.Pointer(unsafe.SliceData(dst))
	p0, p1 := c0/nr, (c1+nr-1)/nr // panels touched
	f0, f1 := (c0+nr-1)/nr, c1/nr // panels wholly inside
	for r0 := 0; r0 < m; {
		rows, single := min(l.mr, m-r0), false
		if rows <= l.single {
			rows, single = 1, true
		}
		for r := range l.mr {
			i := r0 + min(r, rows-1)
			t.a[r] = unsafe.Add(a0, i*lda)
			if tb > 0 {
				// The bytes past tb stay zero: every copy has length tb.
				copy(t.tail[r][:tb], a[i*lda+p.k-tb:i*lda+p.k])
			}
		}
		for q := p0; q < p1; q++ {
			if q == f0 && f0 < f1 {
				for r := range l.mr {
					i := r0 + min(r, rows-1)
					t.d[r] = unsafe.Add(d0, i*ldd+f0*nr)
				}
				t.w, t.meta = l.panelAt(f0)
				t.panels = f1 - f0
				p.kernel(&t, single)
				q = f1 - 1
				continue
			}
			for r := range l.mr {
				t.d[r] = unsafe.Pointer(&tile[r*nr])
			}
			t.w, t.meta = l.panelAt(q)
			t.panels = 1
			p.kernel(&t, single)
			lo, hi := max(c0, q*nr), min(c1, (q+1)*nr)
			for r := range rows {
				i := r0 + r
				copy(dst[i*ldd+lo:i*ldd+hi], tile[r*nr+lo-q*nr:r*nr+hi-q*nr])
			}
		}
		r0 += rows
	}
}
