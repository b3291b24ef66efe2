package fdw

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// TestPackRejects checks that invalid parameters are errors that say what
// is wrong, on every path.
func TestPackRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	base := mobileNet(rng, 8, 16, 1)
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name   string
		edit   func(p *Params, f, b *[]float32)
		substr string
	}{
		{"zero height", func(p *Params, _, _ *[]float32) { p.H = 0 }, "H = 0"},
		{"negative stride", func(p *Params, _, _ *[]float32) { p.SW = -1 }, "SW = -1"},
		{"zero dilation", func(p *Params, _, _ *[]float32) { p.DH = 0 }, "DH = 0"},
		{"zero output", func(p *Params, _, _ *[]float32) { p.OW = 0 }, "OW = 0"},
		{"zero channels", func(p *Params, _, _ *[]float32) { p.C = 0 }, "C = 0"},
		{"negative padding", func(p *Params, _, _ *[]float32) { p.PadTop = -1 }, "padding"},
		{"huge geometry", func(p *Params, _, _ *[]float32) { p.OH, p.SH = 1<<28, 1<<20 }, "too large"},
		{"huge tensor", func(p *Params, _, _ *[]float32) { p.H, p.W = 1<<16, 1<<16 }, "too large"},
		{"overflowing size", func(p *Params, _, _ *[]float32) { p.C = math.MaxInt32 }, "too large"},
		{"short filter", func(_ *Params, f, _ *[]float32) { *f = (*f)[:len(*f)-1] }, "filter has"},
		{"biases", func(_ *Params, _, b *[]float32) { *b = (*b)[:5] }, "biases"},
		{"NaN bound", func(p *Params, _, _ *[]float32) { p.Min = nan }, "clamp range"},
		{"reversed bounds", func(p *Params, _, _ *[]float32) { p.Min, p.Max = 1, -1 }, "clamp range"},
	} {
		for _, path := range gemm.Paths() {
			p := base.p
			f, b := append([]float32(nil), base.filter...), append([]float32(nil), base.bias...)
			tc.edit(&p, &f, &b)
			k, err := Pack(path, f, b, p)
			if err == nil || k != nil {
				t.Errorf("%s on %s: no error", tc.name, path)
				continue
			}
			if !strings.Contains(err.Error(), tc.substr) || !strings.HasPrefix(err.Error(), "fdw: ") {
				t.Errorf("%s on %s: error %q does not mention %q", tc.name, path, err, tc.substr)
			}
		}
	}
}

// TestPackRejectsPaths checks unknown paths and paths this CPU lacks.
func TestPackRejectsPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	pr := mobileNet(rng, 4, 8, 1)
	for _, path := range []gemm.Path{"sse9", gemm.AVX2, gemm.AVX512VNNI, gemm.NEON, gemm.SDOT, gemm.I8MM} {
		if gemm.Available(path) {
			continue
		}
		k, err := Pack(path, pr.filter, pr.bias, pr.p)
		if err == nil || k != nil || !strings.Contains(err.Error(), string(path)) {
			t.Errorf("Pack(%q) = %v, %v; want an error naming the path", path, k, err)
		}
	}
}

// TestRunRejects checks Run's argument errors on every path, and that a
// rejected call writes nothing.
func TestRunRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	pr := mobileNet(rng, 6, 24, 2)
	p := &pr.p
	outLen := p.OH * p.OW * p.C
	var nilK *Packed
	if err := nilK.Run(make([]float32, outLen), pr.in, 0, 0, 1); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("nil Packed: %v", err)
	}
	for _, path := range gemm.Paths() {
		k, err := Pack(path, pr.filter, pr.bias, *p)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name        string
			out, in     []float32
			n, oy0, oy1 int
			substr      string
		}{
			{"negative batch", sentinel(outLen), pr.in, -1, 0, 1, "batch -1"},
			{"rows reversed", sentinel(outLen), pr.in, 0, 2, 1, "rows"},
			{"rows past end", sentinel(outLen), pr.in, 0, 0, p.OH + 1, "rows"},
			{"negative row", sentinel(outLen), pr.in, 0, -1, 1, "rows"},
			{"short input", sentinel(outLen), pr.in[:len(pr.in)-1], 0, 0, 1, "input values"},
			{"second batch", sentinel(outLen), pr.in, 1, 0, 1, "input values"},
			{"short output", sentinel(outLen - 1), pr.in, 0, 0, 1, "output values"},
		} {
			err := k.Run(tc.out, tc.in, tc.n, tc.oy0, tc.oy1)
			if err == nil || !strings.Contains(err.Error(), tc.substr) || !strings.HasPrefix(err.Error(), "fdw: run: ") {
				t.Errorf("%s, %s: error %v, want one mentioning %q", path, tc.name, err, tc.substr)
			}
			if i := firstWrite(tc.out); i >= 0 {
				t.Fatalf("%s, %s: output %d written", path, tc.name, i)
			}
		}
		out := sentinel(outLen)
		if err := k.Run(out, pr.in, 0, 3, 3); err != nil {
			t.Errorf("%s: empty row range: %v", path, err)
		}
		if i := firstWrite(out); i >= 0 {
			t.Fatalf("%s: an empty row range wrote output %d", path, i)
		}
	}
}

// firstWrite returns the first element of a sentinel-filled buffer that
// no longer holds the sentinel, or -1.
func firstWrite(out []float32) int {
	want := sentinel(len(out))
	for i, v := range out {
		if math.Float32bits(v) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}
