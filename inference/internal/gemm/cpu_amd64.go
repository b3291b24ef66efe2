package gemm

import "golang.org/x/sys/cpu"

// detect returns the paths this CPU supports. x/sys/cpu reports a feature
// only when the operating system also saves the registers it needs: AVX2
// (and so AVX-VNNI, which x/sys/cpu reports from CPUID alone, on the same
// YMM registers) is set only when the OS saves them.
func detect() []Path {
	ps := []Path{Generic}
	if cpu.X86.HasAVX2 {
		ps = append(ps, AVX2)
		if cpu.X86.HasAVXVNNI {
			ps = append(ps, AVXVNNI)
		}
		if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VNNI {
			ps = append(ps, AVX512VNNI)
		}
	}
	return ps
}
