//go:build arm64

#include "textflag.h"
#include "go_asm.h"
#include "ops_arm64.h"

// neon kernel: 16 elements a block, as four vectors of 4 int32 lanes per
// input (x in V16-V19, y in V20-V23). R1, R2 and R3 walk x, y and out; R4
// counts blocks. Constants (loaded once from consts at R0):
//
//	V8 off1h  V9 off2h (the offsets as 16-bit lanes)  V10 left
//	V11 m1  V12 s1  V13 n1   V14 m2  V15 s2  V24 n2
//	V25 mo  V26 so  V27 no   V28 offo  V29 lo  V30 hi
//
// with s the sign bit where the stage shifts right (else 0) and n minus the
// right shift. V0-V7 are temporaries. See the package comment for why each
// step equals the reference.

// SCALE sets V(a) to scaleDown(V(a), M, right) using temporary V(t):
// SQRDMULH is SaturatingRoundingDoublingHighMul; CMTST with S and ADD take
// 1 from negative values where right > 0, so that SRSHL's rounding of ties
// up becomes the reference's rounding away from zero.
#define SCALE(a, t, M, S, N) \
	SQRDMULH4S(a, a, M); \
	CMTST4S(t, a, S); \
	ADD4S(a, a, t); \
	SRSHL4S(a, a, N)

// INPUT rescales one vector of offset inputs: shift left, then SCALE.
#define INPUT(a, t, M, S, N) \
	SSHL4S(a, a, 10); \
	SCALE(a, t, M, S, N)

// OUTPUT rescales one vector of sums to the output and clamps it.
#define OUTPUT(a, t) \
	SCALE(a, t, 25, 26, 27); \
	ADD4S(a, a, 28); \
	SMAX4S(a, a, 29); \
	SMIN4S(a, a, 30)

// LOADC loads the 4 lanes of constant F into V(v). Clobbers R5.
#define LOADC(F, v) \
	ADD $F, R0, R5; \
	VLD1 (R5), [v.S4]

// BLOCK computes and stores one block of 16 elements with OP (ADD4S or
// SUB4S).
#define BLOCK(OP) \
	VLD1.P 16(R1), [V0.B16]; \
	VLD1.P 16(R2), [V1.B16]; \
	SADDW8H(2, 8, 0); \
	SADDW28H(3, 8, 0); \
	SADDW8H(4, 9, 1); \
	SADDW28H(5, 9, 1); \
	SXTL4S(16, 2); \
	SXTL24S(17, 2); \
	SXTL4S(18, 3); \
	SXTL24S(19, 3); \
	SXTL4S(20, 4); \
	SXTL24S(21, 4); \
	SXTL4S(22, 5); \
	SXTL24S(23, 5); \
	INPUT(16, 0, 11, 12, 13); \
	INPUT(17, 1, 11, 12, 13); \
	INPUT(18, 2, 11, 12, 13); \
	INPUT(19, 3, 11, 12, 13); \
	INPUT(20, 4, 14, 15, 24); \
	INPUT(21, 5, 14, 15, 24); \
	INPUT(22, 6, 14, 15, 24); \
	INPUT(23, 7, 14, 15, 24); \
	OP(16, 16, 20); \
	OP(17, 17, 21); \
	OP(18, 18, 22); \
	OP(19, 19, 23); \
	OUTPUT(16, 0); \
	OUTPUT(17, 1); \
	OUTPUT(18, 2); \
	OUTPUT(19, 3); \
	UZP18H(4, 16, 17); \
	UZP18H(5, 18, 19); \
	UZP116B(4, 4, 5); \
	VST1.P [V4.B16], 16(R3)

// func addNEON(c *consts, out, x, y *int8, blocks int)
TEXT ·addNEON(SB), NOSPLIT, $0-40
	MOVD c+0(FP), R0
	MOVD out+8(FP), R3
	MOVD x+16(FP), R1
	MOVD y+24(FP), R2
	MOVD blocks+32(FP), R4
	LOADC(consts_off1h, V8)
	LOADC(consts_off2h, V9)
	LOADC(consts_left, V10)
	LOADC(consts_m1, V11)
	LOADC(consts_s1, V12)
	LOADC(consts_n1, V13)
	LOADC(consts_m2, V14)
	LOADC(consts_s2, V15)
	LOADC(consts_n2, V24)
	LOADC(consts_mo, V25)
	LOADC(consts_so, V26)
	LOADC(consts_no, V27)
	LOADC(consts_offo, V28)
	LOADC(consts_lo, V29)
	LOADC(consts_hi, V30)
	MOVD consts_sub(R0), R5
	CBNZ R5, sub

add:
	BLOCK(ADD4S)
	SUBS $1, R4, R4
	BNE add
	RET

sub:
	BLOCK(SUB4S)
	SUBS $1, R4, R4
	BNE sub
	RET
