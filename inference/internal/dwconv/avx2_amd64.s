//go:build amd64

#include "textflag.h"
#include "go_asm.h"
#include "ops_amd64.h"

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
// bytes; R12 the group's meta block. REQ8 and the group loop: see
// ops_amd64.h.

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

// FILL0 fills one 64-byte unit of a padding column with zeros (Y2).
#define FILL0 \
	VMOVDQU Y2, (SI); \
	VMOVDQU Y2, 32(SI)

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
	PADS(rowArgs_col, FILL0, lpad, lpaddone, rpad, rpaddone)
	MOVQ $0, rowArgs_g(DI)

group:
	GROUP16(built)

unit:
	MOVQ rowArgs_u(DI), BX
	SHLQ $4, BX
	MOVQ rowArgs_rows+0(DI)(BX*1), R8
	MOVQ rowArgs_rows+8(DI)(BX*1), R9
	MOVQ rowArgs_steps+0(DI)(BX*1), R12
	MOVQ rowArgs_steps+8(DI)(BX*1), R13
	ADDQ R15, R8
	ADDQ R15, R9
	UNITCOL(rowArgs_col, 6)

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

	NEXTUNIT(unit)

built:
	PIXELS(rowArgs_metag, M_SIZE, rowArgs_addg, 6, rowArgs_wg, rowArgs_wstep, pixel3start)

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
	NEXTGROUP(rowArgs_groups, group)
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

