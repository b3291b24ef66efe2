//go:build amd64

#include "textflag.h"
#include "go_asm.h"
#include "dw_amd64.h"

// AVX-512 depthwise kernel of the avx512vnni path (only AVX-512 F
// instructions): VMULPS then VADDPS on 512-bit registers (never FMA), one
// channel per lane, groups of 16 channels. See avx2_amd64.s and doc.go.

// Offsets in the consts block.
#define C_LO 0
#define C_HI 64
#define C_NAN 128

// FIN finishes the 16 sums in V: adds the bias at (BX), clamps them to
// [lo, hi] (Z16, Z17) as Go's max and min do (see FIN in avx2_amd64.s),
// and replaces NaN lanes (mask K1) by the canonical NaN (Z18).
// Temporary: Z19.
#define FIN(V) \
	VADDPS (BX), V, V; \
	VCMPPS $3, V, V, K1; \
	VMAXPS Z16, V, Z19; \
	VMAXPS V, Z16, V; \
	VPANDD Z19, V, V; \
	VMINPS Z17, V, Z19; \
	VMINPS V, Z17, V; \
	VPORD Z19, V, V; \
	VMOVAPS Z18, K1, V

// TAP multiplies the input at ADDR by the tap's weights (Z4) into T
// and adds the product to ACC.
#define TAP(ADDR, T, ACC) \
	VMULPS ADDR, Z4, T; \
	VADDPS T, ACC, ACC

// Registers and sizes of DWLOOP (dw_amd64.h).
#define ACC0 Z0
#define ACC1 Z1
#define ACC2 Z2
#define ACC3 Z3
#define WTS Z4
#define PRD0 Z5
#define PRD1 Z6
#define PRD2 Z7
#define PRD3 Z8
#define VBYTES 64
#define ZERO(V) VPXORD V, V, V

// func dwZMM(a *args)
// Registers: Z0-Z3 accumulate four pixels, Z4 holds a tap's weights,
// Z5-Z8 products; Z16-Z19 the epilogue's (lo, hi, the NaN, a temporary); the others as
// DWLOOP (dw_amd64.h) says.
TEXT ·dwZMM(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), DI
	MOVQ args_cst(DI), AX
	VMOVUPS C_LO(AX), Z16
	VMOVUPS C_HI(AX), Z17
	VMOVUPS C_NAN(AX), Z18
	MOVQ args_inPix(DI), R12
	LEAQ (R12)(R12*2), R13
	MOVQ args_groups(DI), R14
	XORQ R15, R15
	DWLOOP
