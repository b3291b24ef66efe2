//go:build arm64

#include "textflag.h"
#include "go_asm.h"
#include "ops_arm64.h"

// neon depthwise kernel (see neonArgs and packNEON).
//
// Per group of 16 channels and output pixel, the accumulators start at
// the pixel's addend and add, for each in-bounds tap, the 16 input bytes
// sign-extended to halfwords times the tap's int16 weights with
// SMLAL/SMLAL2 (exact products summed in int32 lanes, wrapping as the
// reference does); then the epilogue requantizes them (REQ), narrows them
// to bytes and stores them. Pixels go two at a time, sharing each tap's
// weights, with a one-pixel loop for the last when their number is odd.
//
// Registers: V0, V1 pixel A's input halfwords (channels 0-7, 8-15), V2,
// V3 pixel B's; V4, V5 A's and B's input bytes; V6, V7 the tap's weights
// (channels 0-7, 8-15); V8-V11 one quarter's left shifts, multipliers,
// sign-bit fix-ups and minus right shifts, V12, V13 REQ's temporaries;
// V16-V19 A's accumulators (channels 0-3, 4-7, 8-11, 12-15), V20-V23 B's;
// V24-V26 the output offset, qmin and qmax. R0 the args, R1 pixel A's
// input, R2 the filter row's, R3 and R15 the tap's (A, B), R4 the filter
// row's weights, R5-R7 count rows, columns and pixels, R8 the output, R9
// counts groups, R10 the group's first channel, R11 the tap's weights,
// R12 the meta blocks, R13 the group's addends, R14 the group's weights,
// R19-R23 the steps (tap, row, pixel, weight row, output), R24 walks the
// groups' offsets, R25 their meta blocks.

// QUARTER1 requantizes quarter q (channels 4q..4q+3) of pixel A's
// accumulators, QUARTER2 of both pixels': they load the quarter's meta
// vectors from R12, then REQ.
#define QUARTER1(q) \
	VLD1.P 64(R12), [V8.S4, V9.S4, V10.S4, V11.S4]; \
	REQ(16+(q), 8, 9, 10, 11, 12)

#define QUARTER2(q) \
	VLD1.P 64(R12), [V8.S4, V9.S4, V10.S4, V11.S4]; \
	REQ(16+(q), 8, 9, 10, 11, 12); \
	REQ(20+(q), 8, 9, 10, 11, 13)

// STORE narrows the 16 clamped accumulators at a to bytes and stores them
// at R.
#define STORE(a, R) \
	UZP18H(12, a, (a)+1); \
	UZP18H(13, (a)+2, (a)+3); \
	UZP116B(12, 12, 13); \
	VST1 [V12.B16], (R)

// func dwNEON(a *neonArgs)
TEXT ·dwNEON(SB), NOSPLIT, $0-8
	MOVD a+0(FP), R0
	ADD $neonArgs_outOff, R0, R12
	VLD1R (R12), [V24.S4]
	ADD $neonArgs_qmin, R0, R12
	VLD1R (R12), [V25.S4]
	ADD $neonArgs_qmax, R0, R12
	VLD1R (R12), [V26.S4]
	MOVD neonArgs_tapStep(R0), R19
	MOVD neonArgs_rowStep(R0), R20
	MOVD neonArgs_pixStep(R0), R21
	MOVD neonArgs_wRow(R0), R22
	MOVD neonArgs_cstep(R0), R23
	MOVD neonArgs_goff(R0), R24
	MOVD neonArgs_meta(R0), R25
	MOVD neonArgs_add(R0), R13
	MOVD neonArgs_w(R0), R14
	MOVD neonArgs_groups(R0), R9

group:
	MOVD.P 8(R24), R10
	MOVD neonArgs_in(R0), R1
	ADD R10, R1
	MOVD neonArgs_out(R0), R8
	ADD R10, R8
	MOVD neonArgs_pixels(R0), R7
	CMP $2, R7
	BLT single

pair:
	VLD1 (R13), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1 (R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	MOVD neonArgs_rows(R0), R5
	CBZ R5, epilogue2
	MOVD R1, R2
	MOVD R14, R4

row2:
	MOVD R2, R3
	ADD R21, R2, R15
	MOVD R4, R11
	MOVD neonArgs_cols(R0), R6

tap2:
	VLD1 (R3), [V4.B16]
	VLD1 (R15), [V5.B16]
	ADD R19, R3
	ADD R19, R15
	VLD1.P 32(R11), [V6.H8, V7.H8]
	SXTL8H(0, 4)
	SXTL28H(1, 4)
	SXTL8H(2, 5)
	SXTL28H(3, 5)
	SMLALV4S(16, 0, 6)
	SMLAL2V4S(17, 0, 6)
	SMLALV4S(18, 1, 7)
	SMLAL2V4S(19, 1, 7)
	SMLALV4S(20, 2, 6)
	SMLAL2V4S(21, 2, 6)
	SMLALV4S(22, 3, 7)
	SMLAL2V4S(23, 3, 7)
	SUBS $1, R6, R6
	BNE tap2
	ADD R20, R2
	ADD R22, R4
	SUBS $1, R5, R5
	BNE row2

epilogue2:
	MOVD R25, R12
	QUARTER2(0)
	QUARTER2(1)
	QUARTER2(2)
	QUARTER2(3)
	STORE(16, R8)
	ADD R23, R8
	STORE(20, R8)
	ADD R23, R8
	ADD R21, R1
	ADD R21, R1
	SUB $2, R7
	CMP $2, R7
	BGE pair
	CBZ R7, next

single:
	VLD1 (R13), [V16.S4, V17.S4, V18.S4, V19.S4]
	MOVD neonArgs_rows(R0), R5
	CBZ R5, epilogue1
	MOVD R1, R2
	MOVD R14, R4

row1:
	MOVD R2, R3
	MOVD R4, R11
	MOVD neonArgs_cols(R0), R6

tap1:
	VLD1 (R3), [V4.B16]
	ADD R19, R3
	VLD1.P 32(R11), [V6.H8, V7.H8]
	SXTL8H(0, 4)
	SXTL28H(1, 4)
	SMLALV4S(16, 0, 6)
	SMLAL2V4S(17, 0, 6)
	SMLALV4S(18, 1, 7)
	SMLAL2V4S(19, 1, 7)
	SUBS $1, R6, R6
	BNE tap1
	ADD R20, R2
	ADD R22, R4
	SUBS $1, R5, R5
	BNE row1

epilogue1:
	MOVD R25, R12
	QUARTER1(0)
	QUARTER1(1)
	QUARTER1(2)
	QUARTER1(3)
	STORE(16, R8)

next:
	ADD $64, R13
	ADD $256, R25
	MOVD neonArgs_wGroup(R0), R12
	ADD R12, R14
	SUBS $1, R9, R9
	BNE group
	RET
