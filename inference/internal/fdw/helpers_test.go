package fdw

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// clampBounds are the valid clamp bounds the tests draw from.
var clampBounds = fptest.ClampBounds()

// problem is one depthwise convolution with its data.
type problem struct {
	p       Params
	batches int
	filter  []float32
	bias    []float32 // nil: none
	in      []float32
}

func (pr *problem) String() string {
	p := &pr.p
	return fmt.Sprintf("N=%d H=%d W=%d C=%d K=%dx%d S=%dx%d D=%dx%d pad=%d,%d out=%dx%d clamp=[%v,%v] bias=%v",
		pr.batches, p.H, p.W, p.C, p.KH, p.KW, p.SH, p.SW, p.DH, p.DW, p.PadTop, p.PadLeft, p.OH, p.OW, p.Min, p.Max, pr.bias != nil)
}

// naive is the package contract written from its definition: for every
// output, each tap's input position checked against the input, the
// in-bounds products (rounded) summed from +0 in (fy, fx) order, the bias
// (+0 without one) added, then max, min and the canonical NaN spelled
// out.
func (pr *problem) naive() []float32 {
	p := &pr.p
	out := make([]float32, pr.batches*p.OH*p.OW*p.C)
	for n := range pr.batches {
		for oy := range p.OH {
			for ox := range p.OW {
				for c := range p.C {
					var acc float32
					for fy := range p.KH {
						iy := oy*p.SH - p.PadTop + fy*p.DH
						for fx := range p.KW {
							ix := ox*p.SW - p.PadLeft + fx*p.DW
							if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
								continue
							}
							prod := float32(pr.in[((n*p.H+iy)*p.W+ix)*p.C+c] * pr.filter[(fy*p.KW+fx)*p.C+c])
							acc = acc + prod
						}
					}
					var b float32
					if pr.bias != nil {
						b = pr.bias[c]
					}
					v := acc + b
					o := &out[((n*p.OH+oy)*p.OW+ox)*p.C+c]
					if v != v {
						*o = fgemm.CanonicalNaN()
					} else {
						*o = fptest.GoMin(fptest.GoMax(v, p.Min), p.Max)
					}
				}
			}
		}
	}
	return out
}

// outSize returns the output extent of a window as TFLite computes it for
// SAME and VALID padding, with the padding before the first position;
// ok is false when VALID leaves no output.
func outSize(same bool, in, k, s, d int) (out, pad int, ok bool) {
	eff := (k-1)*d + 1
	if same {
		out = (in + s - 1) / s
	} else {
		out = (in - eff + s) / s
	}
	if out < 1 {
		return 0, 0, false
	}
	return out, max(0, (out-1)*s+eff-in) / 2, true
}

// randProblem draws a geometry (SAME, VALID, or any padding and output
// size, rows and columns of the window then possibly all outside the
// input), values with a share of specials, and clamp bounds.
func randProblem(rng *rand.Rand, maxHW, maxC, maxK int) *problem {
	for {
		p := Params{
			H: 1 + rng.IntN(maxHW), W: 1 + rng.IntN(maxHW), C: 1 + rng.IntN(maxC),
			KH: 1 + rng.IntN(maxK), KW: 1 + rng.IntN(maxK),
			SH: 1 + rng.IntN(3), SW: 1 + rng.IntN(3), DH: 1 + rng.IntN(3), DW: 1 + rng.IntN(3),
		}
		if rng.IntN(3) == 0 {
			p.DH, p.DW = 1, 1
		}
		var okH, okW bool
		switch rng.IntN(4) {
		case 0, 1:
			p.OH, p.PadTop, okH = outSize(true, p.H, p.KH, p.SH, p.DH)
			p.OW, p.PadLeft, okW = outSize(true, p.W, p.KW, p.SW, p.DW)
		case 2:
			p.OH, p.PadTop, okH = outSize(false, p.H, p.KH, p.SH, p.DH)
			p.OW, p.PadLeft, okW = outSize(false, p.W, p.KW, p.SW, p.DW)
		default:
			p.PadTop, p.PadLeft = rng.IntN(5), rng.IntN(5)
			p.OH, p.OW = 1+rng.IntN(p.H+3), 1+rng.IntN(p.W+3)
			okH, okW = true, true
		}
		if !okH || !okW {
			continue
		}
		b := clampBounds[rng.IntN(len(clampBounds))]
		p.Min, p.Max = b[0], b[1]
		special := []float64{0, 0, 0.002, 0.02, 0.2}[rng.IntN(5)]
		pr := &problem{p: p, batches: 1 + rng.IntN(2)}
		pr.filter = fptest.RandFloats(rng, p.KH*p.KW*p.C, special)
		pr.in = fptest.RandFloats(rng, pr.batches*p.H*p.W*p.C, special)
		if rng.IntN(4) > 0 {
			pr.bias = fptest.RandFloats(rng, p.C, special)
		}
		return pr
	}
}

// sentinel fills an output buffer with a NaN pattern no kernel produces,
// so that a write outside the requested rows shows.
func sentinel(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = math.Float32frombits(0x7FBADBAD - uint32(i%7))
	}
	return s
}

// run packs pr for path and runs every batch, its rows split at random
// points into separate calls, into a sentinel-filled buffer. It returns
// the output and the path that ran.
func (pr *problem) run(t testing.TB, path gemm.Path, rng *rand.Rand) ([]float32, gemm.Path) {
	t.Helper()
	k, err := Pack(path, pr.filter, pr.bias, pr.p)
	if err != nil {
		t.Fatalf("%v: pack %s: %v", pr, path, err)
	}
	out := sentinel(pr.batches * pr.p.OH * pr.p.OW * pr.p.C)
	for n := range pr.batches {
		for oy := 0; oy < pr.p.OH; {
			end := min(pr.p.OH, oy+1+rng.IntN(pr.p.OH))
			if err := k.Run(out, pr.in, n, oy, end); err != nil {
				t.Fatalf("%v: run %s: %v", pr, path, err)
			}
			oy = end
		}
	}
	return out, k.Path()
}

// firstDiff describes the first output whose bits differ, or "".
func firstDiff(p *Params, got, want []float32) string {
	i := fptest.FirstDiff(got, want)
	if i < 0 {
		return ""
	}
	if i >= min(len(got), len(want)) {
		return fmt.Sprintf("%d outputs, want %d", len(got), len(want))
	}
	px := i / p.C
	return fmt.Sprintf("batch %d row %d column %d channel %d: %s",
		px/(p.OH*p.OW), px/p.OW%p.OH, px%p.OW, i%p.C, fptest.Mismatch(got[i], want[i]))
}

// check compares the generic path with the naive loops and every other
// available path with the generic one, bit for bit. It returns the
// number of SIMD paths that ran a SIMD kernel.
func (pr *problem) check(t testing.TB, rng *rand.Rand) int {
	t.Helper()
	want := pr.naive()
	ref, _ := pr.run(t, gemm.Generic, rng)
	if d := firstDiff(&pr.p, ref, want); d != "" {
		t.Fatalf("%v: the generic path differs from the naive loops: %s", pr, d)
	}
	simd := 0
	for _, path := range gemm.Paths()[1:] {
		got, ran := pr.run(t, path, rng)
		if ran != gemm.Generic {
			simd++
		}
		if d := firstDiff(&pr.p, got, ref); d != "" {
			t.Fatalf("%v: path %s (running %s) differs from the generic path: %s", pr, path, ran, d)
		}
	}
	return simd
}
