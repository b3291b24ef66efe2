package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// packedFloatConv is CONV_2D's float32 path (packedGEMM) through the SIMD
// GEMM of inference/internal/fgemm: the bias and the activation clamp are
// packed with the filter, and padded taps read +0 as in the reference
// (runFloat). fgemm sums every output in the reference's order, so the
// bytes are runFloat's.
type packedFloatConv = packedGEMM[float32, *fgemm.PackedFloat32]

// preparePackedFloat packs the float filter when the SIMD path applies;
// it returns the scratch bytes per worker the path needs.
func (k *Conv2D) preparePackedFloat(n *ops.Node) (int, error) {
	if !k.packable(n) {
		return 0, nil
	}
	w := k.filter.Float32()
	var bias []float32
	if k.bias != nil {
		bias = k.bias.Float32()
	}
	p, bytes, err := packGroups[float32](k, n, 4, func(c0, c1 int) (*fgemm.PackedFloat32, error) {
		var b []float32
		if bias != nil {
			b = bias[c0:c1]
		}
		return fgemm.PackFloat32(n.Kernels, w[c0*k.k:c1*k.k], k.perGroup, k.k, b, k.fmin, k.fmax)
	})
	if err != nil {
		return 0, err
	}
	k.ffast = p
	return bytes, nil
}

// runPackedFloat computes output pixels [lo, hi) with the packed float
// filter.
func (k *Conv2D) runPackedFloat(buf []byte, lo, hi int) {
	runPackedGEMM(k, k.ffast, k.in.Float32(), k.out.Float32(), float32s(buf), 0, lo, hi)
}
