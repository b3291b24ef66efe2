//go:build amd64 || arm64

package gemm

import "unsafe"

// This file drives the assembly kernels of amd64 and arm64 alike; each
// architecture's tile file supplies tileArgs (its kernels' argument
// block), tileBytes (a scratch tile's size), setTail and kernel.

// panelAt returns the weights and meta block of panel q.
func (l *simdLayout) panelAt(q int) (w, meta unsafe.Pointer) {
	if l.wh != nil {
		w = unsafe.Pointer(&l.wh[q*l.wPanel])
	} else {
		w = unsafe.Pointer(&l.wb[q*l.wPanel])
	}
	return w, unsafe.Pointer(&l.meta[q*l.metaPanel])
}

// runSIMD drives the assembly kernels over blocks of rows: full tiles of
// l.mr rows, or single rows when few are left (up to l.single: a tile with
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
	var tile [tileBytes]int8
	t.cst = unsafe.Pointer(&l.cst)
	t.kq, t.kt = l.kq, l.kt
	tb := l.tail
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
				t.setTail(r, a[i*lda+p.k-tb:i*lda+p.k])
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
