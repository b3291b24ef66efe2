package fgemm

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

func TestPackErrors(t *testing.T) {
	w := make([]float32, 6)
	nan := float32(math.NaN())
	cases := []struct {
		name   string
		n, k   int
		w      []float32
		bias   []float32
		lo, hi float32
		want   string
	}{
		{"zero n", 0, 3, nil, nil, 0, 1, "positive"},
		{"negative k", 2, -3, w, nil, 0, 1, "positive"},
		{"too large", math.MaxInt32, 2, w, nil, 0, 1, "too large"},
		{"short weights", 2, 3, w[:5], nil, 0, 1, "got 5 values, want 6"},
		{"long weights", 2, 2, w, nil, 0, 1, "got 6 values, want 4"},
		{"biases", 2, 3, w, make([]float32, 3), 0, 1, "3 biases for 2"},
		{"NaN min", 2, 3, w, nil, nan, 1, "clamp range"},
		{"NaN max", 2, 3, w, nil, 0, nan, "clamp range"},
		{"min above max", 2, 3, w, nil, 2, 1, "clamp range [2, 1]"},
	}
	for _, path := range gemm.Paths() {
		for _, c := range cases {
			_, err := PackFloat32(path, c.w, c.n, c.k, c.bias, c.lo, c.hi)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: error %v, want one containing %q", path, c.name, err, c.want)
			}
		}
	}
	for _, p := range []gemm.Path{"", "sse9", gemm.AVX2, gemm.AVX512VNNI, gemm.NEON, gemm.SDOT, gemm.I8MM} {
		if gemm.Available(p) {
			continue
		}
		if _, err := PackFloat32(p, []float32{1}, 1, 1, nil, 0, 1); err == nil || !strings.Contains(err.Error(), "not available") {
			t.Errorf("PackFloat32(%q): error %v, want not available", p, err)
		}
	}
}

func TestRunErrors(t *testing.T) {
	const n, k = 5, 7
	for _, path := range gemm.Paths() {
		p, err := PackFloat32(path, make([]float32, n*k), n, k, nil, -1, 1)
		if err != nil {
			t.Fatal(err)
		}
		a, dst := make([]float32, 3*k), make([]float32, 3*n)
		cases := []struct {
			name           string
			dst            []float32
			ldd            int
			a              []float32
			lda, m, c0, c1 int
			want           string
		}{
			{"negative rows", dst, n, a, k, -1, 0, n, "-1 rows"},
			{"channel end", dst, n, a, k, 3, 0, n + 1, "channels [0, 6) outside"},
			{"channel order", dst, n, a, k, 3, 3, 2, "channels [3, 2)"},
			{"channel start", dst, n, a, k, 3, -1, 2, "channels [-1, 2)"},
			{"activation stride", dst, n, a, k - 1, 2, 0, n, "stride 6 below depth 7"},
			{"output stride", dst, 3, a, k, 2, 0, 4, "stride 3 below channel end 4"},
			{"short activations", dst, n, a[:3*k-1], k, 3, 0, n, "20 activations for 3 rows"},
			{"short outputs", dst[:3*n-1], n, a, k, 3, 0, n, "14 outputs for 3 rows"},
			{"one short row", dst, n, a[:k-1], 0, 1, 0, n, "6 activations for 1 rows"},
			{"one short output row", dst[:n-1], 0, a, 0, 1, 0, n, "4 outputs for 1 rows"},
			{"huge stride", dst, n, a, math.MaxInt / 2, 3, 0, n, "activations for 3 rows"},
		}
		for _, c := range cases {
			err := p.Run(c.dst, c.ldd, c.a, c.lda, c.m, c.c0, c.c1)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: error %v, want one containing %q", path, c.name, err, c.want)
			}
		}
		// Empty work is fine, even with nil slices.
		if err := p.Run(nil, 0, nil, 0, 0, 0, n); err != nil {
			t.Errorf("%s: zero rows: %v", path, err)
		}
		if err := p.Run(nil, 0, nil, 0, 4, 2, 2); err != nil {
			t.Errorf("%s: empty channel range: %v", path, err)
		}
	}
	var nilP *PackedFloat32
	if err := nilP.Run(nil, 0, nil, 0, 1, 0, 0); err == nil {
		t.Error("nil PackedFloat32 ran")
	}
}

