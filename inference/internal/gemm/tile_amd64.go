package gemm

import "unsafe"

// maxMR is the most rows a SIMD tile holds.
const maxMR = vnniMR

// tileArgs is what the assembly kernels read (through go_asm.h offsets):
// the activation rows of one tile (rows past the end of the matrix repeat
// its last row, and their outputs go to that row too, with the same
// values), the output rows at the first panel's column, the partial last
// group of each row, and the first panel of a run of panels.
type tileArgs struct {
	a      [maxMR]unsafe.Pointer // activation rows (int8)
	d      [maxMR]unsafe.Pointer // output rows (int8), at the first panel
	tail   [maxMR]uint32         // the row's last k%4 activations, zero-padded
	w      unsafe.Pointer        // the first panel's weights
	meta   unsafe.Pointer        // the first panel's meta block
	cst    unsafe.Pointer        // *consts
	panels int                   // panels to compute, one after the other
	moff   int                   // the assembly's byte offset from meta to the current panel's block
	kq     int                   // full groups of 4 along K
	kt     int                   // activations in the partial last group (0: none)
}

// gemmAVX2 computes t.panels panels of 3 rows × 16 channels.
//
//go:noescape
func gemmAVX2(t *tileArgs)

// gemmVNNI computes t.panels panels of 8 rows × 32 channels.
//
//go:noescape
func gemmVNNI(t *tileArgs)

// gemmAVX2x1 computes t.panels panels of 1 row × 16 channels.
//
//go:noescape
func gemmAVX2x1(t *tileArgs)

// gemmVNNI1 computes t.panels panels of 1 row × 32 channels.
//
//go:noescape
func gemmVNNI1(t *tileArgs)

// scaleAVX2 applies the AVX2 epilogue to 16 values (meta: one 16-channel
// meta block), for tests.
//
//go:noescape
func scaleAVX2(dst, src *[avx2NR]int32, meta *int32, cst *consts)

// scaleVNNI applies the VNNI epilogue to 32 values (meta: one 32-channel
// meta block), for tests.
//
//go:noescape
func scaleVNNI(dst, src *[vnniNR]int32, meta *int32, cst *consts)

// kernel runs the path's assembly kernel on t: the one-row kernel when
// single is set, else the full tile.
func (p *PackedInt8) kernel(t *tileArgs, single bool) {
	switch {
	case p.path == AVX512VNNI && single:
		gemmVNNI1(t)
	case p.path == AVX512VNNI:
		gemmVNNI(t)
	case single:
		gemmAVX2x1(t)
	default:
		gemmAVX2(t)
	}
}

// panelAt returns the weights and meta block of panel q.
func (l *simdLayout) panelAt(q int) (w, meta unsafe.Pointer) {
	if l.wh != nil {
		w = unsafe.Pointer(&l.wh[q*l.groups*64])
	} else {
		w = unsafe.Pointer(&l.wb[q*l.groups*l.nr*4])
	}
	return w, unsafe.Pointer(&l.meta[q*metaArrays*l.nr])
}

// runSIMD drives the assembly kernels over blocks of rows: full tiles of
// mr rows, or single rows when few are left (up to l.single: a tile with
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
	var tile [maxMR * vnniNR]int8
	t.cst = unsafe.Pointer(&l.cst)
	t.kq, t.kt = l.kq, l.kt
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
			if t.kt > 0 {
				t.tail[r] = tailBytes(a[i*lda+p.k-t.kt : i*lda+p.k])
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

// tailBytes packs up to 3 trailing activations little-endian into a word,
// zero-padded.
func tailBytes(b []int8) uint32 {
	var v uint32
	for j, x := range b {
		v |= uint32(uint8(x)) << (8 * j)
	}
	return v
}
