//go:build arm64

#include "textflag.h"
#include "neon_arm64.h"

// func dotRowsInt16NEON(dst *int32, a, b *int16, rows, cols int)
//
// Per row: SMLAL and SMLAL2 add the exact products of 8 halfwords of a
// and b into four int32 lanes, the last columns are multiplied one by
// one, and ADDV sums the lanes. R0 dst, R1 a, R2 b, R3 rows left, R4
// cols, R10 columns left in the row, R11 the scalar sum.
TEXT ·dotRowsInt16NEON(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD rows+24(FP), R3
	MOVD cols+32(FP), R4

row:
	VEOR V0.B16, V0.B16, V0.B16
	MOVD R4, R10
	MOVW $0, R11

loop8:
	CMP    $8, R10
	BLT    scalar
	VLD1.P 16(R1), [V1.H8]
	VLD1.P 16(R2), [V2.H8]
	SMLALV4S(0, 1, 2)
	SMLAL2V4S(0, 1, 2)
	SUB    $8, R10
	B      loop8

scalar:
	CBZ    R10, reduce
	MOVH.P 2(R1), R5
	MOVH.P 2(R2), R6
	MULW   R5, R6, R7
	ADDW   R7, R11, R11
	SUB    $1, R10
	B      scalar

reduce:
	ADDV4S(0, 0)
	VMOV    V0.S[0], R5
	ADDW    R11, R5, R5
	MOVW.P  R5, 4(R0)
	SUBS    $1, R3, R3
	BNE     row
	RET
