//go:build !amd64

package dwconv

// runSIMD is never reached outside amd64, where generic is the only
// available path; it runs the portable kernel for completeness.
func (k *Packed) runSIMD(out, in []int8, n, oy0, oy1 int) {
	k.runGeneric(out, in, n, oy0, oy1)
}
