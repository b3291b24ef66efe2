//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// AVX-512 VNNI kernel: tiles of 8 rows × 32 channels (see packDot).
//
// VPDPBUSD multiplies unsigned bytes by signed bytes, four per 32-bit
// lane, and adds the sums to the lane without saturation. The activations
// are made unsigned by flipping their sign bit (a + 128); the addend holds
// -128*Σw to compensate.
//
// Registers: Z0-Z15 accumulate rows 0..7 (two vectors each); Z16, Z17 hold
// the weights of the current group of 4; Z18, Z19 the broadcast
// activations; Z20 the bytes 0x80; Z21-Z25 the epilogue's constants
// (2^30 per qword, output offset, qmin, qmax, -1); Z26-Z28 temporaries;
// K1 selects the odd lanes. AX, DX, R8-R13 point at the rows, CX is the
// byte offset along K, SI walks the weights, BX counts groups, then holds
// the meta block in the epilogue, R14 is the output column offset.

// Meta block offsets for 32-channel panels (layout.go: metaArrays arrays of 32 int32).
#define M_ADD 0
#define M_LEFT 128
#define M_MULT 256
#define M_MODD 384
#define M_RIGHT 512
#define M_MASK 640
#define M_THR 768
#define M_SIZE 896

// ROW accumulates one row's group of 4 (broadcast from SRC) into A0, A1.
#define ROW(SRC, T, A0, A1) \
	VPBROADCASTD SRC, T; \
	VPXORD Z20, T, T; \
	VPDPBUSD Z16, T, A0; \
	VPDPBUSD Z17, T, A1

#define LOADW \
	VMOVDQU32 (SI), Z16; \
	VMOVDQU32 64(SI), Z17; \
	ADDQ $128, SI

// REQ16 requantizes the 16 int32 accumulators in R for the channels at
// byte offset OFF of the meta block (BX), clamps them, and leaves them in
// R. Lane by lane this is vecScaling.simdApply.
#define REQ16(R, OFF) \
	VPADDD (M_ADD+OFF)(BX), R, R; \
	VPSLLVD (M_LEFT+OFF)(BX), R, R; \
	VPSRLQ $32, R, Z26; \
	VPMULDQ (M_MULT+OFF)(BX), R, Z27; \
	VPMULDQ (M_MODD+OFF)(BX), Z26, Z26; \
	VPADDQ Z21, Z27, Z27; \
	VPADDQ Z21, Z26, Z26; \
	VPSRLQ $31, Z27, Z27; \
	VPSLLQ $1, Z26, Z26; \
	VMOVDQA32 Z26, K1, Z27; \
	VPANDD (M_MASK+OFF)(BX), Z27, Z26; \
	VPSRAD $31, Z27, R; \
	VPADDD R, Z26, Z26; \
	VPCMPGTD (M_THR+OFF)(BX), Z26, K2; \
	VPSRAVD (M_RIGHT+OFF)(BX), Z27, R; \
	VPSUBD Z25, R, K2, R; \
	VPADDD Z22, R, R; \
	VPMAXSD Z23, R, R; \
	VPMINSD Z24, R, R

// STOREROW finishes one row (accumulators A0, A1; output pointer at
// args offset D_).
#define STOREROW(A0, A1, D_) \
	MOVQ D_(DI), CX; \
	REQ16(A0, 0); \
	VPMOVDB A0, (CX)(R14*1); \
	REQ16(A1, 64); \
	VPMOVDB A1, 16(CX)(R14*1)

// SETUP loads the constants (R14: the constant block) and K1.
#define SETUP \
	MOVL $0x80808080, AX; \
	VPBROADCASTD AX, Z20; \
	VPBROADCASTQ consts_c30(R14), Z21; \
	VPBROADCASTD consts_out(R14), Z22; \
	VPBROADCASTD consts_qmin(R14), Z23; \
	VPBROADCASTD consts_qmax(R14), Z24; \
	VPTERNLOGD $0xff, Z25, Z25, Z25; \
	MOVL $0xaaaa, AX; \
	KMOVW AX, K1

// FRAME loads the constants (SETUP), row 0 (AX) and the first panel's
// weights (SI), and starts at output column 0 (R14).
#define FRAME \
	MOVQ tileArgs_cst(DI), R14; \
	SETUP; \
	MOVQ tileArgs_a+0(DI), AX; \
	MOVQ tileArgs_w(DI), SI; \
	XORQ R14, R14

// ZERO4 clears four accumulators.
#define ZERO4(A, B, C, D) \
	VPXORD A, A, A; \
	VPXORD B, B, B; \
	VPXORD C, C, C; \
	VPXORD D, D, D

// PANELMETA points BX at the current panel's meta block.
#define PANELMETA \
	MOVQ tileArgs_meta(DI), BX; \
	ADDQ tileArgs_moff(DI), BX

// NEXTPANEL moves to the next panel's meta block and output column and
// goes to PANEL while panels remain, else returns.
#define NEXTPANEL(PANEL) \
	ADDQ $M_SIZE, tileArgs_moff(DI); \
	ADDQ $32, R14; \
	DECQ tileArgs_panels(DI); \
	JNZ PANEL; \
	VZEROUPPER; \
	RET

// func scaleVNNI(dst, src *[32]int32, meta *int32, cst *consts)
// requantizes 32 values with the kernel's epilogue, for tests.
TEXT ·scaleVNNI(SB), NOSPLIT, $0-32
	MOVQ cst+24(FP), R14
	SETUP
	MOVQ src+8(FP), SI
	MOVQ meta+16(FP), BX
	MOVQ dst+0(FP), DI
	VMOVDQU32 (SI), Z0
	VMOVDQU32 64(SI), Z1
	REQ16(Z0, 0)
	REQ16(Z1, 64)
	VMOVDQU32 Z0, (DI)
	VMOVDQU32 Z1, 64(DI)
	VZEROUPPER
	RET

