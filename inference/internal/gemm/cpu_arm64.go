package gemm

import "golang.org/x/sys/cpu"

// detect returns the paths this CPU supports: neon on every AArch64 CPU
// with Advanced SIMD (all of them under Linux), sdot where the CPU has the
// dot-product instructions (FEAT_DotProd, HWCAP_ASIMDDP: Cortex-A55,
// A75, A76 and later, Neoverse N1 and later), and i8mm where it also has
// the int8 matrix multiply instructions (FEAT_I8MM, HWCAP2_I8MM:
// Cortex-A510, A710, X2 and later, Neoverse N2, V1, V2, Apple M2).
func detect() []Path {
	ps := []Path{Generic}
	if cpu.ARM64.HasASIMD {
		ps = append(ps, NEON)
		if cpu.ARM64.HasASIMDDP {
			ps = append(ps, SDOT)
			if cpu.ARM64.HasI8MM {
				ps = append(ps, I8MM)
			}
		}
	}
	return ps
}
