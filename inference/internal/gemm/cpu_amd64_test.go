package gemm

import (
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestAMD64Paths checks that the amd64 paths follow the CPU's features, in
// order of preference: avx512vnni > avxvnni > avx2 > generic.
func TestAMD64Paths(t *testing.T) {
	t.Logf("AVX2 %v, AVX-VNNI %v, AVX512 VNNI %v: paths %v", cpu.X86.HasAVX2, cpu.X86.HasAVXVNNI, cpu.X86.HasAVX512VNNI, Paths())
	want := []Path{Generic}
	if cpu.X86.HasAVX2 {
		want = append(want, AVX2)
		if cpu.X86.HasAVXVNNI {
			want = append(want, AVXVNNI)
		}
		if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VNNI {
			want = append(want, AVX512VNNI)
		}
	}
	if got := Paths(); !slices.Equal(got, want) {
		t.Errorf("Paths() = %v, want %v", got, want)
	}
	if Default() != want[len(want)-1] {
		t.Errorf("Default() = %q, want %q", Default(), want[len(want)-1])
	}
	for _, p := range []Path{NEON, SDOT, I8MM} {
		if Available(p) {
			t.Errorf("arm64 path %q available on amd64", p)
		}
	}
}
