package qmatvec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

func naiveRows(a, b []int16, rows int) []int32 {
	out := make([]int32, rows)
	cols := len(a) / rows
	for r := range out {
		for c := range cols {
			out[r] += int32(a[r*cols+c]) * int32(b[r*cols+c])
		}
	}
	return out
}

func checkRows(t *testing.T, path gemm.Path, a, b []int16, rows int) {
	t.Helper()
	d, err := NewRowDot(path)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]int32, rows+1)
	dst[rows] = 42
	if err := d.Int16(dst[:rows], a, b); err != nil {
		t.Fatal(err)
	}
	want := naiveRows(a, b, rows)
	for r := range want {
		if dst[r] != want[r] {
			t.Fatalf("%s (%s), %d rows of %d: row %d = %d, want %d", path, d.Kernel(), rows, len(a)/rows, r, dst[r], want[r])
		}
	}
	if dst[rows] != 42 {
		t.Fatalf("%s: wrote past the rows", path)
	}
}

// TestRowDotMatchesNaive covers column counts around the 8- and
// 16-halfword steps and the scalar tail, and the extremes where VPMADDWD's
// pair sum wraps.
func TestRowDotMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, path := range gemm.Paths() {
		for _, rows := range []int{1, 2, 3, 64} {
			for _, cols := range []int{1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 100} {
				a, b := make([]int16, rows*cols), make([]int16, rows*cols)
				for i := range a {
					a[i], b[i] = int16(rng.IntN(65536)-32768), int16(rng.IntN(65536)-32768)
				}
				checkRows(t, path, a, b, rows)
				for i := range a {
					a[i], b[i] = math.MinInt16, math.MinInt16
				}
				checkRows(t, path, a, b, rows)
			}
		}
	}
}

func TestRowDotErrors(t *testing.T) {
	d, err := NewRowDot(gemm.Generic)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rows int
		a, b []int16
		want string
	}{
		{"lengths differ", 1, make([]int16, 4), make([]int16, 3), "4 and 3"},
		{"uneven rows", 3, make([]int16, 4), make([]int16, 4), "do not split"},
		{"values without rows", 0, make([]int16, 4), make([]int16, 4), "no rows"},
	} {
		if err := d.Int16(make([]int32, tc.rows), tc.a, tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Int16 = %v, want an error about %q", tc.name, err, tc.want)
		}
	}
	if err := d.Int16(nil, nil, nil); err != nil {
		t.Errorf("no rows: %v", err)
	}
	if _, err := NewRowDot("vector9000"); err == nil {
		t.Error("NewRowDot accepted an unknown path")
	}
}

// BenchmarkRowDot times the SVDF time products of keyword_scrambled: 64
// filters of memory 8 and 32 of memory 32.
func BenchmarkRowDot(b *testing.B) {
	for _, s := range []struct{ rows, cols int }{{64, 8}, {32, 32}} {
		a, w := make([]int16, s.rows*s.cols), make([]int16, s.rows*s.cols)
		dst := make([]int32, s.rows)
		for _, path := range gemm.Paths() {
			d, err := NewRowDot(path)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%dx%d", path, s.rows, s.cols), func(b *testing.B) {
				for b.Loop() {
					_ = d.Int16(dst, a, w)
				}
			})
		}
	}
}
