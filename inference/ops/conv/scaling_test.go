package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/quant"
)

// TestScalingMatchesReference checks the branch-free requantization against
// quant.MultiplyByQuantizedMultiplier on edge values and random ones.
func TestScalingMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := []int32{0, 1, -1, 2, -2, 3, -3, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1, 1 << 20, -(1 << 20)}
	for i := 0; i < 2000; i++ {
		xs = append(xs, int32(rng.Uint32()), int32(rng.IntN(1<<16)-(1<<15)))
	}
	reals := []float64{1e-9, 1e-6, 0.00390625, 0.0123, 0.25, 0.5, 0.4999999, 0.75, 1, 1.5, 2, 3.7, 100, 12345.6}
	for i := 0; i < 200; i++ {
		reals = append(reals, math.Exp(rng.Float64()*30-25))
	}
	for _, real := range reals {
		m, shift := quant.QuantizeMultiplier(real)
		s := newScaling(m, shift)
		for _, x := range xs {
			if got, want := s.apply(x), quant.MultiplyByQuantizedMultiplier(x, m, shift); got != want {
				t.Fatalf("multiplier %v (%d, %d), x %d: got %d, want %d", real, m, shift, x, got, want)
			}
		}
	}
	// Ties at every right shift: x = (2k+1) * 2^(e-1) with the multiplier 2^30 (0.5).
	for e := 1; e < 31; e++ {
		m, shift := int32(1<<30), -e
		s := newScaling(m, shift)
		for k := int32(-5); k <= 5; k++ {
			x := (2*k + 1) << (e - 1)
			if got, want := s.apply(x), quant.MultiplyByQuantizedMultiplier(x, m, shift); got != want {
				t.Fatalf("tie x %d shift %d: got %d, want %d", x, shift, got, want)
			}
		}
	}
}
