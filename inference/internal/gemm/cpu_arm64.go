package gemm

import "golang.org/x/sys/cpu"

// detect returns the paths this CPU supports: neon on every AArch64 CPU
// with Advanced SIMD (all of them under Linux), sdot where the CPU has the
// dot-product instructions (FEAT_DotProd, HWCAP_ASIMDDP: Cortex-A55,
// A75, A76 and later, Neoverse N1 and later).
func detect() []Path {
	ps := []Path{Generic}
	if cpu.ARM64.HasASIMD {
		ps = append(ps, NEON)
		if cpu.ARM64.HasASIMDDP {
			ps = append(ps, SDOT)
		}
	}
	return ps
}
