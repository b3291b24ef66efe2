//go:build arm64

#include "textflag.h"
#include "go_asm.h"
#include "ops_arm64.h"

// i8mm kernel (FEAT_I8MM): tiles of 4 rows × 16 channels (see packI8MM
// for the layout). SMMLA adds to a 2x2 block of int32 lanes the dot
// products of two rows' 8 activations with two channels' 8 weights,
// signed by signed, exactly.
//
// Registers: V0 holds 8 activations of rows 0 and 1 (low and high
// doubleword), V1 of rows 2 and 3; V4-V7 and V8-V11 the weights of one
// block, channel pairs 0-3 and 4-7 (V8-V11 are free until the epilogue's
// LOADMETA); V13-V15 the epilogue's constants; V16-V31 the accumulators:
// rows 2h, 2h+1 and channels 4q+2e, 4q+2e+1 (e = 0, 1) in V(16+8h+4e+q),
// lanes (2h, 4q+2e), (2h, 4q+2e+1), (2h+1, 4q+2e), (2h+1, 4q+2e+1).
// UNZIP4 turns them into the epilogue's layout. General registers: see
// PROLOGUE in ops_arm64.h (R8 is 1 when K has a partial block).

// PAIRS accumulates weight pairs 2q (in wa) and 2q+1 (in wb) with the
// activation rows of V0 and V1.
#define PAIRS(q, wa, wb) \
	SMMLA4S(16+(q), 0, wa); \
	SMMLA4S(20+(q), 0, wb); \
	SMMLA4S(24+(q), 1, wa); \
	SMMLA4S(28+(q), 1, wb)

// BLOCK4 loads 8 activations of each row from R1-R4 and the block's
// weights from R5, and accumulates them.
#define BLOCK4 \
	VLD1.P 8(R1), [V0.B8]; \
	VLD1.P 8(R2), V0.D[1]; \
	VLD1.P 8(R3), [V1.B8]; \
	VLD1.P 8(R4), V1.D[1]; \
	VLD1.P 64(R5), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	VLD1.P 64(R5), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	PAIRS(0, 4, 5); \
	PAIRS(1, 6, 7); \
	PAIRS(2, 8, 9); \
	PAIRS(3, 10, 11)

// UNZIP2 splits the accumulators a (channels 4q, 4q+1) and b (4q+2, 4q+3)
// of two rows into the first row's 4 channels in a and the second's in b.
// Temporary: V2.
#define UNZIP2(a, b) \
	ZIP22D(2, a, b); \
	ZIP12D(a, a, b); \
	MOV16B(b, 2)

// UNZIP4 puts row r's channels 4q..4q+3 in V(16+4r+q), as EPI4 wants.
#define UNZIP4 \
	UNZIP2(16, 20); \
	UNZIP2(17, 21); \
	UNZIP2(18, 22); \
	UNZIP2(19, 23); \
	UNZIP2(24, 28); \
	UNZIP2(25, 29); \
	UNZIP2(26, 30); \
	UNZIP2(27, 31)

// EPIMM4 is EPI4 for the i8mm accumulators.
#define EPIMM4 \
	UNZIP4; \
	EPI4

// func gemmI8MM(t *tileArgs)
TEXT ·gemmI8MM(SB), NOSPLIT, $0-8
	PROLOGUE

panel:
	PANEL4(tail)

block:
	BLOCK4
	SUBS $1, R6, R6
	BNE block

tail:
	// The partial block (zero-padded in tileArgs.tail, as are its
	// weights) is one more block, from the tail rows.
	CBZ R8, epilogue
	ADD $tileArgs_tail, R0, R1
	ADD $(tileArgs_tail+16), R0, R2
	ADD $(tileArgs_tail+32), R0, R3
	ADD $(tileArgs_tail+48), R0, R4
	BLOCK4

epilogue:
	NEXTPANEL(EPIMM4, panel)

// The one-row kernel loads row 0 alone into V0's low doubleword (the load
// clears the high one), so lanes 0 and 1 of each accumulator hold row 0
// (channels 4q+2e, 4q+2e+1 in V(16+4e+q)) and lanes 2 and 3 stay zero.

// BLOCK1 is BLOCK4 for row 0 alone, from R1.
#define BLOCK1 \
	VLD1.P 8(R1), [V0.B8]; \
	VLD1.P 64(R5), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	VLD1.P 64(R5), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	SMMLA4S(16, 0, 4); \
	SMMLA4S(20, 0, 5); \
	SMMLA4S(17, 0, 6); \
	SMMLA4S(21, 0, 7); \
	SMMLA4S(18, 0, 8); \
	SMMLA4S(22, 0, 9); \
	SMMLA4S(19, 0, 10); \
	SMMLA4S(23, 0, 11)

// EPIMM1 gathers row 0's channels 4q..4q+3 into V(16+q), then requantizes
// and stores the row.
#define EPIMM1 \
	ZIP12D(16, 16, 20); \
	ZIP12D(17, 17, 21); \
	ZIP12D(18, 18, 22); \
	ZIP12D(19, 19, 23); \
	REQ1; \
	STOREROW(16, tileArgs_d+0)

// func gemmI8MM1(t *tileArgs)
// computes t.panels panels of 1 row × 16 channels, for matrices of few
// rows.
TEXT ·gemmI8MM1(SB), NOSPLIT, $0-8
	PROLOGUE

panel1:
	PANEL1(tail1)

block1:
	BLOCK1
	SUBS $1, R6, R6
	BNE block1

tail1:
	CBZ R8, epilogue1
	ADD $tileArgs_tail, R0, R1
	BLOCK1

epilogue1:
	NEXTPANEL(EPIMM1, panel1)
