//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// AVX2 depthwise kernel (see rowArgs and simdLayout).
//
// Buffer columns hold, per unit of 2 filter rows, the 16 channels' pairs
// (x[2u], x[2u+1]) as int16: channels 0-7 in the first 32 bytes, 8-15 in
// the next, so that VPMADDWD with the weights' pairs adds 2 taps to each
// channel's 32-bit lane, exactly (the products of int8 values fit int16
// pairs summed in int32).
//
// Registers: Y0, Y1 accumulate channels 0-7 and 8-15; Y2-Y7 temporaries;
// Y12 2^30 per qword, Y13 the output offset, X14 qmin and X15 qmax as
// bytes; R12 the group's meta block.

// Offsets of the meta block's arrays (layout.go: metaArrays arrays of 16 int32).
#define M_LEFT 0
#define M_MULT 64
#define M_MODD 128
#define M_RIGHT 192
#define M_MASK 256
#define M_THR 320
#define M_SIZE 384

// REQ8 requantizes the 8 lanes of R (channels at byte offset OFF of the
// meta arrays) and adds the output offset: gemm.VecScaling, lane by lane.
#define REQ8(R, OFF) \
	VPSLLVD (M_LEFT+OFF)(R12), R, R; \
	VPSRLQ $32, R, Y5; \
	VPMULDQ (M_MULT+OFF)(R12), R, Y4; \
	VPMULDQ (M_MODD+OFF)(R12), Y5, Y5; \
	VPADDQ Y12, Y4, Y4; \
	VPADDQ Y12, Y5, Y5; \
	VPSRLQ $31, Y4, Y4; \
	VPSLLQ $1, Y5, Y5; \
	VPBLENDD $0xaa, Y5, Y4, R; \
	VPAND (M_MASK+OFF)(R12), R, Y4; \
	VPSRAD $31, R, Y5; \
	VPADDD Y5, Y4, Y4; \
	VPCMPGTD (M_THR+OFF)(R12), Y4, Y4; \
	VPSRAVD (M_RIGHT+OFF)(R12), R, R; \
	VPSUBD Y4, R, R; \
	VPADDD Y13, R, R

// FINISH requantizes Y0, Y1, packs them to bytes in channel order,
// clamps them and stores them at R8.
#define FINISH \
	REQ8(Y0, 0); \
	REQ8(Y1, 32); \
	VPACKSSDW Y1, Y0, Y0; \
	VPERMQ $0xd8, Y0, Y0; \
	VEXTRACTI128 $1, Y0, X1; \
	VPACKSSWB X1, X0, X0; \
	VPMAXSB X14, X0, X0; \
	VPMINSB X15, X0, X0; \
	VMOVDQU X0, (R8)

// MADD adds one unit of one filter column (buffer vectors at Q0, Q1;
// weights at W(SI)) to Y0, Y1.
#define MADD(Q0, Q1, W) \
	VMOVDQU Q0, Y2; \
	VMOVDQU Q1, Y3; \
	VPMADDWD W(SI), Y2, Y2; \
	VPMADDWD W+32(SI), Y3, Y3; \
	VPADDD Y2, Y0, Y0; \
	VPADDD Y3, Y1, Y1

// func dwAVX2(a *rowArgs)
TEXT ·dwAVX2(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), DI
	MOVQ rowArgs_cst(DI), AX
	VPBROADCASTQ consts_c30(AX), Y12
	VPBROADCASTD consts_out(AX), Y13
	VPBROADCASTB consts_qmin(AX), X14
	VPBROADCASTB consts_qmax(AX), X15

	// The padding columns, the same for every group: zeros.
	VPXOR Y2, Y2, Y2
	MOVQ rowArgs_q(DI), SI
	MOVQ rowArgs_lpad(DI), CX
	IMULQ rowArgs_units(DI), CX
	TESTQ CX, CX
	JZ lpaddone

lpad:
	VMOVDQU Y2, (SI)
	VMOVDQU Y2, 32(SI)
	ADDQ $64, SI
	DECQ CX
	JNZ lpad

lpaddone:
	MOVQ rowArgs_ncols(DI), CX
	IMULQ rowArgs_col(DI), CX
	ADDQ CX, SI
	MOVQ rowArgs_rpad(DI), CX
	IMULQ rowArgs_units(DI), CX
	TESTQ CX, CX
	JZ rpaddone

rpad:
	VMOVDQU Y2, (SI)
	VMOVDQU Y2, 32(SI)
	ADDQ $64, SI
	DECQ CX
	JNZ rpad

rpaddone:
	MOVQ $0, rowArgs_g(DI)

