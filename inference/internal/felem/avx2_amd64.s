//go:build amd64

#include "textflag.h"

// AVX2 elementwise kernels: 8 lanes per vector (elem_amd64.h). Registers:
// Y12-Y14 hold lo, hi and the NaN, Y0-Y3 the results, Y15 the NaN lanes.

#define V0 Y0
#define V1 Y1
#define V2 Y2
#define V3 Y3
#define VLO Y12
#define VHI Y13
#define VNAN Y14
#define VB 32

// CLAMP clamps V to [lo, hi] and makes a NaN canonical: the NaN lanes are
// found first (VCMPPS unordered into Y15), since VMAXPS returns lo for them;
// VMAXPS lo, V, V is V > lo ? V : lo and VMINPS hi, V, V is V < hi ? V :
// hi, Go's max and min for bounds other than lo = -0 and hi = +0.
#define CLAMP(V) \
	VCMPPS $3, V, V, Y15; \
	VMAXPS VLO, V, V; \
	VMINPS VHI, V, V; \
	VBLENDVPS Y15, VNAN, V, V

#include "elem_amd64.h"

// func addYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·addYMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VADDPS, CLAMP4, CLAMP1)

// func subYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·subYMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VSUBPS, CLAMP4, CLAMP1)

// func mulYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·mulYMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VMULPS, CLAMP4, CLAMP1)

// func maxYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·maxYMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VMAXPS, NOCLAMP4, NOCLAMP1)

// func minYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·minYMM(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(VMINPS, NOCLAMP4, NOCLAMP1)
