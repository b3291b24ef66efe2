package gemm

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/edge-agent/edge-agent/inference/quant"
)

// refScale is MultiplyByQuantizedMultiplier in the conv package's
// branch-free form, written out independently of the package's types.
func refScale(x, mult int32, shift int) int32 {
	var left, right uint
	var round, neg int64
	if shift > 0 {
		left = uint(shift)
	} else if shift < 0 {
		right = uint(-shift)
		round, neg = 1<<(right-1), -1
	}
	hm := (int64(x<<left)*int64(mult) + 1<<30) >> 31
	return int32((hm + round + hm>>63&neg) >> right)
}

// naive computes the reference output with a triple loop.
func naive(w []int8, n, k int, rq Requant, a []int8, lda, m int, dst []int8, ldd, c0, c1 int) {
	for i := range m {
		for c := c0; c < c1; c++ {
			var acc int32
			if rq.Bias != nil {
				acc = rq.Bias[c]
			}
			for j := range k {
				acc += (int32(a[i*lda+j]) + rq.InOffset) * int32(w[c*k+j])
			}
			r := refScale(acc, rq.Mult[c], rq.Shift[c]) + rq.OutOffset
			dst[i*ldd+c] = int8(min(max(r, rq.QMin), rq.QMax))
		}
	}
}

// problem is one random GEMM.
type problem struct {
	m, n, k  int
	lda, ldd int
	c0, c1   int
	w, a     []int8
	rq       Requant
}

func (p *problem) String() string {
	return fmt.Sprintf("m=%d n=%d k=%d lda=%d ldd=%d c=[%d,%d) in=%d out=%d q=[%d,%d] bias=%v",
		p.m, p.n, p.k, p.lda, p.ldd, p.c0, p.c1, p.rq.InOffset, p.rq.OutOffset, p.rq.QMin, p.rq.QMax, p.rq.Bias != nil)
}

func randInt8s(rng *rand.Rand, n int, lo, hi int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = int8(lo + rng.IntN(hi-lo+1))
	}
	return s
}

// randRequant draws per-channel multipliers the way TFLite makes them
// (QuantizeMultiplier of input*filter/output scales around the size that
// keeps k-term sums in range), with occasional extreme ones.
func randRequant(rng *rand.Rand, n, k int) Requant {
	rq := Requant{Mult: make([]int32, n), Shift: make([]int, n)}
	base := math.Log2(1 / (64 * math.Sqrt(float64(k)) * 64))
	for c := range n {
		var real float64
		switch rng.IntN(10) {
		case 0:
			real = math.Exp2(rng.Float64()*40 - 33) // shifts from -31 up
		case 1:
			real = math.Exp2(rng.Float64()*8 + 22) // large left shifts
		default:
			real = math.Exp2(base + rng.NormFloat64()*2)
		}
		rq.Mult[c], rq.Shift[c] = quant.QuantizeMultiplier(real)
		if rng.IntN(20) == 0 {
			rq.Mult[c] = int32(rng.Uint32() >> 1) // any non-negative multiplier
		}
	}
	if rng.IntN(4) > 0 {
		rq.Bias = make([]int32, n)
		for c := range rq.Bias {
			switch rng.IntN(8) {
			case 0:
				rq.Bias[c] = int32(rng.Uint32()) // wraps the accumulator
			default:
				rq.Bias[c] = int32(rng.IntN(1<<16) - 1<<15)
			}
		}
	}
	rq.InOffset = int32(rng.IntN(256) - 127)
	rq.OutOffset = int32(rng.IntN(256) - 128)
	switch rng.IntN(3) {
	case 0:
		rq.QMin, rq.QMax = -128, 127
	case 1: // relu6-like: [zero point, zero point + 6/scale]
		rq.QMin = int32(rng.IntN(100) - 128)
		rq.QMax = min(127, rq.QMin+int32(rng.IntN(200)))
	default:
		rq.QMin = int32(rng.IntN(256) - 128)
		rq.QMax = rq.QMin + int32(rng.IntN(int(128-rq.QMin)))
	}
	return rq
}

func randProblem(rng *rand.Rand, maxM, maxN, maxK int) *problem {
	p := &problem{m: 1 + rng.IntN(maxM), n: 1 + rng.IntN(maxN), k: 1 + rng.IntN(maxK)}
	p.lda = p.k + rng.IntN(3)*rng.IntN(7)
	p.ldd = p.n + rng.IntN(3)*rng.IntN(9)
	p.c0, p.c1 = 0, p.n
	if rng.IntN(3) == 0 {
		p.c0 = rng.IntN(p.n)
		p.c1 = p.c0 + 1 + rng.IntN(p.n-p.c0)
	}
	lo := -127
	if rng.IntN(4) == 0 {
		lo = -128 // fuzzed models may hold -128
	}
	p.w = randInt8s(rng, p.n*p.k, lo, 127)
	p.a = randInt8s(rng, (p.m-1)*p.lda+p.k, -128, 127)
	p.rq = randRequant(rng, p.n, p.k)
	return p
}

// run packs p for path and runs it into a sentinel-filled buffer.
func (p *problem) run(t testing.TB, path Path) []int8 {
	t.Helper()
	pk, err := PackInt8With(path, p.w, p.n, p.k, p.rq)
	if err != nil {
		t.Fatalf("%v: pack %s: %v", p, path, err)
	}
	dst := sentinel((p.m-1)*p.ldd + p.n)
	if err := pk.Run(dst, p.ldd, p.a, p.lda, p.m, p.c0, p.c1); err != nil {
		t.Fatalf("%v: run %s: %v", p, path, err)
	}
	return dst
}

