package gemm

import (
	"bytes"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestSelect(t *testing.T) {
	for _, name := range []string{"", "auto", " AUTO "} {
		if p, err := Select(name); err != nil || p != Default() {
			t.Errorf("Select(%q) = %q, %v; want the default %q", name, p, err, Default())
		}
	}
	for _, p := range Paths() {
		if got, err := Select(strings.ToUpper(string(p))); err != nil || got != p {
			t.Errorf("Select(%q) = %q, %v", strings.ToUpper(string(p)), got, err)
		}
	}
	if _, err := Select("sse9"); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("Select(sse9): error %v, want unknown path", err)
	}
	for _, p := range known {
		if !Available(p) {
			_, err := Select(string(p))
			if err == nil || !strings.Contains(err.Error(), "not available") {
				t.Errorf("Select(%q): error %v, want not available", p, err)
			}
			if _, err := PackInt8With(p, []int8{1}, 1, 1, Requant{Mult: []int32{1 << 30}, Shift: []int{0}, QMin: -128, QMax: 127}); err == nil {
				t.Errorf("PackInt8With(%q) packed for an unavailable path", p)
			}
		}
	}
	if _, err := PackInt8With("sse9", []int8{1}, 1, 1, validRequant(1)); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("PackInt8With(sse9): error %v, want unknown path", err)
	}
	ps := Paths()
	if ps[0] != Generic || ps[len(ps)-1] != Default() {
		t.Errorf("Paths() = %v: want generic first and the default %q last", ps, Default())
	}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" && len(ps) != 1 {
		t.Errorf("Paths() = %v on %s, want only generic", ps, runtime.GOARCH)
	}
}

func TestSelectEnv(t *testing.T) {
	t.Setenv(EnvVar, "")
	if p, err := SelectEnv(); err != nil || p != Default() {
		t.Errorf("unset: %q, %v; want %q", p, err, Default())
	}
	t.Setenv(EnvVar, "generic")
	if p, err := SelectEnv(); err != nil || p != Generic {
		t.Errorf("generic: %q, %v", p, err)
	}
	t.Setenv(EnvVar, "avx9000")
	if _, err := SelectEnv(); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("avx9000: error %v, want one naming %s", err, EnvVar)
	}
}

func validRequant(n int) Requant {
	rq := Requant{Mult: make([]int32, n), Shift: make([]int, n), QMin: -128, QMax: 127}
	for c := range rq.Mult {
		rq.Mult[c], rq.Shift[c] = 1<<30, -8
	}
	return rq
}

func TestPackErrors(t *testing.T) {
	w := make([]int8, 6)
	cases := []struct {
		name   string
		n, k   int
		w      []int8
		mutate func(*Requant)
		want   string
	}{
		{"zero n", 0, 3, nil, nil, "positive"},
		{"negative k", 2, -3, w, nil, "positive"},
		{"short weights", 2, 3, w[:5], nil, "got 5 values, want 6"},
		{"long weights", 2, 2, w, nil, "got 6 values, want 4"},
		{"multipliers", 2, 3, w, func(rq *Requant) { rq.Mult = rq.Mult[:1] }, "1 multipliers for 2"},
		{"shifts", 2, 3, w, func(rq *Requant) { rq.Shift = nil }, "0 shifts for 2"},
		{"biases", 2, 3, w, func(rq *Requant) { rq.Bias = make([]int32, 3) }, "3 biases for 2"},
		{"negative multiplier", 2, 3, w, func(rq *Requant) { rq.Mult[1] = -5 }, "channel 1: multiplier -5"},
		{"shift", 2, 3, w, func(rq *Requant) { rq.Shift[0] = -32 }, "channel 0: shift -32"},
		{"range order", 2, 3, w, func(rq *Requant) { rq.QMin, rq.QMax = 5, 4 }, "output range [5, 4]"},
		{"range width", 2, 3, w, func(rq *Requant) { rq.QMax = 128 }, "output range [-128, 128]"},
	}
	for _, path := range Paths() {
		for _, c := range cases {
			rq := validRequant(max(c.n, 2))
			if c.mutate != nil {
				c.mutate(&rq)
			}
			_, err := PackInt8With(path, c.w, c.n, c.k, rq)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: error %v, want one containing %q", path, c.name, err, c.want)
			}
		}
	}
}