func TestAccessors(t *testing.T) {
	for _, path := range gemm.Paths() {
		p, err := PackFloat32(path, make([]float32, 40*9), 40, 9, nil, -1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if p.Path() != path || p.N() != 40 || p.K() != 9 {
			t.Errorf("%s: Path, N, K = %s, %d, %d", path, p.Path(), p.N(), p.K())
		}
		want := map[gemm.Path]int{gemm.Generic: 1, gemm.AVX2: avx2NR, gemm.AVXVNNI: avx2NR, gemm.AVX512VNNI: zmmNR, gemm.NEON: neonNR, gemm.SDOT: neonNR, gemm.I8MM: neonNR}[path]
		if p.PanelWidth() != want {
			t.Errorf("%s: PanelWidth %d, want %d", path, p.PanelWidth(), want)
		}
	}
}

// TestPackCopies checks that a packed matrix keeps its own copy: changing
// the caller's weights and bias afterwards changes nothing.
func TestPackCopies(t *testing.T) {
	for _, path := range gemm.Paths() {
		w, bias := []float32{1, 2, 3, 4}, []float32{10, 20}
		p, err := PackFloat32(path, w, 2, 2, bias, float32(math.Inf(-1)), float32(math.Inf(1)))
		if err != nil {
			t.Fatal(err)
		}
		w[0], bias[1] = 100, 100
		dst := make([]float32, 2)
		if err := p.Run(dst, 2, []float32{1, 1}, 2, 1, 0, 2); err != nil {
			t.Fatal(err)
		}
		if dst[0] != 13 || dst[1] != 27 {
			t.Errorf("%s: got %v, want [13 27]", path, dst)
		}
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const m, n, k = 13, 75, 37
	w := fptest.RandFloats(rng, n*k, 0)
	a := fptest.RandFloats(rng, m*k, 0)
	dst := make([]float32, m*n)
	for _, path := range gemm.Paths() {
		p, err := PackFloat32(path, w, n, k, fptest.RandFloats(rng, n, 0), 0, 6)
		if err != nil {
			t.Fatal(err)
		}
		for _, cr := range [][2]int{{0, n}, {5, 70}, {33, 34}} {
			for _, rows := range []int{1, 2, m} {
				allocs := testing.AllocsPerRun(20, func() {
					if err := p.Run(dst, n, a, k, rows, cr[0], cr[1]); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s rows %d channels %v: %v allocations per run", path, rows, cr, allocs)
				}
			}
		}
	}
}

// TestConcurrentSplits runs one PackedFloat32 from several goroutines,
// split by rows and by channels as a worker pool would, and compares the
// result with one whole run.
func TestConcurrentSplits(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	const m, n, k = 41, 90, 50
	w := fptest.RandFloats(rng, n*k, 0.01)
	a := fptest.RandFloats(rng, m*k, 0.01)
	bias := fptest.RandFloats(rng, n, 0)
	for _, path := range gemm.Paths() {
		p, err := PackFloat32(path, w, n, k, bias, -1, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, m*n)
		if err := p.Run(want, n, a, k, m, 0, n); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, m*n)
		var wg sync.WaitGroup
		rowCuts, chanCuts := []int{0, 1, 7, 20, 33, m}, []int{0, 16, 45, 64, n}
		errs := make(chan error, len(rowCuts)*len(chanCuts))
		for i := range len(rowCuts) - 1 {
			for j := range len(chanCuts) - 1 {
				r0, r1, c0, c1 := rowCuts[i], rowCuts[i+1], chanCuts[j], chanCuts[j+1]
				wg.Go(func() {
					errs <- p.Run(got[r0*n:], n, a[r0*k:], k, r1-r0, c0, c1)
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if d := firstDiff(n, got, want); d != "" {
			t.Errorf("%s: split runs differ from one run: %s", path, d)
		}
	}
}
