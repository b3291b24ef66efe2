package fdw

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/fptest"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// TestRandomProblems checks random geometries (strides, dilations, SAME,
// VALID and arbitrary padding, channel counts across the group widths),
// values with special ones, and clamp bounds: the generic path must give
// the naive loops' bits, every other path the generic path's, and no
// path may write outside the rows it is given.
func TestRandomProblems(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := 400
	if testing.Short() {
		cases = 100
	}
	simd := 0
	for range cases {
		simd += randProblem(rng, 14, 70, 5).check(t, rng)
	}
	if len(gemm.Paths()) > 1 && simd == 0 {
		t.Fatal("no problem ran a SIMD kernel")
	}
}

// TestChannelCounts covers every channel count around the group widths
// (8 and 16) and their multiples, where the last group overlaps, with
// 3x3 windows on SAME padding and runs of 1 to 9 pixels.
func TestChannelCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for c := 1; c <= 50; c++ {
		for _, w := range []int{1, 2, 3, 4, 5, 7, 9} {
			pr := randProblem(rng, 1, 1, 1)
			p := &pr.p
			p.H, p.W, p.C, p.KH, p.KW, p.SH, p.SW, p.DH, p.DW = 3, w, c, 3, 3, 1, 1, 1, 1
			p.OH, p.PadTop, _ = outSize(true, p.H, 3, 1, 1)
			p.OW, p.PadLeft, _ = outSize(true, p.W, 3, 1, 1)
			pr.filter = fptest.RandFloats(rng, 9*c, 0.01)
			pr.in = fptest.RandFloats(rng, pr.batches*p.H*p.W*c, 0.01)
			if pr.bias != nil {
				pr.bias = fptest.RandFloats(rng, c, 0.01)
			}
			pr.check(t, rng)
		}
	}
}

// TestMobileNetShapes runs the depthwise layers of MobileNet-like
// networks: 3x3 windows, stride 1 and 2, RELU6.
func TestMobileNetShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []struct{ hw, c, stride int }{
		{28, 32, 1}, {28, 96, 2}, {14, 144, 1}, {7, 960, 1}, {15, 40, 2}, {9, 24, 1},
	} {
		pr := mobileNet(rng, s.hw, s.c, s.stride)
		pr.check(t, rng)
	}
}

// mobileNet returns a 3x3 SAME depthwise layer on an hw×hw×c input with
// RELU6 and random data.
func mobileNet(rng *rand.Rand, hw, c, stride int) *problem {
	p := Params{H: hw, W: hw, C: c, KH: 3, KW: 3, SH: stride, SW: stride, DH: 1, DW: 1, Min: 0, Max: 6}
	p.OH, p.PadTop, _ = outSize(true, hw, 3, stride, 1)
	p.OW, p.PadLeft, _ = outSize(true, hw, 3, stride, 1)
	return &problem{p: p, batches: 1,
		filter: fptest.RandFloats(rng, 9*c, 0), in: fptest.RandFloats(rng, hw*hw*c, 0), bias: fptest.RandFloats(rng, c, 0)}
}

// TestSpecialTaps puts every special value in a one-tap window against
// every special weight and bias, under every clamp: each output is one
// product plus a bias, so the epilogue's roundings, overflows, NaNs and
// signed zeros show directly. The second tap of a 1x2 window lies in the
// padding for the last column: skipped, not multiplied (an infinite
// weight times a padded zero would be NaN).
func TestSpecialTaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	specials := fptest.Specials()
	n := len(specials)
	for _, b := range clampBounds {
		for shift := range 3 {
			p := Params{H: 1, W: n, C: n, KH: 1, KW: 2, SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: n, Min: b[0], Max: b[1]}
			pr := &problem{p: p, batches: 1}
			pr.in = make([]float32, n*n)
			pr.filter = make([]float32, 2*n)
			pr.bias = make([]float32, n)
			for c := range n {
				pr.filter[c] = specials[(c+shift)%n]
				pr.filter[n+c] = specials[(c*7+shift)%n]
				pr.bias[c] = specials[(c*3+shift)%n]
				for x := range n {
					pr.in[x*n+c] = specials[(x+c)%n]
				}
			}
			pr.check(t, rng)
		}
	}
}

