//go:build !amd64 && !arm64

package dwconv

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// simdPack packs nothing outside amd64 and arm64, where generic is the
// only available path.
func simdPack(gemm.Path, []int8, *Params) (l simdLayout, runs gemm.Path, ok bool) {
	return l, "", false
}

// runSIMD is never reached outside amd64 and arm64; it runs the portable
// kernel for completeness.
func (k *Packed) runSIMD(out, in []int8, n, oy0, oy1 int) {
	k.runGeneric(out, in, n, oy0, oy1)
}
