package gemm

// The i8mm kernel takes K in blocks of 8 activations, one SMMLA operand
// row, and a block is one step. Its tiles are the other arm64 paths' (4
// rows × 16 channels), except that two rows already fill half of an SMMLA,
// so only a lone row uses the one-row kernel.
const (
	i8mmBlock, i8mmStep = 8, 8
	i8mmSingle          = 1
)

// packI8MM lays the weights out for SMMLA, whose second operand is a 2x8
// matrix: per panel and block of 8 k (the last one zero-padded), the 16
// channels come in 8 pairs, and pair p is 16 bytes: channel 2p's 8
// weights, then channel 2p+1's. The kernel multiplies a pair by two rows
// of 8 activations at once, signed by signed, so the addend needs no
// correction (as for sdot).
func packI8MM(w []int8, n, k int, rq Requant) simdLayout {
	l := newARMLayout(n, k, i8mmBlock, i8mmStep, rq, w)
	l.single = i8mmSingle
	l.wb = make([]int8, l.panels*l.wPanel)
	for c := range n {
		p, j := c/armNR, c%armNR
		for kk := range k {
			g := kk / i8mmBlock
			l.wb[((p*l.groups+g)*armNR+j)*i8mmBlock+kk%i8mmBlock] = w[c*k+kk]
		}
	}
	return l
}
