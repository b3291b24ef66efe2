//go:build !amd64 && !arm64

package qmatvec

// blocks runs the portable form of the block kernels: outside amd64 and
// arm64 every path maps to the portable kernel, so it is not reached in
// practice.
func (m *Matrix) blocks(dst []int32, b0, nb int) {
	m.blocksGo(dst, b0, nb)
}

// dotRowsSIMD is never reached outside amd64 and arm64; it runs the
// portable kernel.
func dotRowsSIMD(k kernel, dst []int32, a, b []int16, cols int) {
	dotRowsGo(dst, a, b, cols)
}
