//go:build arm64

#include "textflag.h"
#include "neon_arm64.h"

// COL adds one column of a block: the 16 weights in V(w), widened into
// V(t0) (rows 0-7) and V(t1) (rows 8-15), times halfword j of V4 (the
// activations of the current group of 8 columns), into V0-V3 (rows 0-3,
// 4-7, 8-11, 12-15).
#define COL(w, t0, t1, j) \
	SXTL8H(t0, w); \
	SXTL28H(t1, w); \
	SMLAL4S(0, t0, 4, j); \
	SMLAL24S(1, t0, 4, j); \
	SMLAL4S(2, t1, 4, j); \
	SMLAL24S(3, t1, 4, j)

// func mulVecNEON(dst *int32, w *int8, x *int16, bias *int32, nb, octs int)
//
// Blocks of 16 rows. Per column the block holds the 16 rows' weights;
// the activations are staged as halfwords, 8 columns per group (octs
// groups). R0 dst, R1 weights, R2 activations, R3 bias, R4 blocks left,
// R5 groups; R9 and R10 walk one block's activations and groups.
TEXT ·mulVecNEON(SB), NOSPLIT, $0-48
	MOVD dst+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	MOVD bias+24(FP), R3
	MOVD nb+32(FP), R4
	MOVD octs+40(FP), R5

block:
	VLD1.P 64(R3), [V0.S4, V1.S4, V2.S4, V3.S4]
	MOVD   R2, R9
	MOVD   R5, R10

oct:
	VLD1.P 16(R9), [V4.H8]
	VLD1.P 64(R1), [V16.B16, V17.B16, V18.B16, V19.B16]
	COL(16, 20, 21, 0)
	COL(17, 22, 23, 1)
	COL(18, 24, 25, 2)
	COL(19, 26, 27, 3)
	VLD1.P 64(R1), [V16.B16, V17.B16, V18.B16, V19.B16]
	COL(16, 20, 21, 4)
	COL(17, 22, 23, 5)
	COL(18, 24, 25, 6)
	COL(19, 26, 27, 7)
	SUBS   $1, R10, R10
	BNE    oct

	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS   $1, R4, R4
	BNE    block
	RET
