//go:build amd64

#include "textflag.h"
#include "go_asm.h"

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

// func dwYMM(a *args)
// Registers: Y0-Y3 accumulate four pixels, Y4 holds a tap's
// weights, Y5-Y8 products; Y12-Y15 the epilogue's (lo, hi, temporaries). DI is the args, SI the
// input of the current pixel, DX its output, CX counts pixels, R14
// groups, R15 is the group's byte offset (g × 32); R12 is inPix, R13
// 3*inPix. In the tap loops R8 counts filter rows, R9 and R10 walk the
// rows of input and weights, R11 counts filter columns, AX and BX walk
// the columns; the epilogue points AX at the constants and BX at the
// bias. Pointers past the group are formed in registers only.
TEXT ·dwYMM(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), DI
	MOVQ args_cst(DI), AX
	VMOVUPS C_LO(AX), Y12
	VMOVUPS C_HI(AX), Y13
	MOVQ args_inPix(DI), R12
	LEAQ (R12)(R12*2), R13
	MOVQ args_groups(DI), R14
	XORQ R15, R15

group:
	MOVQ args_in(DI), SI
	ADDQ R15, SI
	MOVQ args_out(DI), DX
	ADDQ R15, DX
	MOVQ args_pixels(DI), CX

quad:
	CMPQ CX, $4
	JLT single
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ args_nfy(DI), R8
	TESTQ R8, R8
	JZ qfin
	MOVQ SI, R9
	MOVQ R15, R10
	IMULQ args_taps(DI), R10
	ADDQ args_w(DI), R10

qrow:
	MOVQ R9, AX
	MOVQ R10, BX
	MOVQ args_nfx(DI), R11

qcol:
	VMOVUPS (BX), Y4
	TAP((AX), Y5, Y0)
	TAP((AX)(R12*1), Y6, Y1)
	TAP((AX)(R12*2), Y7, Y2)
	TAP((AX)(R13*1), Y8, Y3)
	ADDQ args_inCol(DI), AX
	ADDQ $32, BX
	DECQ R11
	JNZ qcol
	ADDQ args_inRow(DI), R9
	ADDQ args_wRow(DI), R10
	DECQ R8
	JNZ qrow

qfin:
	MOVQ args_cst(DI), AX
	MOVQ args_b(DI), BX
	ADDQ R15, BX
	MOVQ args_outPix(DI), R8
	FIN(Y0)
	FIN(Y1)
	FIN(Y2)
	FIN(Y3)
	VMOVUPS Y0, (DX)
	ADDQ R8, DX
	VMOVUPS Y1, (DX)
	ADDQ R8, DX
	VMOVUPS Y2, (DX)
	ADDQ R8, DX
	VMOVUPS Y3, (DX)
	ADDQ R8, DX
	LEAQ (SI)(R12*4), SI
	SUBQ $4, CX
	JMP quad

single:
	TESTQ CX, CX
	JZ next
	VXORPS Y0, Y0, Y0
	MOVQ args_nfy(DI), R8
	TESTQ R8, R8
	JZ sfin
	MOVQ SI, R9
	MOVQ R15, R10
	IMULQ args_taps(DI), R10
	ADDQ args_w(DI), R10

srow:
	MOVQ R9, AX
	MOVQ R10, BX
	MOVQ args_nfx(DI), R11

scol:
	VMOVUPS (BX), Y4
	TAP((AX), Y5, Y0)
	ADDQ args_inCol(DI), AX
	ADDQ $32, BX
	DECQ R11
	JNZ scol
	ADDQ args_inRow(DI), R9
	ADDQ args_wRow(DI), R10
	DECQ R8
	JNZ srow

sfin:
	MOVQ args_cst(DI), AX
	MOVQ args_b(DI), BX
	ADDQ R15, BX
	FIN(Y0)
	VMOVUPS Y0, (DX)
	ADDQ args_outPix(DI), DX
	ADDQ R12, SI
	DECQ CX
	JMP single

next:
	ADDQ $32, R15
	DECQ R14
	JNZ group
	VZEROUPPER
	RET
