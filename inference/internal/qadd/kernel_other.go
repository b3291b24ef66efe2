//go:build !amd64 && !arm64

package qadd

import (
	"unsafe"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// kindFor returns the generic kernel: outside amd64 and arm64 it is the
// only available path.
func kindFor(gemm.Path) (kind, int) { return kindGeneric, 0 }

// runBlocks is not reached outside amd64 and arm64, where no path has
// blocks; it computes nb blocks of maxBlock elements with Params.Eval.
func (k *Kernel) runBlocks(out, x, y *int8, nb int) {
	n := nb * maxBlock
	o, a, b := unsafe.Slice(out, n), unsafe.Slice(x, n), unsafe.Slice(y, n)
	for i := range o {
		o[i] = k.p.Eval(a[i], b[i])
	}
}