// TestSkippedTapsAreNotZeros pins the reference's skipping: an infinite
// weight on a padded tap must leave the output finite, and a window
// wholly in the padding gives the clamped bias.
func TestSkippedTapsAreNotZeros(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, path := range gemm.Paths() {
		// 1x3 window, SAME: column 0's left tap and column 1's right tap
		// are padding; their weights are infinite.
		c := 9
		p := Params{H: 1, W: 2, C: c, KH: 1, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadLeft: 1, OH: 1, OW: 2,
			Min: -math.MaxFloat32, Max: math.MaxFloat32}
		filter := make([]float32, 3*c)
		in := make([]float32, 2*c)
		for ch := range c {
			filter[ch], filter[c+ch], filter[2*c+ch] = inf, 2, inf
			in[ch], in[c+ch] = 1, float32(ch)
		}
		k, err := Pack(path, filter, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		// Column 0 reads in[0] (weight 2) and in[1] (inf): inf unless
		// in[1] is 0 (channel 0: 0*inf is NaN). Column 1 reads in[0] (inf)
		// and in[1] (2): always inf.
		out := sentinel(2 * c)
		if err := k.Run(out, in, 0, 0, 1); err != nil {
			t.Fatal(err)
		}
		for ch := range c {
			want0 := float32(math.MaxFloat32)
			if ch == 0 {
				want0 = math.Float32frombits(0x7FC00000)
			}
			if math.Float32bits(out[ch]) != math.Float32bits(want0) || out[c+ch] != math.MaxFloat32 {
				t.Fatalf("%s (running %s) channel %d: got %v, %v", path, k.Path(), ch, out[ch], out[c+ch])
			}
		}
		// A 3x3 window over a 1x1 input with padding 5: no tap is inside.
		p = Params{H: 1, W: 1, C: c, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadTop: 5, PadLeft: 5, OH: 2, OW: 2, Min: -1, Max: 1}
		bias := make([]float32, c)
		for ch := range bias {
			bias[ch] = float32(ch) - 4
		}
		k, err = Pack(path, make([]float32, 9*c), bias, p)
		if err != nil {
			t.Fatal(err)
		}
		out = sentinel(4 * c)
		if err := k.Run(out, make([]float32, c), 0, 0, 2); err != nil {
			t.Fatal(err)
		}
		for i, v := range out {
			if want := min(max(bias[i%c], -1), 1); v != want {
				t.Fatalf("%s: output %d = %v, want the clamped bias %v", path, i, v, want)
			}
		}
	}
}

// TestPathsRun checks which kernel runs: the SIMD paths take 8 channels
// and more (16 for the avx512vnni kernel proper) and report the path that
// runs; sdot runs the neon kernel.
func TestPathsRun(t *testing.T) {
	for _, path := range gemm.Paths() {
		for _, c := range []int{1, 7, 8, 15, 16, 100} {
			p := Params{H: 3, W: 3, C: c, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadTop: 1, PadLeft: 1, OH: 3, OW: 3, Min: 0, Max: 6}
			k, err := Pack(path, make([]float32, 9*c), nil, p)
			if err != nil {
				t.Fatal(err)
			}
			want := path
			switch {
			case path == gemm.Generic || c < 8:
				want = gemm.Generic
			case path == gemm.SDOT || path == gemm.I8MM:
				want = gemm.NEON
			}
			if k.Path() != want {
				t.Errorf("%s with %d channels runs %s, want %s", path, c, k.Path(), want)
			}
			if k.Params() != p {
				t.Errorf("Params() = %+v, want %+v", k.Params(), p)
			}
		}
	}
}

// TestConcurrentRows runs the rows of one Packed from several goroutines
// at once, each its own range, and requires the bits of a single call.
func TestConcurrentRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	pr := mobileNet(rng, 20, 40, 1)
	p := &pr.p
	for _, path := range gemm.Paths() {
		k, err := Pack(path, pr.filter, pr.bias, *p)
		if err != nil {
			t.Fatal(err)
		}
		want := sentinel(p.OH * p.OW * p.C)
		if err := k.Run(want, pr.in, 0, 0, p.OH); err != nil {
			t.Fatal(err)
		}
		got := sentinel(len(want))
		var wg sync.WaitGroup
		errs := make([]error, p.OH)
		for oy := range p.OH {
			wg.Go(func() { errs[oy] = k.Run(got, pr.in, 0, oy, oy+1) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if d := firstDiff(p, got, want); d != "" {
			t.Fatalf("%s: concurrent rows differ from one call: %s", path, d)
		}
	}
}
