package gemm

import (
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestARM64Paths checks that the arm64 paths follow the CPU's features:
// neon with Advanced SIMD, sdot with the dot-product extension, i8mm
// with it and the int8 matrix multiply extension, the
// fastest one as the default, and never an amd64 path.
func TestARM64Paths(t *testing.T) {
	t.Logf("ASIMD %v, ASIMDDP %v, I8MM %v: paths %v", cpu.ARM64.HasASIMD, cpu.ARM64.HasASIMDDP, cpu.ARM64.HasI8MM, Paths())
	want := []Path{Generic}
	if cpu.ARM64.HasASIMD {
		want = append(want, NEON)
		if cpu.ARM64.HasASIMDDP {
			want = append(want, SDOT)
			if cpu.ARM64.HasI8MM {
				want = append(want, I8MM)
			}
		}
	}
	if got := Paths(); !slices.Equal(got, want) {
		t.Errorf("Paths() = %v, want %v", got, want)
	}
	if Default() != want[len(want)-1] {
		t.Errorf("Default() = %q, want %q", Default(), want[len(want)-1])
	}
	for _, p := range []Path{AVX2, AVXVNNI, AVX512VNNI} {
		if Available(p) {
			t.Errorf("%s available on arm64", p)
		}
	}
}
