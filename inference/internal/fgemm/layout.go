package fgemm

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// Tile shapes of the SIMD kernels: rows × channels per tile, the row
// blocks small enough for the one-row kernel, and the step along K in
// which the weights are laid out (the arm64 kernel reads 4 activations
// of a row at once and multiplies by lane).
const (
	avx2MR, avx2NR, avx2Single = 6, 16, 2
	zmmMR, zmmNR, zmmSingle    = 8, 32, 3
	neonMR, neonNR, neonSingle = 4, 16, 1
	neonStep                   = 4

	maxMR = zmmMR
	maxNR = zmmNR

	// rowPanels is how many panels the one-row kernel computes at once.
	rowPanels = 4
)

// simdLayout is the weights, bias and clamp of a SIMD path, in panels of
// nr channels. A panel holds kp rows of nr weights (channel j at position
// j), K rounded up to the kernel's step; the channels past N and the rows
// past K are zero. Zero weights times zero activations (the kernel reads
// the activations past K from a zero-filled tail) add +0 to a sum, which
// changes no sum: a sum started at +0 is never -0 under round to nearest,
// and x + (+0) == x for every other x.
type simdLayout struct {
	mr, nr int // rows per tile, channels per panel
	single int // row blocks of up to this many rows use the one-row kernel
	panels int
	kp     int // rows per panel: K rounded up to the step
	kq, kt int // arm64: full blocks of neonStep along K, and the size of the partial one

	w    []float32 // panels × kp × nr
	bias []float32 // panels × nr
	cst  consts
}

// consts is what every kernel call reads at fixed offsets: the clamp
// bounds and the canonical NaN, each broadcast to 16 lanes (lo at 0, hi
// at 64, nan at 128).
type consts struct {
	lo, hi, nan [16]float32
}

// newLayout packs w, bias and the clamp range for a SIMD path.
func newLayout(path gemm.Path, w []float32, n, k int, bias []float32, lo, hi float32) simdLayout {
	var l simdLayout
	step := 1
	switch path.Vector() {
	case gemm.AVX2: // avx2 and avxvnni
		l.mr, l.nr, l.single = avx2MR, avx2NR, avx2Single
	case gemm.AVX512VNNI:
		l.mr, l.nr, l.single = zmmMR, zmmNR, zmmSingle
	default: // gemm.NEON: neon, sdot and i8mm (PackFloat32 admits no other family)
		l.mr, l.nr, l.single = neonMR, neonNR, neonSingle
		step = neonStep
	}
	l.panels = (n + l.nr - 1) / l.nr
	l.kp = (k + step - 1) / step * step
	l.kq, l.kt = k/step, k%step
	l.w = make([]float32, l.panels*l.kp*l.nr)
	l.bias = make([]float32, l.panels*l.nr)
	for c := range n {
		q, j := c/l.nr, c%l.nr
		for kk := range k {
			l.w[(q*l.kp+kk)*l.nr+j] = w[c*k+kk]
		}
	}
	copy(l.bias, bias)
	nan := math.Float32frombits(CanonicalNaNBits)
	for i := range l.cst.lo {
		l.cst.lo[i], l.cst.hi[i], l.cst.nan[i] = lo, hi, nan
	}
	return l
}
