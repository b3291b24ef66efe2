package dwconv

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// simdPaths returns the SIMD paths of this package available on this CPU
// (gemm.SDOT among them: it runs the neon kernel).
func simdPaths() []gemm.Path {
	var ps []gemm.Path
	for _, p := range []gemm.Path{gemm.AVX2, gemm.AVXVNNI, gemm.AVX512VNNI, gemm.NEON, gemm.SDOT, gemm.I8MM} {
		if gemm.Available(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// kernelOf returns the kernel that a SIMD path runs: gemm.NEON for
// gemm.SDOT, which has no depthwise kernel of its own.
func kernelOf(path gemm.Path) gemm.Path {
	if path == gemm.SDOT || path == gemm.I8MM {
		return gemm.NEON
	}
	return path
}

// sentinel fills outputs before a run, to catch unwritten or stray bytes.
const sentinel = int8(0x5a)

// runSplit runs k over every batch, in random row ranges, and returns the
// output.
func runSplit(t testing.TB, k *Packed, pr *problem, rng *rand.Rand) []int8 {
	t.Helper()
	p := &pr.p
	out := bytes.Repeat([]byte{byte(sentinel)}, pr.batches*p.OH*p.OW*p.C)
	o := int8s(out)
	for n := range pr.batches {
		for oy := 0; oy < p.OH; {
			oy1 := oy + 1 + rng.IntN(p.OH-oy)
			if err := k.Run(o, pr.in, n, oy, oy1); err != nil {
				t.Fatalf("%v: run rows [%d, %d): %v", pr, oy, oy1, err)
			}
			oy = oy1
		}
	}
	return o
}

func int8s(b []byte) []int8 {
	s := make([]int8, len(b))
	for i, v := range b {
		s[i] = int8(v)
	}
	return s
}

// want returns the naive output of every batch.
func (pr *problem) want() []int8 {
	var w []int8
	for n := range pr.batches {
		w = append(w, naive(&pr.p, pr.filter, pr.in, n)...)
	}
	return w
}

// checkSame fails at the first byte where got differs from want.
func checkSame(t testing.TB, what string, pr *problem, got, want []int8) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			p := &pr.p
			c := i % p.C
			px := i / p.C
			t.Fatalf("%s: %v: byte %d (batch %d, row %d, column %d, channel %d): got %d, want %d",
				what, pr, i, px/(p.OH*p.OW), px/p.OW%p.OH, px%p.OW, c, got[i], want[i])
		}
	}
}

// TestPathsMatchNaive runs random convolutions on every path available on
// this CPU and checks each output byte against the naive loops.
func TestPathsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := 400
	if testing.Short() {
		cases = 100
	}
	simd := map[gemm.Path]int{}
	for range cases {
		pr := randProblem(rng, 40, 80)
		want := pr.want()
		for _, path := range gemm.Paths() {
			k, err := Pack(path, pr.filter, pr.p)
			if err != nil {
				t.Fatalf("%s: %v: %v", path, pr, err)
			}
			if k.Path() != gemm.Generic {
				if k.Path() != kernelOf(path) {
					t.Fatalf("%s: %v runs on %s", path, pr, k.Path())
				}
				simd[path]++
			}
			checkSame(t, string(path), pr, runSplit(t, k, pr, rng), want)
		}
	}
	for _, path := range simdPaths() {
		if simd[path] < cases/2 {
			t.Errorf("%s ran only %d of %d cases", path, simd[path], cases)
		}
		t.Logf("%s: %d of %d cases on the SIMD kernel", path, simd[path], cases)
	}
}