group:
	MOVQ rowArgs_goff(DI), AX
	MOVQ rowArgs_g(DI), BX
	MOVQ (AX)(BX*8), R15 // the group's first channel

	// Build the input columns, unit by unit.
	CMPQ rowArgs_ncols(DI), $0
	JEQ built
	MOVQ $0, rowArgs_u(DI)

unit:
	MOVQ rowArgs_u(DI), BX
	SHLQ $4, BX
	MOVQ rowArgs_rows+0(DI)(BX*1), R8
	MOVQ rowArgs_rows+8(DI)(BX*1), R9
	MOVQ rowArgs_steps+0(DI)(BX*1), R12
	MOVQ rowArgs_steps+8(DI)(BX*1), R13
	ADDQ R15, R8
	ADDQ R15, R9
	MOVQ rowArgs_lpad(DI), SI
	IMULQ rowArgs_col(DI), SI
	ADDQ rowArgs_q(DI), SI
	MOVQ rowArgs_u(DI), BX
	SHLQ $6, BX
	ADDQ BX, SI
	MOVQ rowArgs_col(DI), AX
	MOVQ rowArgs_ncols(DI), CX

column:
	VMOVDQU (R8), X4
	VMOVDQU (R9), X5
	VPUNPCKLBW X5, X4, X6
	VPUNPCKHBW X5, X4, X7
	VPMOVSXBW X6, Y6
	VPMOVSXBW X7, Y7
	VMOVDQU Y6, (SI)
	VMOVDQU Y7, 32(SI)
	ADDQ R12, R8
	ADDQ R13, R9
	ADDQ AX, SI
	DECQ CX
	JNZ column

	INCQ rowArgs_u(DI)
	MOVQ rowArgs_u(DI), BX
	CMPQ BX, rowArgs_units(DI)
	JLT unit

built:
	MOVQ rowArgs_g(DI), R12
	IMULQ $M_SIZE, R12
	ADDQ rowArgs_metag(DI), R12 // the group's requantization
	MOVQ rowArgs_g(DI), AX
	SHLQ $6, AX
	ADDQ rowArgs_addg(DI), AX // the group's addends
	MOVQ rowArgs_colOff(DI), BX
	MOVQ rowArgs_out(DI), R8
	ADDQ R15, R8
	MOVQ rowArgs_q(DI), R9
	MOVQ rowArgs_g(DI), R10
	IMULQ rowArgs_wstep(DI), R10
	ADDQ rowArgs_wg(DI), R10 // the group's weights
	MOVQ rowArgs_pixels(DI), R11
	MOVQ rowArgs_units(DI), R13
	CMPQ rowArgs_fast3(DI), $0
	JNE pixel3start

pixel:
	MOVQ (BX), CX
	VMOVDQU (AX)(CX*1), Y0
	VMOVDQU 32(AX)(CX*1), Y1
	MOVQ R10, SI
	MOVQ R9, DX
	MOVQ rowArgs_kw(DI), CX

tapx:
	MOVQ DX, R14
	MOVQ R13, R15

tapu:
	VMOVDQU (R14), Y2
	VMOVDQU 32(R14), Y3
	VPMADDWD (SI), Y2, Y2
	VPMADDWD 32(SI), Y3, Y3
	VPADDD Y2, Y0, Y0
	VPADDD Y3, Y1, Y1
	ADDQ $64, SI
	ADDQ $64, R14
	DECQ R15
	JNZ tapu
	ADDQ rowArgs_qtap(DI), DX
	DECQ CX
	JNZ tapx

	FINISH

	ADDQ rowArgs_cstep(DI), R8
	ADDQ rowArgs_qpix(DI), R9
	ADDQ $8, BX
	DECQ R11
	JNZ pixel

next:
	INCQ rowArgs_g(DI)
	MOVQ rowArgs_g(DI), AX
	CMPQ AX, rowArgs_groups(DI)
	JLT group
	VZEROUPPER
	RET

	// Two units and 3 filter columns (3x3 filters): the taps unrolled.
pixel3start:
	MOVQ rowArgs_qtap(DI), R13
	MOVQ rowArgs_qpix(DI), R14
	MOVQ R10, SI

pixel3:
	MOVQ (BX), CX
	VMOVDQU (AX)(CX*1), Y0
	VMOVDQU 32(AX)(CX*1), Y1
	MADD((R9), 32(R9), 0)
	MADD(64(R9), 96(R9), 64)
	MADD((R9)(R13*1), 32(R9)(R13*1), 128)
	MADD(64(R9)(R13*1), 96(R9)(R13*1), 192)
	MADD((R9)(R13*2), 32(R9)(R13*2), 256)
	MADD(64(R9)(R13*2), 96(R9)(R13*2), 320)
	FINISH
	ADDQ rowArgs_cstep(DI), R8
	ADDQ R14, R9
	ADDQ $8, BX
	DECQ R11
	JNZ pixel3
	JMP next