func TestRunErrors(t *testing.T) {
	const n, k = 5, 7
	for _, path := range Paths() {
		p, err := PackInt8With(path, make([]int8, n*k), n, k, validRequant(n))
		if err != nil {
			t.Fatal(err)
		}
		a, dst := make([]int8, 3*k), make([]int8, 3*n)
		cases := []struct {
			name           string
			dst            []int8
			ldd            int
			a              []int8
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
	var nilP *PackedInt8
	if err := nilP.Run(nil, 0, nil, 0, 1, 0, 0); err == nil {
		t.Error("nil PackedInt8 ran")
	}
}

func TestAccessors(t *testing.T) {
	for _, path := range Paths() {
		p, err := PackInt8With(path, make([]int8, 40*9), 40, 9, validRequant(40))
		if err != nil {
			t.Fatal(err)
		}
		if p.Path() != path || p.N() != 40 || p.K() != 9 {
			t.Errorf("%s: Path, N, K = %s, %d, %d", path, p.Path(), p.N(), p.K())
		}
		want := map[Path]int{Generic: 1, AVX2: avx2NR, AVXVNNI: avxvnniNR, AVX512VNNI: vnniNR, NEON: armNR, SDOT: armNR, I8MM: armNR}[path]
		if p.PanelWidth() != want {
			t.Errorf("%s: PanelWidth %d, want %d", path, p.PanelWidth(), want)
		}
	}
	if p, err := PackInt8([]int8{1, 2}, 1, 2, validRequant(1)); err != nil || p.Path() != Default() {
		t.Errorf("PackInt8: %v, %v; want the default path", p, err)
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const m, n, k = 13, 75, 37
	w := randInt8s(rng, n*k, -127, 127)
	a := randInt8s(rng, m*k, -128, 127)
	dst := make([]int8, m*n)
	for _, path := range Paths() {
		p, err := PackInt8With(path, w, n, k, randRequant(rng, n, k))
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

// TestConcurrentSplits runs one PackedInt8 from several goroutines, split
// by rows and by channels as a worker pool would, and compares the result
// with one whole run.
func TestConcurrentSplits(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	const m, n, k = 41, 90, 50
	w := randInt8s(rng, n*k, -127, 127)
	a := randInt8s(rng, m*k, -128, 127)
	rq := randRequant(rng, n, k)
	for _, path := range Paths() {
		p, err := PackInt8With(path, w, n, k, rq)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]int8, m*n)
		if err := p.Run(want, n, a, k, m, 0, n); err != nil {
			t.Fatal(err)
		}
		got := make([]int8, m*n)
		var wg sync.WaitGroup
		rowCuts, chanCuts := []int{0, 7, 20, 33, m}, []int{0, 16, 45, 64, n}
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
		if !bytes.Equal(asBytes(got), asBytes(want)) {
			t.Errorf("%s: split runs differ from one run", path)
		}
	}
	if !slices.Contains(Paths(), Generic) {
		t.Error("generic path missing")
	}
}

// TestVector: every path names a vector family that is itself a path, of
// the same architecture and available wherever the path is; unknown names
// have none.
func TestVector(t *testing.T) {
	want := map[Path]Path{Generic: Generic, AVX2: AVX2, AVXVNNI: AVX2, AVX512VNNI: AVX512VNNI, NEON: NEON, SDOT: NEON, I8MM: NEON}
	for _, p := range known {
		v, ok := want[p]
		if !ok {
			t.Fatalf("path %s has no expected vector family in this test", p)
		}
		if p.Vector() != v {
			t.Errorf("%s.Vector() = %s, want %s", p, p.Vector(), v)
		}
		if Available(p) && !Available(v) {
			t.Errorf("%s is available but its family %s is not", p, v)
		}
	}
	if got := Path("mmx").Vector(); got != Generic {
		t.Errorf("unknown path's family = %s, want generic", got)
	}
}
