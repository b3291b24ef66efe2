//go:build amd64

#include "textflag.h"

// func dotRowsInt16AVX2(dst *int32, a, b *int16, rows, cols int)
//
// Per row: VPMADDWD multiplies 16 (then 8) halfwords of a and b and adds
// the products in pairs into int32 lanes (the one overflowing pair,
// -32768·-32768 twice, wraps to -2^31, which is its sum modulo 2^32), the
// last columns are multiplied one by one, and the lanes are summed.
//
// Registers: Y0 accumulates, Y1 holds products; DI dst, SI a, DX b, CX
// rows left, R8 cols, R10 columns left in the row, R11 the scalar sum.
TEXT ·dotRowsInt16AVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ rows+24(FP), CX
	MOVQ cols+32(FP), R8

row:
	VPXOR Y0, Y0, Y0
	MOVQ  R8, R10
	XORL  R11, R11

loop16:
	CMPQ     R10, $16
	JLT      loop8
	VMOVDQU  (SI), Y1
	VPMADDWD (DX), Y1, Y1
	VPADDD   Y1, Y0, Y0
	ADDQ     $32, SI
	ADDQ     $32, DX
	SUBQ     $16, R10
	JMP      loop16

loop8:
	CMPQ     R10, $8
	JLT      scalar
	VMOVDQU  (SI), X1
	VPMADDWD (DX), X1, X1
	VPADDD   Y1, Y0, Y0
	ADDQ     $16, SI
	ADDQ     $16, DX
	SUBQ     $8, R10

scalar:
	TESTQ   R10, R10
	JZ      reduce
	MOVWLSX (SI), AX
	MOVWLSX (DX), BX
	IMULL   BX, AX
	ADDL    AX, R11
	ADDQ    $2, SI
	ADDQ    $2, DX
	DECQ    R10
	JMP     scalar

reduce:
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4E, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xB1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, AX
	ADDL         R11, AX
	MOVL         AX, (DI)
	ADDQ         $4, DI
	DECQ         CX
	JNZ          row
	VZEROUPPER
	RET
