package gemm

// simdLayout is the weights and requantization of a SIMD path, in panels of
// nr channels (padded with zero weights). Along K the weights come in
// groups of 4 (the last one padded with zeros): kq full groups, then kt
// bytes when K is not a multiple of 4. (The arm64 paths count K in their
// own blocks and steps, and lay out their meta blocks differently: see
// newARMLayout.)
type simdLayout struct {
	mr, nr int // rows per tile, channels per panel
	single int // row blocks of up to this many rows use the one-row kernel
	panels int
	kq, kt int
	groups int // kq, plus one with a tail
	tail   int // activations of a row past its kernel's full K blocks, passed in tileArgs.tail

	// Elements of wb or wh, and of meta, per panel (see panelAt).
	wPanel, metaPanel int

	wb []int8  // avx512vnni, avxvnni, sdot: panels × groups × nr × 4; i8mm: see packI8MM
	wh []int16 // avx2: panels × groups × 64 (see packAVX2); neon: see packNEON

	// meta holds, per panel, metaArrays arrays of nr int32: addend, left,
	// mult, mult of the odd channel moved to the even slot, right, mask,
	// thr (see vecScaling).
	meta []int32

	cst consts
}

// The arrays of a panel's meta block, in order.
const (
	metaAddend = iota
	metaLeft
	metaMult
	metaMultOdd
	metaRight
	metaMask
	metaThr
	metaArrays
)

// consts holds the matrix-wide vectors of the epilogue; the assembly reads
// its fields through go_asm.h offsets (consts_out, ...).
type consts struct {
	c30             [4]int64 // 2^30, the rounding of the doubling high multiply
	out, qmin, qmax [8]int32
}

// newConsts returns the epilogue's matrix-wide vectors for rq.
func newConsts(rq Requant) consts {
	var c consts
	for i := range c.c30 {
		c.c30[i] = 1 << 30
	}
	for i := range c.out {
		c.out[i], c.qmin[i], c.qmax[i] = rq.OutOffset, rq.QMin, rq.QMax
	}
	return c
}

func newLayout(n, k, mr, nr, single int, rq Requant, extra int32, w []int8) simdLayout {
	l := simdLayout{mr: mr, nr: nr, single: single, panels: (n + nr - 1) / nr, kq: k / 4, kt: k % 4, tail: k % 4}
	l.groups = l.kq
	if l.kt > 0 {
		l.groups++
	}
	l.wPanel, l.metaPanel = l.groups*nr*4, metaArrays*nr
	l.meta = make([]int32, l.panels*l.metaPanel)
	for c := range n {
		base := c/nr*metaArrays*nr + c%nr
		v := newVecScaling(rq.Mult[c], rq.Shift[c])
		l.meta[base+metaAddend*nr] = foldAddend(w[c*k:(c+1)*k], rq, c, extra)
		l.meta[base+metaLeft*nr] = v.left
		l.meta[base+metaMult*nr] = v.mult
		if c%2 == 1 {
			l.meta[base-1+metaMultOdd*nr] = v.mult
		}
		l.meta[base+metaRight*nr] = v.right
		l.meta[base+metaMask*nr] = v.mask
		l.meta[base+metaThr*nr] = v.thr
	}
	l.cst = newConsts(rq)
	return l
}

// AVX2 tiles: 3 rows × 16 channels.
const (
	avx2MR     = 3
	avx2NR     = 16
	avx2Single = 1 // a lone row uses the one-row kernel
)

// packAVX2 lays the weights out for the AVX2 kernel, sign-extended to
// int16. Per panel and group of 4 k, 64 int16 make four vectors; each holds
// 4 channels × 4 k, a channel's 4 weights adjacent. The kernel broadcasts 4
// activations, sign-extends them to (a0,a1),(a2,a3) pairs repeated, and
// VPMADDWD sums one pair per 32-bit lane, so lanes 2t and 2t+1 of a vector
// accumulate halves of one channel. VPHADDD of vectors 0 and 1 then gives
// channels 0..7 in order when vector 0 holds channels 0,1,4,5 and vector 1
// holds 2,3,6,7 (VPHADDD works within 128-bit halves); vectors 2 and 3 do
// the same for channels 8..15.
func packAVX2(w []int8, n, k int, rq Requant) simdLayout {
	l := newLayout(n, k, avx2MR, avx2NR, avx2Single, rq, 0, w)
	l.wh = make([]int16, l.panels*l.wPanel)
	for c := range n {
		p, j := c/avx2NR, c%avx2NR
		h, jj := j/8, j%8
		vec := 2*h + (jj>>1)&1
		slot := jj&1 + 2*(jj>>2)
		for kk := range k {
			g := kk / 4
			l.wh[((p*l.groups+g)*4+vec)*16+slot*4+kk%4] = int16(w[c*k+kk])
		}
	}
	return l
}

// VNNI tiles: 8 rows × 32 channels (two 512-bit vectors).
const (
	vnniMR     = 8
	vnniNR     = 32
	vnniSingle = 3 // up to 3 rows use the one-row kernel, row by row
)

// AVX-VNNI tiles: 6 rows × 16 channels (two 256-bit vectors).
const (
	avxvnniMR     = 6
	avxvnniNR     = 16
	avxvnniSingle = 3 // up to 3 rows use the one-row kernel, row by row
)

// packDot lays the weights out for VPDPBUSD (avx512vnni and avxvnni, in
// panels of nr channels): per panel and group of 4 k, channel j's 4
// weights are bytes 4j..4j+3. The kernels multiply them by the
// activations plus 128 (unsigned), so the addend subtracts 128*Σ_k w.
func packDot(w []int8, n, k, mr, nr, single int, rq Requant) simdLayout {
	l := newLayout(n, k, mr, nr, single, rq, -128, w)
	l.wb = make([]int8, l.panels*l.wPanel)
	for c := range n {
		p, j := c/nr, c%nr
		for kk := range k {
			g := kk / 4
			l.wb[((p*l.groups+g)*nr+j)*4+kk%4] = w[c*k+kk]
		}
	}
	return l
}
