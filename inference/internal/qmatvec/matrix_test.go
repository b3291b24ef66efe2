package qmatvec

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// naive is the definition: bias plus the products, wrapping in int32.
func naive(w []int8, rows, cols int, bias []int32, x []int8) []int32 {
	out := make([]int32, rows)
	for r := range out {
		var s int32
		if bias != nil {
			s = bias[r]
		}
		for c := range cols {
			s += int32(w[r*cols+c]) * int32(x[c])
		}
		out[r] = s
	}
	return out
}

func randInt8s(rng *rand.Rand, n int) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(rng.IntN(256) - 128)
	}
	return v
}

// check packs w for path and compares MulVec with naive for a few
// vectors, also checking that dst beyond Rows stays untouched.
func check(t *testing.T, path gemm.Path, w []int8, rows, cols int, bias []int32, xs ...[]int8) {
	t.Helper()
	m, err := Pack(path, w, rows, cols, bias)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows() != rows || m.Cols() != cols {
		t.Fatalf("%s: Rows, Cols = %d, %d, want %d, %d", path, m.Rows(), m.Cols(), rows, cols)
	}
	dst := make([]int32, rows+3)
	for _, x := range xs {
		dst[rows], dst[rows+1], dst[rows+2] = 7, 8, 9
		if err := m.MulVec(dst, x); err != nil {
			t.Fatal(err)
		}
		want := naive(w, rows, cols, bias, x)
		for r := range want {
			if dst[r] != want[r] {
				t.Fatalf("%s kernel (%s), %d × %d: row %d = %d, want %d", path, m.Kernel(), rows, cols, r, dst[r], want[r])
			}
		}
		if dst[rows] != 7 || dst[rows+1] != 8 || dst[rows+2] != 9 {
			t.Fatalf("%s kernel, %d × %d: wrote past Rows: %v", path, rows, cols, dst[rows:])
		}
	}
}

// TestKernelsMatchNaive runs every path this CPU has on shapes around the
// block and group sizes of every kernel.
func TestKernelsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 20, 28, 31, 33, 64, 80, 96, 257}
	for _, path := range gemm.Paths() {
		for _, rows := range sizes {
			for _, cols := range sizes {
				w := randInt8s(rng, rows*cols)
				var bias []int32
				if rng.IntN(2) == 0 {
					bias = make([]int32, rows)
					for i := range bias {
						bias[i] = rng.Int32() - math.MaxInt32/2
					}
				}
				check(t, path, w, rows, cols, bias, randInt8s(rng, cols), randInt8s(rng, cols))
			}
		}
	}
}

// TestExtremeValues checks the extremes, where the VNNI correction and
// int32 wrap-around matter: all -128 weights and activations, all 127, and
// biases next to the int32 limits.
func TestExtremeValues(t *testing.T) {
	for _, path := range gemm.Paths() {
		for _, v := range []int8{-128, 127, -1} {
			rows, cols := 33, 1030
			w := make([]int8, rows*cols)
			x := make([]int8, cols)
			for i := range w {
				w[i] = v
			}
			for i := range x {
				x[i] = -128
			}
			bias := make([]int32, rows)
			for i := range bias {
				bias[i] = math.MaxInt32 - int32(i)
				if i%2 == 1 {
					bias[i] = math.MinInt32 + int32(i)
				}
			}
			xp := make([]int8, cols)
			for i := range xp {
				xp[i] = 127
			}
			check(t, path, w, rows, cols, bias, x, xp)
		}
	}
}

// TestEveryPathAgrees compares the paths with each other on one larger
// matrix the shape of an LSTM's four gates.
func TestEveryPathAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rows, cols := 512, 257
	w := randInt8s(rng, rows*cols)
	x := randInt8s(rng, cols)
	var first []int32
	for _, path := range gemm.Paths() {
		m, err := Pack(path, w, rows, cols, nil)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]int32, rows)
		if err := m.MulVec(dst, x); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = dst
			continue
		}
		for r := range dst {
			if dst[r] != first[r] {
				t.Fatalf("%s: row %d = %d, generic %d", path, r, dst[r], first[r])
			}
		}
	}
}

func TestPackErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		path       gemm.Path
		w          []int8
		rows, cols int
		bias       []int32
		want       string
	}{
		{"zero rows", gemm.Generic, nil, 0, 3, nil, "positive"},
		{"negative cols", gemm.Generic, nil, 2, -1, nil, "positive"},
		{"short weights", gemm.Generic, make([]int8, 5), 2, 3, nil, "has 5 weights"},
		{"bias length", gemm.Generic, make([]int8, 6), 2, 3, make([]int32, 3), "3 biases"},
		{"unknown path", gemm.Path("vector9000"), make([]int8, 6), 2, 3, nil, "not available"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Pack(tc.path, tc.w, tc.rows, tc.cols, tc.bias)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Pack = %v, want an error about %q", err, tc.want)
			}
		})
	}
}