func sentinel(n int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = int8(i*37 + 11)
	}
	return s
}

func asBytes(s []int8) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// firstDiff describes the first differing output.
func firstDiff(p *problem, got, want []int8) string {
	for i := range got {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d channel %d: got %d, want %d", i/p.ldd, i%p.ldd, got[i], want[i])
		}
	}
	return ""
}

// check compares every available path with the naive loop; the sentinel
// shows any write outside the requested rows and channels.
func (p *problem) check(t testing.TB) {
	t.Helper()
	want := sentinel((p.m-1)*p.ldd + p.n)
	naive(p.w, p.n, p.k, p.rq, p.a, p.lda, p.m, want, p.ldd, p.c0, p.c1)
	for _, path := range Paths() {
		got := p.run(t, path)
		if !bytes.Equal(asBytes(got), asBytes(want)) {
			t.Fatalf("%v: path %s differs from the naive loop: %s", p, path, firstDiff(p, got, want))
		}
	}
}

func TestRandomShapesMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	cases := 300
	if testing.Short() {
		cases = 60
	}
	for range cases {
		randProblem(rng, 70, 100, 600).check(t)
	}
}

func TestSmallShapesMatchNaive(t *testing.T) {
	// Every tail combination of the tiles (3, 6 or 8 rows, 16 or 32
	// channels, groups of 4 along K) on small sizes.
	rng := rand.New(rand.NewPCG(3, 5))
	for m := 1; m <= 10; m++ {
		for _, n := range []int{1, 2, 7, 15, 16, 17, 31, 32, 33, 48, 65} {
			for k := 1; k <= 9; k++ {
				p := randProblem(rng, 1, 1, 1)
				p.m, p.n, p.k, p.lda, p.ldd = m, n, k, k+m%2, n+k%3
				p.c0, p.c1 = 0, n
				p.w = randInt8s(rng, n*k, -128, 127)
				p.a = randInt8s(rng, (m-1)*p.lda+k, -128, 127)
				p.rq = randRequant(rng, n, k)
				p.check(t)
			}
		}
	}
}

func TestFewRowsLongK(t *testing.T) {
	// The one-row kernels' unrolled loops (four groups of 4 per iteration)
	// and their remainders: few rows, K from 3 to 4 iterations' worth.
	rng := rand.New(rand.NewPCG(13, 17))
	for m := 1; m <= 4; m++ {
		for _, n := range []int{5, 16, 33} {
			for k := 12; k <= 37; k++ {
				p := randProblem(rng, 1, 1, 1)
				p.m, p.n, p.k, p.lda, p.ldd = m, n, k, k+1, n
				p.c0, p.c1 = 0, n
				p.w = randInt8s(rng, n*k, -128, 127)
				p.a = randInt8s(rng, (m-1)*p.lda+k, -128, 127)
				p.rq = randRequant(rng, n, k)
				p.check(t)
			}
		}
	}
}

func TestChannelRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	p := randProblem(rng, 1, 1, 1)
	p.m, p.n, p.k = 11, 70, 37
	p.lda, p.ldd = 41, 73
	p.w = randInt8s(rng, p.n*p.k, -127, 127)
	p.a = randInt8s(rng, (p.m-1)*p.lda+p.k, -128, 127)
	p.rq = randRequant(rng, p.n, p.k)
	for c0 := 0; c0 <= p.n; c0 += 3 {
		for c1 := c0; c1 <= p.n; c1 += 5 {
			p.c0, p.c1 = c0, c1
			p.check(t)
		}
	}
}

func TestExtremeValues(t *testing.T) {
	// All weights and activations at the int8 extremes over a long K, so the
	// int32 accumulator wraps, with every multiplier and shift extreme.
	for _, wv := range []int8{-128, 127} {
		for _, av := range []int8{-128, 127} {
			p := &problem{m: 5, n: 40, k: 70001, c0: 0, c1: 40}
			p.lda, p.ldd = p.k, p.n
			p.w = bytes2int8(bytes.Repeat([]byte{byte(wv)}, p.n*p.k))
			p.a = bytes2int8(bytes.Repeat([]byte{byte(av)}, p.m*p.k))
			p.rq = Requant{Mult: make([]int32, p.n), Shift: make([]int, p.n), InOffset: 128, OutOffset: -128, QMin: -128, QMax: 127}
			p.rq.Bias = make([]int32, p.n)
			for c := range p.n {
				p.rq.Mult[c] = [...]int32{0, 1, 1 << 30, math.MaxInt32}[c%4]
				p.rq.Shift[c] = c - 31
				p.rq.Bias[c] = int32(c) * 0x7654321
			}
			p.check(t)
		}
	}
}

func bytes2int8(b []byte) []int8 {
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

func TestGenericMatchesReferenceScaling(t *testing.T) {
	// refScale (the formula every path reproduces) is TFLite's
	// MultiplyByQuantizedMultiplier for the multipliers QuantizeMultiplier
	// returns.
	rng := rand.New(rand.NewPCG(1, 2))
	xs := []int32{0, 1, -1, 2, -2, 3, -3, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1}
	for range 3000 {
		xs = append(xs, int32(rng.Uint32()), int32(rng.IntN(1<<16)-(1<<15)))
	}
	for range 300 {
		m, shift := quant.QuantizeMultiplier(math.Exp(rng.Float64()*45 - 30))
		for _, x := range xs {
			if got, want := refScale(x, m, shift), quant.MultiplyByQuantizedMultiplier(x, m, shift); got != want {
				t.Fatalf("(%d, %d) x %d: got %d, want %d", m, shift, x, got, want)
			}
		}
	}
}