// func gemmVNNI(t *tileArgs)
TEXT ·gemmVNNI(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ $0, tileArgs_moff(DI)
	MOVQ tileArgs_a+8(DI), DX
	MOVQ tileArgs_a+16(DI), R8
	MOVQ tileArgs_a+24(DI), R9
	MOVQ tileArgs_a+32(DI), R10
	MOVQ tileArgs_a+40(DI), R11
	MOVQ tileArgs_a+48(DI), R12
	MOVQ tileArgs_a+56(DI), R13
	FRAME

panel:
	ZERO4(Z0, Z1, Z2, Z3)
	ZERO4(Z4, Z5, Z6, Z7)
	ZERO4(Z8, Z9, Z10, Z11)
	ZERO4(Z12, Z13, Z14, Z15)
	XORQ CX, CX
	MOVQ tileArgs_kq(DI), BX
	TESTQ BX, BX
	JZ tail

kloop:
	LOADW
	ROW((AX)(CX*1), Z18, Z0, Z1)
	ROW((DX)(CX*1), Z19, Z2, Z3)
	ROW((R8)(CX*1), Z18, Z4, Z5)
	ROW((R9)(CX*1), Z19, Z6, Z7)
	ROW((R10)(CX*1), Z18, Z8, Z9)
	ROW((R11)(CX*1), Z19, Z10, Z11)
	ROW((R12)(CX*1), Z18, Z12, Z13)
	ROW((R13)(CX*1), Z19, Z14, Z15)
	ADDQ $4, CX
	DECQ BX
	JNZ kloop

tail:
	CMPQ tileArgs_kt(DI), $0
	JEQ epilogue
	LOADW
	ROW(tileArgs_tail+0(DI), Z18, Z0, Z1)
	ROW(tileArgs_tail+4(DI), Z19, Z2, Z3)
	ROW(tileArgs_tail+8(DI), Z18, Z4, Z5)
	ROW(tileArgs_tail+12(DI), Z19, Z6, Z7)
	ROW(tileArgs_tail+16(DI), Z18, Z8, Z9)
	ROW(tileArgs_tail+20(DI), Z19, Z10, Z11)
	ROW(tileArgs_tail+24(DI), Z18, Z12, Z13)
	ROW(tileArgs_tail+28(DI), Z19, Z14, Z15)

epilogue:
	PANELMETA
	STOREROW(Z0, Z1, tileArgs_d+0)
	STOREROW(Z2, Z3, tileArgs_d+8)
	STOREROW(Z4, Z5, tileArgs_d+16)
	STOREROW(Z6, Z7, tileArgs_d+24)
	STOREROW(Z8, Z9, tileArgs_d+32)
	STOREROW(Z10, Z11, tileArgs_d+40)
	STOREROW(Z12, Z13, tileArgs_d+48)
	STOREROW(Z14, Z15, tileArgs_d+56)
	NEXTPANEL(panel)

// func gemmVNNI1(t *tileArgs)
// computes t.panels panels of 1 row × 32 channels, for matrices of few
// rows (a fully connected layer's single batch): four groups of 4 per
// iteration into separate accumulators (Z0-Z7), so that VPDPBUSD's latency
// overlaps, summed before the epilogue.
TEXT ·gemmVNNI1(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ $0, tileArgs_moff(DI)
	FRAME

panel1:
	ZERO4(Z0, Z1, Z2, Z3)
	ZERO4(Z4, Z5, Z6, Z7)
	XORQ CX, CX
	MOVQ tileArgs_kq(DI), BX
	CMPQ BX, $4
	JLT rest1

kloop4:
	VPBROADCASTD (AX)(CX*1), Z18
	VPBROADCASTD 4(AX)(CX*1), Z19
	VPBROADCASTD 8(AX)(CX*1), Z8
	VPBROADCASTD 12(AX)(CX*1), Z9
	VPXORD Z20, Z18, Z18
	VPXORD Z20, Z19, Z19
	VPXORD Z20, Z8, Z8
	VPXORD Z20, Z9, Z9
	VPDPBUSD (SI), Z18, Z0
	VPDPBUSD 64(SI), Z18, Z1
	VPDPBUSD 128(SI), Z19, Z2
	VPDPBUSD 192(SI), Z19, Z3
	VPDPBUSD 256(SI), Z8, Z4
	VPDPBUSD 320(SI), Z8, Z5
	VPDPBUSD 384(SI), Z9, Z6
	VPDPBUSD 448(SI), Z9, Z7
	ADDQ $512, SI
	ADDQ $16, CX
	SUBQ $4, BX
	CMPQ BX, $4
	JGE kloop4

rest1:
	TESTQ BX, BX
	JZ tail1

kloop1:
	LOADW
	ROW((AX)(CX*1), Z18, Z0, Z1)
	ADDQ $4, CX
	DECQ BX
	JNZ kloop1

tail1:
	CMPQ tileArgs_kt(DI), $0
	JEQ epilogue1
	LOADW
	ROW(tileArgs_tail+0(DI), Z18, Z2, Z3)

epilogue1:
	VPADDD Z2, Z0, Z0
	VPADDD Z3, Z1, Z1
	VPADDD Z6, Z4, Z4
	VPADDD Z7, Z5, Z5
	VPADDD Z4, Z0, Z0
	VPADDD Z5, Z1, Z1
	PANELMETA
	STOREROW(Z0, Z1, tileArgs_d+0)
	NEXTPANEL(panel1)
