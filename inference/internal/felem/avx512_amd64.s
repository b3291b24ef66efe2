//go:build amd64

#include "textflag.h"

// AVX-512 (F only) elementwise kernels: 16 lanes per vector
// (elem_amd64.h). Registers: Z12-Z14 hold lo, hi and the NaN, Z0-Z3 the
// results, K1 the NaN lanes.

#define V0 Z0
#define V1 Z1
#define V2 Z2
#define V3 Z3
#define VLO Z12
#define VHI Z13
#define VNAN Z14
#define VB 64

// CLAMP clamps V to [lo, hi] and makes a NaN canonical: the NaN lanes are
// found first (VCMPPS unordered into K1), since VMAXPS returns lo for them;
// VMAXPS lo, V, V is V > lo ? V : lo and VMINPS hi, V, V is V < hi ? V :
// hi, Go's max and min for bounds other than lo = -0 and hi = +0.
#define CLAMP(V) \
	VCMPPS $3, V, V, K1; \
	VMAXPS VLO, V, V; \
	VMINPS VHI, V, V; \
	VMOVAPS VNAN, K1, V

#include "elem_amd64.h"

// func addZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·addZMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VADDPS, CLAMP4, CLAMP1)

// func subZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·subZMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VSUBPS, CLAMP4, CLAMP1)

// func mulZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·mulZMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VMULPS, CLAMP4, CLAMP1)

// func maxZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·maxZMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VMAXPS, NOCLAMP4, NOCLAMP1)

// func minZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·minZMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VMINPS, NOCLAMP4, NOCLAMP1)
