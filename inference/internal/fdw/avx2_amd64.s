//go:build amd64

#include "textflag.h"
#include "go_asm.h"
#include "dw_amd64.h"

// AVX2 depthwise kernel: VMULPS then VADDPS (never FMA), one channel per
// lane, groups of 8 channels, so each lane adds its channel's rounded
// products in the reference's order. See doc.go.

// Offsets in the consts block.
#define C_LO 0
#define C_HI 64
#define C_NAN 128

// FIN finishes the 8 sums in V: adds the bias at (BX), clamps them to
// [lo, hi] (Y12, Y13) as Go's max and min do, and replaces NaN lanes by
// the canonical NaN at C_NAN(AX). Temporaries: Y14 (the NaN lanes), Y15.
// MAXPS returns its second operand on ties and on NaN, so MAXPS(v, lo)
// and MAXPS(lo, v) differ only when v and lo are zeros of opposite signs,
// where their AND is +0 (Go's max); min is the OR of the two MINPS.
#define FIN(V) \
	VADDPS (BX), V, V; \
	VCMPPS $3, V, V, Y14; \
	VMAXPS Y12, V, Y15; \
	VMAXPS V, Y12, V; \
	VANDPS Y15, V, V; \
	VMINPS Y13, V, Y15; \
	VMINPS V, Y13, V; \
	VORPS Y15, V, V; \
	VBLENDVPS Y14, C_NAN(AX), V, V

// TAP multiplies the input at ADDR by the tap's weights (Y4) into T
// and adds the product to ACC.
#define TAP(ADDR, T, ACC) \
	VMULPS ADDR, Y4, T; \
	VADDPS T, ACC, ACC

// Registers and sizes of DWLOOP (dw_amd64.h).
#define ACC0 Y0
#define ACC1 Y1
#define ACC2 Y2
#define ACC3 Y3
#define WTS Y4
#define PRD0 Y5
#define PRD1 Y6
#define PRD2 Y7
#define PRD3 Y8
#define VBYTES 32
#define ZERO(V) VXORPS V, V, V

// func dwYMM(a *args)
// Registers: Y0-Y3 accumulate four pixels, Y4 holds a tap's weights,
// Y5-Y8 products; Y12-Y15 the epilogue's (lo, hi, temporaries); the others as
// DWLOOP (dw_amd64.h) says.
TEXT ·dwYMM(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), DI
	MOVQ args_cst(DI), AX
	VMOVUPS C_LO(AX), Y12
	VMOVUPS C_HI(AX), Y13
	MOVQ args_inPix(DI), R12
	LEAQ (R12)(R12*2), R13
	MOVQ args_groups(DI), R14
	XORQ R15, R15
	DWLOOP
