//go:build amd64

#include "textflag.h"
#include "go_asm.h"

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

// func dwZMM(a *args)
// Registers: Z0-Z3 accumulate four pixels, Z4 holds a tap's
// weights, Z5-Z8 products; Z16-Z19 the epilogue's (lo, hi, the NaN, a temporary). DI is the args, SI the
// input of the current pixel, DX its output, CX counts pixels, R14
// groups, R15 is the group's byte offset (g × 64); R12 is inPix, R13
// 3*inPix. In the tap loops R8 counts filter rows, R9 and R10 walk the
// rows of input and weights, R11 counts filter columns, AX and BX walk
// the columns; the epilogue points AX at the constants and BX at the
// bias. Pointers past the group are formed in registers only.
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

group:
	MOVQ args_in(DI), SI
	ADDQ R15, SI
	MOVQ args_out(DI), DX
	ADDQ R15, DX
	MOVQ args_pixels(DI), CX

quad:
	CMPQ CX, $4
	JLT single
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
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
	VMOVUPS (BX), Z4
	TAP((AX), Z5, Z0)
	TAP((AX)(R12*1), Z6, Z1)
	TAP((AX)(R12*2), Z7, Z2)
	TAP((AX)(R13*1), Z8, Z3)
	ADDQ args_inCol(DI), AX
	ADDQ $64, BX
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
	FIN(Z0)
	FIN(Z1)
	FIN(Z2)
	FIN(Z3)
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VMOVUPS Z1, (DX)
	ADDQ R8, DX
	VMOVUPS Z2, (DX)
	ADDQ R8, DX
	VMOVUPS Z3, (DX)
	ADDQ R8, DX
	LEAQ (SI)(R12*4), SI
	SUBQ $4, CX
	JMP quad

single:
	TESTQ CX, CX
	JZ next
	VPXORD Z0, Z0, Z0
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
	VMOVUPS (BX), Z4
	TAP((AX), Z5, Z0)
	ADDQ args_inCol(DI), AX
	ADDQ $64, BX
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
	FIN(Z0)
	VMOVUPS Z0, (DX)
	ADDQ args_outPix(DI), DX
	ADDQ R12, SI
	DECQ CX
	JMP single

next:
	ADDQ $64, R15
	DECQ R14
	JNZ group
	VZEROUPPER
	RET
