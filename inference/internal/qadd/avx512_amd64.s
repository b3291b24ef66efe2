//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// AVX-512 kernel (AVX-512F only): 32 elements a block, as two chains of
// 16 int32 lanes (elements 0-15 in Z0 from x and Z1 from y, elements 16-31
// in Z2 and Z3), with the avx2 kernel's steps (see avx2_amd64.s). The
// constants are broadcast once into registers:
//
//	Z8 left  Z9 m1  Z10 m2  Z11 mo  Z12 r1  Z13 r2  Z14 ro  (r: 64-bit)
//	Z15 k1  Z16 k2  Z17 ko  Z18 e1  Z19 e2  Z20 eo
//	Z21 offo  Z22 lo  Z23 hi  Z24 -1 in every lane
//
// K1 selects the odd lanes; K2-K5 hold the chains' fix-up lanes. Z4, Z5,
// Z6 and Z7 are the chains' temporaries. SI, BX and DI walk x, y and out;
// CX counts blocks.

// SCALE: see avx2_amd64.s; here VPCMPGTD sets mask KF where X is above K,
// and VPSUBD subtracts -1 there.
#define SCALE(X, M, R, K, E, T, KF) \
	VPSRLQ $32, X, T; \
	VPMULDQ M, X, X; \
	VPMULDQ M, T, T; \
	VPADDQ R, X, X; \
	VPADDQ R, T, T; \
	VPSRLQ $31, X, X; \
	VPSLLQ $1, T, T; \
	VPBLENDMD T, X, K1, X; \
	VPCMPGTD K, X, KF; \
	VPSUBD Z24, X, KF, X; \
	VPSRAVD E, X, X

// INPUT loads 16 stored inputs from SRC into X and rescales them.
#define INPUT(X, SRC, M, R, K, E, T, KF) \
	VPMOVSXBD SRC, X; \
	VPSLLVD Z8, X, X; \
	SCALE(X, M, R, K, E, T, KF)

// OUTPUT rescales the sums in X to the output, clamps them and stores them
// as bytes at DST.
#define OUTPUT(X, T, KF, DST) \
	SCALE(X, Z11, Z14, Z17, Z20, T, KF); \
	VPADDD Z21, X, X; \
	VPMAXSD Z22, X, X; \
	VPMINSD Z23, X, X; \
	VPMOVDB X, DST

// BLOCK computes and stores one block of 32 elements with OP (VPADDD or
// VPSUBD).
#define BLOCK(OP) \
	INPUT(Z0, (SI), Z9, Z12, Z15, Z18, Z4, K2); \
	INPUT(Z2, 16(SI), Z9, Z12, Z15, Z18, Z5, K3); \
	INPUT(Z1, (BX), Z10, Z13, Z16, Z19, Z6, K4); \
	INPUT(Z3, 16(BX), Z10, Z13, Z16, Z19, Z7, K5); \
	OP Z1, Z0, Z0; \
	OP Z3, Z2, Z2; \
	OUTPUT(Z0, Z4, K2, (DI)); \
	OUTPUT(Z2, Z5, K3, 16(DI)); \
	ADDQ $32, SI; \
	ADDQ $32, BX; \
	ADDQ $32, DI

// func addAVX512(c *consts, out, x, y *int8, blocks int)
TEXT ·addAVX512(SB), NOSPLIT, $0-40
	MOVQ c+0(FP), DX
	MOVQ out+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), BX
	MOVQ blocks+32(FP), CX
	VPBROADCASTD consts_left(DX), Z8
	VPBROADCASTD consts_m1(DX), Z9
	VPBROADCASTD consts_m2(DX), Z10
	VPBROADCASTD consts_mo(DX), Z11
	VPBROADCASTQ consts_r1(DX), Z12
	VPBROADCASTQ consts_r2(DX), Z13
	VPBROADCASTQ consts_ro(DX), Z14
	VPBROADCASTD consts_k1(DX), Z15
	VPBROADCASTD consts_k2(DX), Z16
	VPBROADCASTD consts_ko(DX), Z17
	VPBROADCASTD consts_e1(DX), Z18
	VPBROADCASTD consts_e2(DX), Z19
	VPBROADCASTD consts_eo(DX), Z20
	VPBROADCASTD consts_offo(DX), Z21
	VPBROADCASTD consts_lo(DX), Z22
	VPBROADCASTD consts_hi(DX), Z23
	VPTERNLOGD $0xff, Z24, Z24, Z24
	MOVL $0xaaaa, AX
	KMOVW AX, K1
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
