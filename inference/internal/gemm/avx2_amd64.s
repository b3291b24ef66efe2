//go:build amd64

#include "textflag.h"
#include "go_asm.h"
#include "req8_amd64.h"

// AVX2 kernel: tiles of 3 rows × 16 channels (see packAVX2 for the layout).
//
// Registers: Y0-Y3, Y4-Y7, Y8-Y11 accumulate rows 0, 1, 2 (four vectors of
// lane pairs each); Y12-Y14 hold the sign-extended activations of the
// current group of 4; Y15 the products. R8-R10 point at the rows, CX is the
// byte offset along K, SI walks the weights, R11 the meta blocks, R12 the
// constants, R13 counts panels, R14 is the output column offset.

// MADDROWS multiplies weight vector j (at OFF(SI)) with the three rows'
// activations and accumulates into A0, A1, A2.
#define MADDROWS(OFF, A0, A1, A2) \
	VPMADDWD OFF(SI), Y12, Y15; \
	VPADDD Y15, A0, A0; \
	VPMADDWD OFF(SI), Y13, Y15; \
	VPADDD Y15, A1, A1; \
	VPMADDWD OFF(SI), Y14, Y15; \
	VPADDD Y15, A2, A2

// ACT3 broadcasts the three rows' 4 activations at S0, S1, S2 and
// sign-extends them into Y12-Y14.
#define ACT3(S0, S1, S2) \
	VPBROADCASTD S0, X12; \
	VPMOVSXBW X12, Y12; \
	VPBROADCASTD S1, X13; \
	VPMOVSXBW X13, Y13; \
	VPBROADCASTD S2, X14; \
	VPMOVSXBW X14, Y14

// GROUP accumulates one group of 4 k (activations in Y12-Y14).
#define GROUP \
	MADDROWS(0, Y0, Y4, Y8); \
	MADDROWS(32, Y1, Y5, Y9); \
	MADDROWS(64, Y2, Y6, Y10); \
	MADDROWS(96, Y3, Y7, Y11); \
	ADDQ $128, SI

// STOREROW finishes one row: sums lane pairs into channels 0-7 (in A) and
// 8-15 (in C), requantizes, packs to 16 bytes and stores them at the
// row's output pointer (args field D) plus the column offset.
#define STOREROW(A, B, C, D, AX_, CX_, D_) \
	VPHADDD B, A, A; \
	VPHADDD D, C, C; \
	MOVQ D_(DI), AX; \
	STORE16(A, C, AX_, CX_, AX)

// ZERO4 clears four accumulators.
#define ZERO4(A, B, C, D) \
	VPXOR A, A, A; \
	VPXOR B, B, B; \
	VPXOR C, C, C; \
	VPXOR D, D, D

// FRAME loads the rest of a kernel's frame after its rows: the weights
// (SI), the meta blocks (R11), the constants (R12), the panel count (R13),
// and output column 0 (R14).
#define FRAME \
	MOVQ tileArgs_w(DI), SI; \
	MOVQ tileArgs_meta(DI), R11; \
	MOVQ tileArgs_cst(DI), R12; \
	MOVQ tileArgs_panels(DI), R13; \
	XORQ R14, R14

// KSTART starts K at offset 0 (CX) with the count of full groups in BX,
// and goes to TAIL when there are none.
#define KSTART(TAIL) \
	XORQ CX, CX; \
	MOVQ tileArgs_kq(DI), BX; \
	TESTQ BX, BX; \
	JZ TAIL

// NEXTPANEL moves to the next panel's meta block and output column and
// goes to PANEL while panels remain, else returns.
#define NEXTPANEL(PANEL) \
	ADDQ $M_SIZE, R11; \
	ADDQ $16, R14; \
	DECQ R13; \
	JNZ PANEL; \
	VZEROUPPER; \
	RET

// func scaleAVX2(dst, src *[16]int32, meta *int32, cst *consts)
// requantizes 16 values with the kernel's epilogue, for tests.
TEXT ·scaleAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ meta+16(FP), R11
	MOVQ cst+24(FP), R12
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y2
	REQ8(Y0, 0)
	REQ8(Y2, 32)
	VMOVDQU Y0, (DI)
	VMOVDQU Y2, 32(DI)
	VZEROUPPER
	RET

// func gemmAVX2(t *tileArgs)
TEXT ·gemmAVX2(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ tileArgs_a+0(DI), R8
	MOVQ tileArgs_a+8(DI), R9
	MOVQ tileArgs_a+16(DI), R10
	FRAME

panel:
	ZERO4(Y0, Y1, Y2, Y3)
	ZERO4(Y4, Y5, Y6, Y7)
	ZERO4(Y8, Y9, Y10, Y11)
	KSTART(tail)

kloop:
	ACT3((R8)(CX*1), (R9)(CX*1), (R10)(CX*1))
	GROUP
	ADDQ $4, CX
	DECQ BX
	JNZ kloop

tail:
	CMPQ tileArgs_kt(DI), $0
	JEQ epilogue
	ACT3(tileArgs_tail+0(DI), tileArgs_tail+4(DI), tileArgs_tail+8(DI))
	GROUP

epilogue:
	STOREROW(Y0, Y1, Y2, Y3, X0, X2, tileArgs_d+0)
	STOREROW(Y4, Y5, Y6, Y7, X4, X6, tileArgs_d+8)
	STOREROW(Y8, Y9, Y10, Y11, X8, X10, tileArgs_d+16)
	NEXTPANEL(panel)

// MADD1 multiplies weight vector j (at OFF(SI)) with row 0's activations
// (Y12) and accumulates into A.
#define MADD1(OFF, A) \
	VPMADDWD OFF(SI), Y12, Y15; \
	VPADDD Y15, A, A

// GROUP1 accumulates row 0's group of 4 k at S into Y0-Y3.
#define GROUP1(S) \
	VPBROADCASTD S, X12; \
	VPMOVSXBW X12, Y12; \
	MADD1(0, Y0); \
	MADD1(32, Y1); \
	MADD1(64, Y2); \
	MADD1(96, Y3); \
	ADDQ $128, SI

// func gemmAVX2x1(t *tileArgs)
// computes t.panels panels of 1 row × 16 channels, for matrices of few
// rows (a fully connected layer's single batch).
TEXT ·gemmAVX2x1(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ tileArgs_a+0(DI), R8
	FRAME

panel1:
	ZERO4(Y0, Y1, Y2, Y3)
	KSTART(tail1)

kloop1:
	GROUP1((R8)(CX*1))
	ADDQ $4, CX
	DECQ BX
	JNZ kloop1

tail1:
	CMPQ tileArgs_kt(DI), $0
	JEQ epilogue1
	GROUP1(tileArgs_tail+0(DI))

epilogue1:
	STOREROW(Y0, Y1, Y2, Y3, X0, X2, tileArgs_d+0)
	NEXTPANEL(panel1)
