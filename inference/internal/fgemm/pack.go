package fgemm

import (
	"fmt"
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// CanonicalNaNBits is the bit pattern of every NaN that Run and Clamp
// return: the positive quiet NaN with no payload.
const CanonicalNaNBits = 0x7FC00000

// CanonicalNaN returns the NaN that Run and Clamp return for every NaN.
func CanonicalNaN() float32 { return math.Float32frombits(CanonicalNaNBits) }

// Clamp is the epilogue of every output: min(max(v, lo), hi) with Go's
// builtin min and max, or CanonicalNaN when v is NaN. Reference loops
// outside this package finish their sums with it to give the bytes of Run.
func Clamp(v, lo, hi float32) float32 {
	if v != v {
		return math.Float32frombits(CanonicalNaNBits)
	}
	return min(max(v, lo), hi)
}

// PackedFloat32 is a float32 weight matrix packed for one kernel path,
// with its bias and clamp. It is immutable after packing: Run may be
// called on it from several goroutines at once.
type PackedFloat32 struct {
	path   gemm.Path
	n, k   int
	lo, hi float32

	bias []float32 // generic: per channel (zeros without a bias)
	w    []float32 // generic: a row-major copy of the weights

	simd simdLayout // avx2, avx512vnni, neon and sdot
}

// PackFloat32 packs the n×k row-major float32 weights w (row c is output
// channel c), the optional bias (nil, or n values) and the clamp range
// [min, max] (-Inf and +Inf for none) for the given path, which must be
// available on this CPU (gemm.Available). Weights and bias may hold any
// value, Inf and NaN included; the bounds must not be NaN and min must not
// exceed max.
func PackFloat32(path gemm.Path, w []float32, n, k int, bias []float32, min, max float32) (*PackedFloat32, error) {
	if !gemm.Available(path) {
		return nil, fmt.Errorf("fgemm: kernel path %q is not available on this CPU (available: %v)", path, gemm.Paths())
	}
	if n <= 0 || k <= 0 {
		return nil, fmt.Errorf("fgemm: pack %d×%d weights: dimensions must be positive", n, k)
	}
	if n > math.MaxInt32/k {
		return nil, fmt.Errorf("fgemm: pack %d×%d weights: too large", n, k)
	}
	if len(w) != n*k {
		return nil, fmt.Errorf("fgemm: pack %d×%d weights: got %d values, want %d", n, k, len(w), n*k)
	}
	if bias != nil && len(bias) != n {
		return nil, fmt.Errorf("fgemm: pack %d×%d weights: %d biases for %d channels", n, k, len(bias), n)
	}
	if min != min || max != max || min > max {
		return nil, fmt.Errorf("fgemm: pack %d×%d weights: clamp range [%v, %v]", n, k, min, max)
	}
	p := &PackedFloat32{path: path, n: n, k: k, lo: min, hi: max}
	switch {
	case path == gemm.Generic:
		p.w = append([]float32(nil), w...)
		p.bias = make([]float32, n)
		copy(p.bias, bias)
	case path.Vector() != gemm.Generic:
		p.simd = newLayout(path, w, n, k, bias, min, max)
	default: // a path of no vector family gemm knows
		return nil, fmt.Errorf("fgemm: no float32 kernel for path %s", path)
	}
	return p, nil
}

// Path returns the path p was packed for.
func (p *PackedFloat32) Path() gemm.Path { return p.path }

// N returns the number of output channels.
func (p *PackedFloat32) N() int { return p.n }

// K returns the depth: the length of an activation row.
func (p *PackedFloat32) K() int { return p.k }

// PanelWidth returns the number of channels the path's kernel computes at
// once. Channel ranges whose ends are multiples of it (or N) are written
// without an intermediate copy.
func (p *PackedFloat32) PanelWidth() int {
	if p.path == gemm.Generic {
		return 1
	}
	return p.simd.nr
}
