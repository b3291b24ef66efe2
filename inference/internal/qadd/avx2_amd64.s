//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// AVX2 kernel: 16 elements a block, as two chains of 8 int32 lanes
// (elements 0-7 in Y0 from x and Y1 from y, elements 8-15 in Y2 and Y3).
// The constants are memory operands (consts at DX). Y4-Y7 are the chains'
// temporaries. SI, BX and DI walk x, y and out; CX counts blocks. See the
// package comment and consts for why each step equals the reference.

// SCALE sets X to RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(
// X, M), E), with the stage's addend R and threshold K (see consts).
// VPMULDQ multiplies the even lanes in place and the odd lanes moved down
// into T, exactly, into 64 bits; R is added; bits 31-62 of the even sums
// are shifted down into the low dwords and those of the odd sums up into
// the high dwords, and VPBLENDD takes each from its place. Then 1 is added
// where the value is above K (VPCMPGTD gives -1 there) and the result is
// shifted right by E.
#define SCALE(X, M, R, K, E, T) \
	VPSRLQ $32, X, T; \
	VPMULDQ M, X, X; \
	VPMULDQ M, T, T; \
	VPADDQ R, X, X; \
	VPADDQ R, T, T; \
	VPSRLQ $31, X, X; \
	VPSLLQ $1, T, T; \
	VPBLENDD $0xaa, T, X, X; \
	VPCMPGTD K, X, T; \
	VPSUBD T, X, X; \
	VPSRAVD E, X, X

// INPUT loads 8 stored inputs from SRC into X and rescales them (the
// offset is in R).
#define INPUT(X, SRC, M, R, K, E, T) \
	VPMOVSXBD SRC, X; \
	VPSLLVD consts_left(DX), X, X; \
	SCALE(X, M, R, K, E, T)

// BLOCK computes one block of 16 elements with OP (VPADDD or VPSUBD) and
// stores it. The output offset is added and the values clamped after the
// saturating packs (VPADDSW saturates at the int16 range, beyond the
// int8 one, so nothing changes).
#define BLOCK(OP) \
	INPUT(Y0, (SI), consts_m1(DX), consts_r1(DX), consts_k1(DX), consts_e1(DX), Y4); \
	INPUT(Y2, 8(SI), consts_m1(DX), consts_r1(DX), consts_k1(DX), consts_e1(DX), Y5); \
	INPUT(Y1, (BX), consts_m2(DX), consts_r2(DX), consts_k2(DX), consts_e2(DX), Y6); \
	INPUT(Y3, 8(BX), consts_m2(DX), consts_r2(DX), consts_k2(DX), consts_e2(DX), Y7); \
	OP Y1, Y0, Y0; \
	OP Y3, Y2, Y2; \
	SCALE(Y0, consts_mo(DX), consts_ro(DX), consts_ko(DX), consts_eo(DX), Y4); \
	SCALE(Y2, consts_mo(DX), consts_ro(DX), consts_ko(DX), consts_eo(DX), Y5); \
	VPACKSSDW Y2, Y0, Y0; \
	VPERMQ $0xd8, Y0, Y0; \
	VPADDSW consts_offoh(DX), Y0, Y0; \
	VEXTRACTI128 $1, Y0, X1; \
	VPACKSSWB X1, X0, X0; \
	VPMAXSB consts_lob(DX), X0, X0; \
	VPMINSB consts_hib(DX), X0, X0; \
	VMOVDQU X0, (DI); \
	ADDQ $16, SI; \
	ADDQ $16, BX; \
	ADDQ $16, DI

// func addAVX2(c *consts, out, x, y *int8, blocks int)
TEXT ·addAVX2(SB), NOSPLIT, $0-40
	MOVQ c+0(FP), DX
	MOVQ out+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), BX
	MOVQ blocks+32(FP), CX
	MOVQ consts_sub(DX), AX
	TESTQ AX, AX
	JNZ sub

add:
	BLOCK(VPADDD)
	DECQ CX
	JNZ add
	VZEROUPPER
	RET

sub:
	BLOCK(VPSUBD)
	DECQ CX
	JNZ sub
	VZEROUPPER
	RET