func TestMulVecErrors(t *testing.T) {
	for _, path := range gemm.Paths() {
		m, err := Pack(path, make([]int8, 6), 2, 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.MulVec(make([]int32, 2), make([]int8, 4)); err == nil || !strings.Contains(err.Error(), "3 columns") {
			t.Errorf("%s: MulVec with 4 values = %v, want an error", path, err)
		}
		if err := m.MulVec(make([]int32, 1), make([]int8, 3)); err == nil || !strings.Contains(err.Error(), "2 rows") {
			t.Errorf("%s: MulVec into 1 output = %v, want an error", path, err)
		}
	}
}

// TestKernelNames checks that each path maps to the kernel it names.
func TestKernelNames(t *testing.T) {
	want := map[gemm.Path]string{gemm.Generic: "generic", gemm.AVX2: "avx2", gemm.AVXVNNI: "avx2", gemm.AVX512VNNI: "avx512vnni", gemm.NEON: "neon", gemm.SDOT: "neon", gemm.I8MM: "neon", "": "generic"}
	for _, path := range append(gemm.Paths(), "") {
		m, err := Pack(path, []int8{1}, 1, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Kernel() != want[path] {
			t.Errorf("path %q packs for kernel %q, want %q", path, m.Kernel(), want[path])
		}
	}
}

func TestMulVecAllocatesNothing(t *testing.T) {
	for _, path := range gemm.Paths() {
		m, err := Pack(path, make([]int8, 17*9), 17, 9, nil)
		if err != nil {
			t.Fatal(err)
		}
		dst, x := make([]int32, 17), make([]int8, 9)
		if a := testing.AllocsPerRun(10, func() { _ = m.MulVec(dst, x) }); a != 0 {
			t.Errorf("%s: MulVec allocated %v times", path, a)
		}
	}
}

// FuzzMulVec compares every path with the definition on fuzzed shapes and
// values.
func FuzzMulVec(f *testing.F) {
	f.Add(uint8(3), uint8(5), int32(0), []byte{1, 2, 3, 128, 255, 7})
	f.Add(uint8(17), uint8(9), int32(math.MaxInt32), []byte{128})
	f.Fuzz(func(t *testing.T, r, c uint8, b int32, data []byte) {
		rows, cols := int(r)%40+1, int(c)%70+1
		w := make([]int8, rows*cols)
		x := make([]int8, cols)
		for i := range w {
			if len(data) > 0 {
				w[i] = int8(data[i%len(data)])
			}
		}
		for i := range x {
			if len(data) > 0 {
				x[i] = int8(data[(i*7+3)%len(data)])
			}
		}
		bias := make([]int32, rows)
		for i := range bias {
			bias[i] = b + int32(i)
		}
		for _, path := range gemm.Paths() {
			check(t, path, w, rows, cols, bias, x)
		}
	})
}

// TestPackedLayoutsInGo checks the packed layout and the staging of every
// SIMD kernel on any CPU, through the portable form of the kernels.
func TestPackedLayoutsInGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, k := range []kernel{kernelAVX2, kernelVNNI, kernelNEON} {
		for _, rows := range []int{1, 7, 8, 9, 16, 17, 40} {
			for _, cols := range []int{1, 2, 3, 4, 5, 8, 9, 30} {
				w := randInt8s(rng, rows*cols)
				bias := make([]int32, rows)
				for i := range bias {
					bias[i] = rng.Int32() - math.MaxInt32/2
				}
				m, err := pack(k, w, rows, cols, bias)
				if err != nil {
					t.Fatal(err)
				}
				x := randInt8s(rng, cols)
				m.stage(x)
				nb := (rows + m.block - 1) / m.block
				dst := make([]int32, nb*m.block)
				m.blocksGo(dst, 0, nb)
				want := naive(w, rows, cols, bias, x)
				for r := range want {
					if dst[r] != want[r] {
						t.Fatalf("%s layout, %d × %d: row %d = %d, want %d", k, rows, cols, r, dst[r], want[r])
					}
				}
				for r := rows; r < len(dst); r++ {
					if dst[r] != 0 {
						t.Fatalf("%s layout, %d × %d: padding row %d = %d, want 0", k, rows, cols, r, dst[r])
					}
				}
			}
		}
	}
}
