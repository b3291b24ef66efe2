package dwconv

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// TestPackRejects checks that invalid parameters are errors that say what
// is wrong.
func TestPackRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	base := mobileNetProblem(rng, 8, 16, 1)
	for _, tc := range []struct {
		name   string
		edit   func(p *Params, f *[]int8)
		substr string
	}{
		{"zero height", func(p *Params, _ *[]int8) { p.H = 0 }, "H = 0"},
		{"negative stride", func(p *Params, _ *[]int8) { p.SW = -1 }, "SW = -1"},
		{"zero dilation", func(p *Params, _ *[]int8) { p.DH = 0 }, "DH = 0"},
		{"zero output", func(p *Params, _ *[]int8) { p.OW = 0 }, "OW = 0"},
		{"negative padding", func(p *Params, _ *[]int8) { p.PadTop = -1 }, "padding"},
		{"huge geometry", func(p *Params, _ *[]int8) { p.OH, p.SH = 1<<30, 1<<20 }, "too large"},
		{"huge tensor", func(p *Params, _ *[]int8) { p.H, p.W = 1<<16, 1<<16 }, "too large"},
		{"short filter", func(_ *Params, f *[]int8) { *f = (*f)[:len(*f)-1] }, "filter has"},
		{"multipliers", func(p *Params, _ *[]int8) { p.Mult = p.Mult[:3] }, "multipliers"},
		{"negative multiplier", func(p *Params, _ *[]int8) { p.Mult[2] = -1 }, "negative"},
		{"shifts", func(p *Params, _ *[]int8) { p.Shift = nil }, "shifts"},
		{"small shift", func(p *Params, _ *[]int8) { p.Shift[0] = -32 }, "below"},
		{"biases", func(p *Params, _ *[]int8) { p.Bias = make([]int32, 5) }, "biases"},
		{"range", func(p *Params, _ *[]int8) { p.QMin, p.QMax = 10, 9 }, "range"},
		{"range int8", func(p *Params, _ *[]int8) { p.QMax = 128 }, "range"},
		{"overflowing size", func(p *Params, _ *[]int8) { p.C = math.MaxInt32 }, "too large"},
	} {
		p := base.p
		p.Mult, p.Shift, p.Bias = append([]int32(nil), p.Mult...), append([]int(nil), p.Shift...), append([]int32(nil), p.Bias...)
		f := append([]int8(nil), base.filter...)
		tc.edit(&p, &f)
		k, err := Pack(gemm.Generic, f, p)
		if err == nil || k != nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.substr) || !strings.HasPrefix(err.Error(), "dwconv: ") {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.substr)
		}
	}
	bad := []gemm.Path{"bogus"}
	for _, p := range []gemm.Path{gemm.AVX2, gemm.AVX512VNNI, gemm.NEON, gemm.SDOT, gemm.I8MM} {
		if !gemm.Available(p) {
			bad = append(bad, p)
		}
	}
	for _, path := range bad {
		if _, err := Pack(path, base.filter, base.p); err == nil || !strings.Contains(err.Error(), string(path)) {
			t.Errorf("path %q: error %v", path, err)
		}
	}
}

// TestRunRejects checks Run's bounds checks.
func TestRunRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	pr := mobileNetProblem(rng, 8, 16, 2)
	p := &pr.p
	out := make([]int8, p.OH*p.OW*p.C)
	for _, path := range gemm.Paths() {
		k, err := Pack(path, pr.filter, pr.p)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name      string
			out, in   []int8
			n, y0, y1 int
			substr    string
		}{
			{"negative batch", out, pr.in, -1, 0, 1, "batch -1"},
			{"missing batch", out, pr.in, 1, 0, 1, "input values"},
			{"short input", out, pr.in[:len(pr.in)-1], 0, 0, 1, "input values"},
			{"short output", out[:len(out)-1], pr.in, 0, 0, 1, "output values"},
			{"rows past the end", out, pr.in, 0, 0, p.OH + 1, "rows"},
			{"reversed rows", out, pr.in, 0, 2, 1, "rows"},
			{"negative row", out, pr.in, 0, -1, 1, "rows"},
		} {
			err := k.Run(tc.out, tc.in, tc.n, tc.y0, tc.y1)
			if err == nil || !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("%s: %s: error %v, want one mentioning %q", path, tc.name, err, tc.substr)
			}
		}
		if err := k.Run(out, pr.in, 0, 3, 3); err != nil {
			t.Errorf("%s: empty row range: %v", path, err)
		}
	}
	var nilK *Packed
	if err := nilK.Run(out, pr.in, 0, 0, 1); err == nil {
		t.Error("nil Packed: no error")
	}
}
