//go:build amd64 || arm64

package fgemm

import "unsafe"

// args is what the assembly kernels read (through go_asm.h offsets).
//
// The tile kernels compute mr rows × one panel, for args.panels panels
// one after the other: a[r] is row r's activations (rows past the end of
// the matrix repeat its last row, and their outputs go to that row too,
// with the same values), d[r] the row's output at the first panel's
// column, w[0] and b[0] the first panel's weights and bias.
//
// The one-row kernels compute a[0] × rowPanels panels at once: w[j], b[j]
// and d[j] are slot j's panel weights, bias and output (slots past the
// last panel repeat it, their outputs going to scratch).
//
// kq is the number of steps along K the kernel takes from a[r] (amd64:
// K; arm64: full blocks of neonStep), and kt, on arm64, the activations
// of the partial last block, which the kernel reads from tail[r]
// (zero-padded). The tile kernels count panels down in place.
type args struct {
	a      [maxMR]unsafe.Pointer // activation rows (float32)
	d      [maxMR]unsafe.Pointer // output rows at the first panel, or the row kernel's slots
	w      [rowPanels]unsafe.Pointer
	b      [rowPanels]unsafe.Pointer
	tail   [maxMR][neonStep]float32
	cst    unsafe.Pointer // *consts
	panels int
	kq, kt int
}

// panelAt returns the weights and bias of panel q.
func (l *simdLayout) panelAt(q int) (w, b unsafe.Pointer) {
	return unsafe.Pointer(&l.w[q*l.kp*l.nr]), unsafe.Pointer(&l.bias[q*l.nr])
}

// runSIMD drives the assembly kernels over blocks of rows: full tiles of
// mr rows, or single rows when few are left (up to l.single: a tile with
// repeated rows would cost more).
//
// In a tile block, the run of panels that lie wholly in [c0, c1) is
// written in place, and the (at most two) panels cut by c0 or c1 go to a
// scratch tile and are copied. A single row goes to the one-row kernel,
// rowPanels panels per call: a panel wholly inside the range is written
// in place, one cut by c0 or c1 (or by N) goes to its slot of the scratch
// tile and is copied, and the slots past the last panel repeat it into
// scratch.
//
// Run has checked the bounds: rows i < m start at a[i*lda] and have k
// activations, outputs [c0, c1) of row i start at dst[i*ldd+c0]. (One
// function, so that the scratch tile stays on the stack.)
func (p *PackedFloat32) runSIMD(dst []float32, ldd int, a []float32, lda, m, c0, c1 int) {
	l := &p.simd
	nr := l.nr
	var t args
	var tile [maxMR * maxNR]float32
	t.cst = unsafe.Pointer(&l.cst)
	t.kq, t.kt = l.kq, l.kt
	a0, d0 := unsafe.Pointer(unsafe.SliceData(a)), unsafe.Pointer(unsafe.SliceData(dst))
	p0, p1 := c0/nr, (c1+nr-1)/nr // panels touched
	f0, f1 := (c0+nr-1)/nr, c1/nr // panels wholly inside
	for r0 := 0; r0 < m; {
		rows := min(l.mr, m-r0)
		if rows <= l.single {
			for i := r0; i < r0+rows; i++ {
				t.a[0] = unsafe.Add(a0, 4*i*lda)
				if l.kt > 0 {
					copy(t.tail[0][:l.kt], a[i*lda+p.k-l.kt:i*lda+p.k])
				}
				for g := p0; g < p1; g += rowPanels {
					for j := range rowPanels {
						q := min(g+j, p1-1)
						t.w[j], t.b[j] = l.panelAt(q)
						if g+j < p1 && q >= f0 && q < f1 {
							t.d[j] = unsafe.Add(d0, 4*(i*ldd+q*nr))
						} else {
							t.d[j] = unsafe.Pointer(&tile[j*nr])
						}
					}
					p.row(&t)
					for q := g; q < min(g+rowPanels, p1); q++ {
						if q < f0 || q >= f1 {
							lo, hi := max(c0, q*nr), min(c1, (q+1)*nr)
							j := q - g
							copy(dst[i*ldd+lo:i*ldd+hi], tile[j*nr+lo-q*nr:j*nr+hi-q*nr])
						}
					}
				}
			}
			r0 += rows
			continue
		}
		for r := range l.mr {
			i := r0 + min(r, rows-1)
			t.a[r] = unsafe.Add(a0, 4*i*lda)
			if l.kt > 0 {
				// The values past kt stay zero: every copy has length kt.
				copy(t.tail[r][:l.kt], a[i*lda+p.k-l.kt:i*lda+p.k])
			}
		}
		for q := p0; q < p1; q++ {
			if q == f0 && f0 < f1 {
				for r := range l.mr {
					i := r0 + min(r, rows-1)
					t.d[r] = unsafe.Add(d0, 4*(i*ldd+f0*nr))
				}
				t.w[0], t.b[0] = l.panelAt(f0)
				t.panels = f1 - f0
				p.tile(&t)
				q = f1 - 1
				continue
			}
			for r := range l.mr {
				t.d[r] = unsafe.Pointer(&tile[r*nr])
			}
			t.w[0], t.b[0] = l.panelAt(q)
			t.panels = 1
			p.tile(&t)
			lo, hi := max(c0, q*nr), min(c1, (q+1)*nr)
			for r := range rows {
				i := r0 + r
				copy(dst[i*ldd+lo:i*ldd+hi], tile[r*nr+lo-q*nr:r*nr+hi-q*nr])
			}
		}
		r0 += rows
	}
}
