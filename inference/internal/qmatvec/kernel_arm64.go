package qmatvec

// The assembly kernel computes nb blocks of 16 rows: for block b and each
// of its rows r, dst[b*16+r] = bias[b*16+r] + the products of the block's
// packed weights with the staged activations.

//go:noescape
func mulVecNEON(dst *int32, w *int8, x *int16, bias *int32, nb, octs int)

// blocks runs the SIMD kernel on nb blocks starting at block b0, writing
// nb*block results to dst.
func (m *Matrix) blocks(dst []int32, b0, nb int) {
	_ = dst[nb*m.block-1]
	w := &m.w[b0*m.block*m.kpad]
	if m.kernel != kernelNEON {
		m.blocksGo(dst, b0, nb)
		return
	}
	mulVecNEON(&dst[0], w, &m.x16[0], &m.bias[b0*m.block], nb, m.kpad/8)
}

//go:noescape
func dotRowsInt16NEON(dst *int32, a, b *int16, rows, cols int)

// dotRowsSIMD runs the row dot product on the NEON kernel.
func dotRowsSIMD(k kernel, dst []int32, a, b []int16, cols int) {
	if k != kernelNEON {
		dotRowsGo(dst, a, b, cols)
		return
	}
	dotRowsInt16NEON(&dst[0], &a[0], &b[0], len(dst), cols)
}
