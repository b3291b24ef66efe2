package felem

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// TestNewRejects checks that invalid arguments are errors that say what
// is wrong.
func TestNewRejects(t *testing.T) {
	nan := float32(math.NaN())
	for _, path := range gemm.Paths() {
		for _, tc := range []struct {
			op     Op
			lo, hi float32
			substr string
		}{
			{Add, nan, 1, "clamp range"},
			{Sub, 0, nan, "clamp range"},
			{Mul, 1, -1, "clamp range"},
			{Max, 0, inf, "no clamp"},
			{Min, -inf, 6, "no clamp"},
			{Max, nan, nan, "clamp range"},
			{Min + 1, -inf, inf, "unknown operation"},
		} {
			k, err := New(path, tc.op, tc.lo, tc.hi)
			if err == nil || k != nil || !strings.HasPrefix(err.Error(), "felem: ") || !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("New(%s, %v, %v, %v) = %v, %v; want an error mentioning %q", path, tc.op, tc.lo, tc.hi, k, err, tc.substr)
			}
		}
	}
	for _, path := range []gemm.Path{"sse9", gemm.AVX2, gemm.AVX512VNNI, gemm.NEON, gemm.SDOT, gemm.I8MM} {
		if gemm.Available(path) {
			continue
		}
		if k, err := New(path, Add, -inf, inf); err == nil || k != nil || !strings.Contains(err.Error(), string(path)) {
			t.Errorf("New(%q) = %v, %v; want an error naming the path", path, k, err)
		}
	}
}

// TestRunRejects checks the length errors, and that a rejected call
// writes nothing.
func TestRunRejects(t *testing.T) {
	for _, path := range gemm.Paths() {
		k, err := New(path, Add, -inf, inf)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ n, nx, ny int }{{40, 39, 40}, {40, 40, 41}, {40, 0, 40}, {40, 2, 1}, {1, 0, 1}, {0, 1, 2}} {
			out := make([]float32, tc.n)
			for i := range out {
				out[i] = 42
			}
			err := k.Run(out, make([]float32, tc.nx), make([]float32, tc.ny))
			if err == nil || !strings.Contains(err.Error(), "felem: run ADD") {
				t.Errorf("%s: Run with %d, %d inputs for %d outputs: %v", path, tc.nx, tc.ny, tc.n, err)
			}
			for i, v := range out {
				if v != 42 {
					t.Fatalf("%s: a rejected Run wrote output %d", path, i)
				}
			}
		}
		if err := k.Run(nil, nil, []float32{1}); err != nil {
			t.Errorf("%s: an empty Run: %v", path, err)
		}
	}
}

// TestRunAllocatesNothing checks every path with broadcasts.
func TestRunAllocatesNothing(t *testing.T) {
	x, y, out := make([]float32, 100), []float32{3}, make([]float32, 100)
	for _, path := range gemm.Paths() {
		k, err := New(path, Sub, 0, 6)
		if err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(10, func() { _ = k.Run(out, x, y); _ = k.Run(out, y, x) }); a != 0 {
			t.Errorf("%s: Run allocates %v times", path, a)
		}
	}
}
