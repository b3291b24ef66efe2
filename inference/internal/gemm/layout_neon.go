package gemm

import "math"

// arm64 tiles, for both the neon and the sdot kernel: 4 rows × 16
// channels, the accumulators in V16..V31.
const (
	armMR     = 4
	armNR     = 16
	armSingle = 2 // up to 2 rows use the one-row kernel, row by row

	// Along K the neon kernel takes blocks of 8 activations (one vector
	// sign-extended to halfwords) and loads weights for 2 k at a time;
	// the sdot kernel takes blocks of 16 activations (one vector) and
	// groups of 4 k, one SDOT lane's worth.
	neonBlock, neonStep = 8, 2
	sdotBlock, sdotStep = 16, 4

	// A panel's meta block: per group of 4 channels, 5 vectors of 4 int32
	// (see newARMLayout).
	armMetaVecs  = 5
	armMetaPanel = armNR / 4 * armMetaVecs * 4
)

// The vectors of a group of 4 channels in an arm64 meta block, in order.
const (
	armAddend   = iota // bias + InOffset*Σ_k w
	armLeft            // left shift, 0..32
	armMult            // Q31 multiplier
	armFix             // the sign bit where the channel shifts right, else 0
	armNegRight        // minus the right shift, -31..0
)

// newARMLayout returns the shape, meta blocks and constants of an arm64
// layout over K in blocks of block activations and steps of step: kq full
// blocks, then kt steps in a partial block (zero-padded), groups steps in
// all. The meta block of a panel holds, per group of 4 channels, the
// vectors the epilogue loads at once (see ops_arm64.h): addend, left
// shift, multiplier, sign-bit fix, minus the right shift. Channels past n
// have a zero multiplier, so their (unused) outputs are the clamped output
// offset.
func newARMLayout(n, k, block, step int, rq Requant, w []int8) simdLayout {
	l := simdLayout{mr: armMR, nr: armNR, single: armSingle, panels: (n + armNR - 1) / armNR}
	l.kq = k / block
	l.kt = (k%block + step - 1) / step
	l.groups = (k + step - 1) / step
	l.tail = k % block
	l.wPanel, l.metaPanel = l.groups*step*armNR, armMetaPanel
	l.meta = make([]int32, l.panels*l.metaPanel)
	for c := range n {
		v := newVecScaling(rq.Mult[c], rq.Shift[c])
		base := c/armNR*armMetaPanel + c%armNR/4*armMetaVecs*4 + c%4
		l.meta[base+armAddend*4] = foldAddend(w[c*k:(c+1)*k], rq, c, 0)
		l.meta[base+armLeft*4] = v.left
		l.meta[base+armMult*4] = v.mult
		if v.right > 0 {
			l.meta[base+armFix*4] = math.MinInt32
		}
		l.meta[base+armNegRight*4] = -v.right
	}
	l.cst = newConsts(rq)
	return l
}

// packNEON lays the weights out for the neon kernel, sign-extended to
// int16: per panel, K (rounded up to a multiple of neonStep, the padding
// zero) rows of 16 int16, channel j at position j. The kernel loads two
// such rows (four vectors of 8 halfwords) at once and multiplies each
// vector by one activation with SMLAL/SMLAL2 by element: exact int16
// products summed into int32 lanes, channels 0-3, 4-7, 8-11, 12-15 of a
// row in four accumulators.
func packNEON(w []int8, n, k int, rq Requant) simdLayout {
	l := newARMLayout(n, k, neonBlock, neonStep, rq, w)
	l.wh = make([]int16, l.panels*l.wPanel)
	for c := range n {
		p, j := c/armNR, c%armNR
		for kk := range k {
			l.wh[(p*l.groups*neonStep+kk)*armNR+j] = int16(w[c*k+kk])
		}
	}
	return l
}

// packSDOT lays the weights out for SDOT by element, as packDot does for
// 16 channels: per panel and group of 4 k (the last one zero-padded),
// channel j's 4 weights are bytes 4j..4j+3, so the group is four vectors
// of 4 channels. The kernel multiplies them by 4 activations of a row at
// once, signed by signed, so the addend needs no correction.
func packSDOT(w []int8, n, k int, rq Requant) simdLayout {
	l := newARMLayout(n, k, sdotBlock, sdotStep, rq, w)
	l.wb = make([]int8, l.panels*l.wPanel)
	for c := range n {
		p, j := c/armNR, c%armNR
		for kk := range k {
			g := kk / sdotStep
			l.wb[((p*l.groups+g)*armNR+j)*sdotStep+kk%sdotStep] = w[c*k+kk]
		}
	}
	return l
}
