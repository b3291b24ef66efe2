package qmatvec

// The assembly kernels compute nb blocks of rows: for block b and each
// of its rows r, dst[b*block+r] = bias[b*block+r] + the products of the
// block's packed weights with the staged activations.

//go:noescape
func mulVecAVX2(dst *int32, w *int8, x *int16, bias *int32, nb, pairs int)

//go:noescape
func mulVecVNNI(dst *int32, w *int8, x *uint8, bias *int32, nb, quads int)

// blocks runs the SIMD kernel on nb blocks starting at block b0, writing
// nb*block results to dst.
func (m *Matrix) blocks(dst []int32, b0, nb int) {
	_ = dst[nb*m.block-1]
	w := &m.w[b0*m.block*m.kpad]
	bias := &m.bias[b0*m.block]
	switch m.kernel {
	case kernelAVX2:
		mulVecAVX2(&dst[0], w, &m.x16[0], bias, nb, m.kpad/2)
	case kernelVNNI:
		mulVecVNNI(&dst[0], w, &m.x8[0], bias, nb, m.kpad/4)
	default:
		m.blocksGo(dst, b0, nb)
	}
}

//go:noescape
func dotRowsInt16AVX2(dst *int32, a, b *int16, rows, cols int)

// dotRowsSIMD runs the row dot product on a SIMD kernel: the AVX2 one for
// both amd64 kernels (one VPMADDWD per 16 columns leaves little for
// 512-bit registers to gain on short rows).
func dotRowsSIMD(k kernel, dst []int32, a, b []int16, cols int) {
	if k != kernelAVX2 && k != kernelVNNI {
		dotRowsGo(dst, a, b, cols)
		return
	}
	dotRowsInt16AVX2(&dst[0], &a[0], &b[0], len(dst), cols)
}
