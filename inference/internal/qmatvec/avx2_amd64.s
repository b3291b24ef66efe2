//go:build amd64

#include "textflag.h"

// func mulVecAVX2(dst *int32, w *int8, x *int16, bias *int32, nb, pairs int)
//
// Blocks of 8 rows. Per pair of columns the block holds 16 bytes: row 0's
// two weights, row 1's, ... VPMOVSXBW widens them to 16 halfwords,
// VPMADDWD multiplies them by the broadcast pair of activations and adds
// each row's two products into its int32 lane (exact: |w*x| <= 2^14).
//
// Registers: Y0-Y3 accumulate (Y0 starts from the bias), Y4-Y11 hold
// weights and activations; DI dst, SI weights, BX bias, CX blocks left,
// DX the activations, R8 pairs, R9 and R10 walk one block's activations
// and pairs.
TEXT ·mulVecAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ bias+24(FP), BX
	MOVQ nb+32(FP), CX
	MOVQ pairs+40(FP), R8

block:
	VMOVDQU (BX), Y0
	VPXOR   Y1, Y1, Y1
	VPXOR   Y2, Y2, Y2
	VPXOR   Y3, Y3, Y3
	MOVQ    DX, R9
	MOVQ    R8, R10

loop4:
	CMPQ R10, $4
	JLT  tail
	VPMOVSXBW    (SI), Y4
	VPBROADCASTD (R9), Y5
	VPMOVSXBW    16(SI), Y6
	VPBROADCASTD 4(R9), Y7
	VPMOVSXBW    32(SI), Y8
	VPBROADCASTD 8(R9), Y9
	VPMOVSXBW    48(SI), Y10
	VPBROADCASTD 12(R9), Y11
	VPMADDWD     Y5, Y4, Y4
	VPMADDWD     Y7, Y6, Y6
	VPMADDWD     Y9, Y8, Y8
	VPMADDWD     Y11, Y10, Y10
	VPADDD       Y4, Y0, Y0
	VPADDD       Y6, Y1, Y1
	VPADDD       Y8, Y2, Y2
	VPADDD       Y10, Y3, Y3
	ADDQ         $64, SI
	ADDQ         $16, R9
	SUBQ         $4, R10
	JMP          loop4

tail:
	TESTQ R10, R10
	JZ    done
	VPMOVSXBW    (SI), Y4
	VPBROADCASTD (R9), Y5
	VPMADDWD     Y5, Y4, Y4
	VPADDD       Y4, Y0, Y0
	ADDQ         $16, SI
	ADDQ         $4, R9
	DECQ         R10
	JMP          tail

done:
	VPADDD  Y1, Y0, Y0
	VPADDD  Y3, Y2, Y2
	VPADDD  Y2, Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, BX
	DECQ    CX
	JNZ     block
	VZEROUPPER
	RET
