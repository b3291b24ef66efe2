package dwconv

import (
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// neonPaths returns the arm64 paths available here; both run the neon
// kernel.
func neonPaths(t *testing.T) []gemm.Path {
	var ps []gemm.Path
	for _, p := range []gemm.Path{gemm.NEON, gemm.SDOT, gemm.I8MM} {
		if gemm.Available(p) {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		t.Skip("neon: not available on this CPU")
	}
	return ps
}

// checkNEON packs pr for each arm64 path, checks that the neon kernel
// runs, and compares every output byte (run row by row) with the naive
// loops.
func checkNEON(t *testing.T, pr *problem) {
	t.Helper()
	want := pr.want()
	for _, path := range neonPaths(t) {
		k, err := Pack(path, pr.filter, pr.p)
		if err != nil {
			t.Fatalf("%s: %v: %v", path, pr, err)
		}
		if k.Path() != gemm.NEON {
			t.Fatalf("%s: %v runs on %s", path, pr, k.Path())
		}
		p := &pr.p
		got := make([]int8, len(want))
		for n := range pr.batches {
			for oy := range p.OH {
				if err := k.Run(got, pr.in, n, oy, oy+1); err != nil {
					t.Fatal(err)
				}
			}
		}
		checkSame(t, string(path), pr, got, want)
	}
}

// TestNEONBorders runs geometries whose windows lie partly or wholly
// outside the input (whole rows and columns of pixels with no tap in
// bounds), with 16 filter rows (the most the kernel takes), wide dilated
// filters and channel counts around the groups of 16.
func TestNEONBorders(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, c := range []int{16, 17, 31, 48, 100} {
		for _, g := range []struct{ h, w, kh, kw, s, d, padT, padL, oh, ow int }{
			{5, 6, 16, 1, 1, 1, 9, 0, 12, 6},   // 16 rows, the first and last outputs without taps
			{4, 9, 3, 7, 1, 2, 1, 14, 3, 20},   // dilated wide filter, left columns without taps
			{7, 7, 5, 5, 3, 1, 6, 6, 5, 5},     // strided, padding past the filter
			{1, 1, 3, 3, 1, 1, 1, 1, 3, 3},     // a single input pixel
			{9, 30, 2, 4, 2, 3, 0, 3, 4, 12},   // even filter sizes
			{3, 40, 1, 1, 1, 1, 0, 0, 3, 40},   // pointwise: every tap in bounds
			{6, 6, 3, 3, 1, 1, 10, 10, 2, 2},   // no output has a tap in bounds
			{16, 16, 3, 3, 2, 1, 0, 0, 8, 8},   // stride 2, the last column's taps past the input
			{12, 3, 16, 3, 1, 1, 15, 1, 27, 3}, // every row configuration of 16 rows
		} {
			pr := &problem{batches: 2}
			p := &pr.p
			p.H, p.W, p.C, p.KH, p.KW = g.h, g.w, c, g.kh, g.kw
			p.SH, p.SW, p.DH, p.DW = g.s, g.s, g.d, g.d
			p.PadTop, p.PadLeft, p.OH, p.OW = g.padT, g.padL, g.oh, g.ow
			p.InOffset, p.OutOffset = int32(rng.IntN(256)-127), int32(rng.IntN(256)-128)
			p.QMin, p.QMax = -128, 127
			p.Mult, p.Shift, p.Bias = make([]int32, c), make([]int, c), make([]int32, c)
			for i := range c {
				p.Mult[i] = 1<<30 + int32(rng.IntN(1<<30))
				p.Shift[i] = -4 - rng.IntN(8)
				p.Bias[i] = int32(rng.IntN(1<<16) - 1<<15)
			}
			pr.filter = randInt8s(rng, p.KH*p.KW*c)
			pr.in = randInt8s(rng, pr.batches*p.H*p.W*c)
			checkNEON(t, pr)
		}
	}
}

// TestNEONRoundingTies drives every channel's accumulators across the
// ties of its right shift: a 1x1 filter of ones, with the bias at a tie
// (2q+1)·2^r of the scaling by 2^-(r+1) and the inputs taking every int8
// value, so that the accumulators run from the tie - 128 to the tie + 127.
// The reference rounds ties away from zero, SRSHL rounds them up: the
// epilogue's fix-up must make up the difference for negative values.
func TestNEONRoundingTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	const c = 48
	pr := &problem{batches: 1}
	p := &pr.p
	p.H, p.W, p.C, p.KH, p.KW, p.SH, p.SW, p.DH, p.DW, p.OH, p.OW = 16, 16, c, 1, 1, 1, 1, 1, 1, 16, 16
	p.QMin, p.QMax = -128, 127
	p.Mult, p.Shift, p.Bias = make([]int32, c), make([]int, c), make([]int32, c)
	for i := range c {
		r := 1 + i%29
		lim := min(60, (1<<(30-r)-1)/2)
		q := int32(rng.IntN(2*lim+1) - lim)
		p.Mult[i], p.Shift[i] = 1<<30, -r
		p.Bias[i] = (2*q + 1) << r
	}
	pr.filter = make([]int8, c)
	for i := range pr.filter {
		pr.filter[i] = 1
	}
	pr.in = make([]int8, p.H*p.W*c)
	for px := range p.H * p.W {
		for i := range c {
			pr.in[px*c+i] = int8(px)
		}
	}
	checkNEON(t, pr)
}
