package dwconv

import (
	"fmt"
	"slices"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// Packed is a depthwise filter packed for one kernel path, with its
// geometry and requantization. It is immutable after packing: Run may be
// called on it from several goroutines at once.
type Packed struct {
	path gemm.Path // the path that runs
	p    Params    // with private copies of the slices

	w  []int8         // generic: the filter, [KH][KW][C]
	sc []gemm.Scaling // generic: per channel

	simd simdLayout // avx2, avx512vnni and neon
}

// Pack validates p and packs the filter ([1, KH, KW, C] int8, as TFLite
// stores it, any int8 value allowed) for path, which must be available on
// this CPU (gemm.Available). Shapes that the SIMD paths do not take are
// packed for the generic path instead (see the package comment), and
// gemm.SDOT runs the neon kernel; Path reports the path that runs.
func Pack(path gemm.Path, filter []int8, p Params) (*Packed, error) {
	if !gemm.Available(path) {
		if _, err := gemm.Select(string(path)); err != nil {
			return nil, fmt.Errorf("dwconv: %w", err)
		}
		return nil, fmt.Errorf("dwconv: kernel path %q is not available", path)
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("dwconv: pack: %w", err)
	}
	if want := p.KH * p.KW * p.C; len(filter) != want {
		return nil, fmt.Errorf("dwconv: pack: filter has %d values, want %d×%d×%d = %d", len(filter), p.KH, p.KW, p.C, want)
	}
	p.Mult, p.Shift, p.Bias = slices.Clone(p.Mult), slices.Clone(p.Shift), slices.Clone(p.Bias)
	k := &Packed{path: gemm.Generic, p: p, w: slices.Clone(filter), sc: make([]gemm.Scaling, p.C)}
	for c := range p.C {
		k.sc[c] = gemm.NewScaling(p.Mult[c], p.Shift[c])
	}
	if l, runs, ok := simdPack(path, filter, &p); ok {
		k.simd, k.path = l, runs
	}
	return k, nil
}

// Path returns the path that runs: the one asked for (gemm.NEON for
// gemm.SDOT), or generic for a shape the SIMD paths do not take.
func (k *Packed) Path() gemm.Path { return k.path }

// Params returns the convolution's parameters (the slices are shared:
// do not modify them).
func (k *Packed) Params() Params { return k.p }