// TestMobileNetShapes checks the depthwise layers of MobileNet v2 (one
// output row band each, to stay fast) on every path.
func TestMobileNetShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range benchShapes {
		pr := mobileNetProblem(rng, s.hw, s.c, s.stride)
		want := naive(&pr.p, pr.filter, pr.in, 0)
		for _, path := range gemm.Paths() {
			k, err := Pack(path, pr.filter, pr.p)
			if err != nil {
				t.Fatal(err)
			}
			runs := gemm.Generic
			if slices.Contains(simdPaths(), path) {
				runs = kernelOf(path)
			}
			if k.Path() != runs {
				t.Fatalf("%s: %v runs on %s", path, pr, k.Path())
			}
			got := make([]int8, len(want))
			// The first rows, a middle band and the last row: every border configuration.
			p := &pr.p
			for _, r := range [][2]int{{0, 2}, {p.OH / 2, p.OH/2 + 1}, {p.OH - 1, p.OH}} {
				if err := k.Run(got, pr.in, 0, r[0], r[1]); err != nil {
					t.Fatal(err)
				}
				lo, hi := r[0]*p.OW*p.C, r[1]*p.OW*p.C
				checkSame(t, string(path), pr, got[lo:hi], want[lo:hi])
			}
		}
	}
}

// TestBufferChunks forces the SIMD kernels to split rows into runs of a
// few pixels (as a wide image does when its columns exceed the buffer).
func TestBufferChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		pr := randProblem(rng, 30, 80)
		want := pr.want()
		for _, path := range simdPaths() {
			k, err := Pack(path, pr.filter, pr.p)
			if err != nil {
				t.Fatal(err)
			}
			if k.Path() == gemm.Generic {
				continue
			}
			k.simd.maxPix = 1 + i%4
			checkSame(t, string(path)+" in short runs", pr, runSplit(t, k, pr, rng), want)
		}
	}
}

// TestExtremes uses the corners of every value range: inputs and weights
// of -128 and 127, offsets that make the sums wrap, biases near the int32
// limits, the largest and smallest multipliers and shifts, and a single
// output value.
func TestExtremes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 80 {
		pr := randProblem(rng, 12, 48)
		p := &pr.p
		fill := func(s []int8, vals ...int8) {
			for j := range s {
				s[j] = vals[rng.IntN(len(vals))]
			}
		}
		fill(pr.filter, -128, 127, -127)
		fill(pr.in, -128, 127)
		p.InOffset = []int32{-127, 128, 1 << 24, -(1 << 30), 0x7fffffff}[i%5]
		p.OutOffset = []int32{-128, 127, 0x7fffffff, -0x80000000}[i%4]
		p.Bias = make([]int32, p.C)
		for c := range p.C {
			p.Bias[c] = []int32{0x7fffffff, -0x80000000, 0x7fff0000, 1}[rng.IntN(4)]
			p.Mult[c] = []int32{0, 1, 1 << 30, 0x7fffffff, int32(rng.Uint32() >> 1)}[rng.IntN(5)]
			p.Shift[c] = []int{-31, -30, -1, 0, 1, 7, 31, 32, 40}[rng.IntN(9)]
		}
		if i%3 == 0 {
			v := int32(rng.IntN(256) - 128)
			p.QMin, p.QMax = v, v
		}
		want := pr.want()
		for _, path := range gemm.Paths() {
			k, err := Pack(path, pr.filter, pr.p)
			if err != nil {
				t.Fatalf("%s: %v: %v", path, pr, err)
			}
			checkSame(t, string(path), pr, runSplit(t, k, pr, rng), want)
		}
	}
}

// TestConcurrentRows runs one Packed from several goroutines on
// interleaved rows.
func TestConcurrentRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	pr := mobileNetProblem(rng, 28, 48, 1)
	want := naive(&pr.p, pr.filter, pr.in, 0)
	for _, path := range gemm.Paths() {
		k, err := Pack(path, pr.filter, pr.p)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int8, len(want))
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for w := range 4 {
			wg.Go(func() {
				for oy := w; oy < pr.p.OH; oy += 4 {
					if err := k.Run(got, pr.in, 0, oy, oy+1); err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkSame(t, string(path)+" concurrently", pr, got, want)
	}
}

// TestRunAllocatesNothing checks that Run allocates nothing on any path.
func TestRunAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pr := mobileNetProblem(rng, 14, 64, 2)
	out := make([]int8, pr.p.OH*pr.p.OW*pr.p.C)
	for _, path := range gemm.Paths() {
		k, err := Pack(path, pr.filter, pr.p)
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if err := k.Run(out, pr.in, 0, 0, pr.p.OH); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per run", path, allocs)
		}
	}
}

