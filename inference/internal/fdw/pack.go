package fdw

import (
	"fmt"
	"slices"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// Packed is a depthwise filter packed for one kernel path, with its bias,
// geometry and clamp. It is immutable after packing: Run may be called on
// it from several goroutines at once.
type Packed struct {
	path gemm.Path // the path that runs
	p    Params

	w    []float32 // generic: the filter, [KH][KW][C]
	bias []float32 // generic: per channel, zeros without a bias

	simd simdLayout // avx2, avx512vnni and neon
}

// Pack validates p and packs the filter ([1, KH, KW, C] float32, as
// TFLite stores it) and the optional bias (nil, or C values) for path,
// which must be available on this CPU (gemm.Available). Filter and bias
// may hold any value, infinities and NaNs included. Shapes that the SIMD
// paths do not take are packed for the generic path instead (see the
// package comment), and gemm.SDOT runs the neon kernel; Path reports the
// path that runs.
func Pack(path gemm.Path, filter, bias []float32, p Params) (*Packed, error) {
	if !gemm.Available(path) {
		if _, err := gemm.Select(string(path)); err != nil {
			return nil, fmt.Errorf("fdw: %w", err)
		}
		return nil, fmt.Errorf("fdw: kernel path %q is not available", path)
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("fdw: pack: %w", err)
	}
	if want := p.KH * p.KW * p.C; len(filter) != want {
		return nil, fmt.Errorf("fdw: pack: filter has %d values, want %d×%d×%d = %d", len(filter), p.KH, p.KW, p.C, want)
	}
	if bias != nil && len(bias) != p.C {
		return nil, fmt.Errorf("fdw: pack: %d biases for %d channels", len(bias), p.C)
	}
	k := &Packed{path: gemm.Generic, p: p}
	if l, runs, ok := simdPack(path, filter, bias, &p); ok {
		k.simd, k.path = l, runs
		return k, nil
	}
	k.w = slices.Clone(filter)
	k.bias = make([]float32, p.C)
	copy(k.bias, bias)
	return k, nil
}

// Path returns the path that runs: the one asked for (gemm.NEON for
// gemm.SDOT), or generic for a shape the SIMD paths do not take.
func (k *Packed) Path() gemm.Path { return k.path }

// Params returns the convolution's parameters.
func (k *Packed) Params() Params { return k.p }