// TestPathFallback checks which shapes the SIMD paths take: fewer than 16
// channels, or more than 16 filter rows, run on the generic path.
func TestPathFallback(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, tc := range []struct {
		c, kh int
		simd  bool
	}{{16, 3, true}, {17, 1, true}, {15, 3, false}, {1, 3, false}, {32, 16, true}, {32, 17, false}} {
		pr := mobileNetProblem(rng, 20, tc.c, 1)
		p := &pr.p
		p.KH, p.PadTop = tc.kh, tc.kh/2
		pr.filter = randInt8s(rng, p.KH*p.KW*p.C)
		want := naive(p, pr.filter, pr.in, 0)
		for _, path := range simdPaths() {
			k, err := Pack(path, pr.filter, *p)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.Path() == kernelOf(path); got != tc.simd {
				t.Errorf("%s: C %d KH %d: runs on %s", path, tc.c, tc.kh, k.Path())
			}
			checkSame(t, string(path), pr, runSplit(t, k, pr, rng), want)
		}
	}
}

// mobileNetProblem returns a 3x3 SAME depthwise layer of MobileNet v2's
// kind: hw×hw×c input, stride 1 or 2, relu6 output range.
func mobileNetProblem(rng *rand.Rand, hw, c, stride int) *problem {
	pr := &problem{batches: 1}
	p := &pr.p
	p.H, p.W, p.C, p.KH, p.KW, p.SH, p.SW, p.DH, p.DW = hw, hw, c, 3, 3, stride, stride, 1, 1
	p.OH, p.PadTop = window(hw, 3, stride, 1, true)
	p.OW, p.PadLeft = window(hw, 3, stride, 1, true)
	p.InOffset, p.OutOffset, p.QMin, p.QMax = 128, -128, -128, 127
	p.Mult, p.Shift, p.Bias = make([]int32, c), make([]int, c), make([]int32, c)
	for i := range c {
		p.Mult[i] = 1<<30 + int32(rng.IntN(1<<30))
		p.Shift[i] = -6 - rng.IntN(4)
		p.Bias[i] = int32(rng.IntN(1<<14) - 1<<13)
	}
	pr.filter = randInt8s(rng, 9*c)
	pr.in = randInt8s(rng, hw*hw*c)
	return pr
}

// TestPackCopies checks that a Packed keeps its own copies: changing the
// caller's filter and requantization slices after Pack changes nothing.
func TestPackCopies(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	pr := mobileNetProblem(rng, 9, 80, 1)
	want := naive(&pr.p, pr.filter, pr.in, 0)
	for _, path := range gemm.Paths() {
		f := append([]int8(nil), pr.filter...)
		p := pr.p
		p.Mult, p.Shift, p.Bias = append([]int32(nil), p.Mult...), append([]int(nil), p.Shift...), append([]int32(nil), p.Bias...)
		k, err := Pack(path, f, p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range f {
			f[i] = 0
		}
		for c := range p.C {
			p.Mult[c], p.Shift[c], p.Bias[c] = 1, 5, 77
		}
		got := make([]int8, len(want))
		if err := k.Run(got, pr.in, 0, 0, pr.p.OH); err != nil {
			t.Fatal(err)
		}
		checkSame(t, string(path), pr, got, want)
		if kp := k.Params(); kp.H != pr.p.H || kp.Mult[0] != pr.p.Mult[0] {
			t.Errorf("%s: Params() = %+v", path, kp)
		}
	}
}
