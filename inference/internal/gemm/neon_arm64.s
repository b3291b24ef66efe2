//go:build arm64

#include "textflag.h"
#include "go_asm.h"
#include "ops_arm64.h"

// neon kernel (plain Advanced SIMD): tiles of 4 rows × 16 channels (see
// packNEON for the layout). The activations are sign-extended to
// halfwords and multiplied by the int16 weights with SMLAL/SMLAL2 by
// element, exact int8 products summed in int32 lanes.
//
// Registers: V0-V3 hold 8 activations of rows 0..3 (halfwords; SMLAL by
// element needs them in V0-V15); V4-V7 the weights of 2 k (V4, V5:
// channels 0-7, 8-15 of the first; V6, V7 of the second); V8-V15 the
// epilogue's meta and constants; V16-V31 the accumulators, row r and
// channels 4q..4q+3 in V(16+4r+q). General registers: see PROLOGUE in
// ops_arm64.h.

// MACROW accumulates row r's activation j (0..7) times the weights of one
// k in lo (channels 0-7) and hi (channels 8-15).
#define MACROW(r, j, lo, hi) \
	SMLAL4S(16+4*(r), lo, r, j); \
	SMLAL24S(17+4*(r), lo, r, j); \
	SMLAL4S(18+4*(r), hi, r, j); \
	SMLAL24S(19+4*(r), hi, r, j)

#define MAC4(j, lo, hi) \
	MACROW(0, j, lo, hi); \
	MACROW(1, j, lo, hi); \
	MACROW(2, j, lo, hi); \
	MACROW(3, j, lo, hi)

// PAIR4 loads the weights of activations j and j+1 of the block and
// accumulates both into the four rows.
#define PAIR4(j) \
	VLD1.P 64(R5), [V4.H8, V5.H8, V6.H8, V7.H8]; \
	MAC4(j, 4, 5); \
	MAC4((j)+1, 6, 7)

// MAC1 accumulates row 0's activation j into the accumulators at acc.
#define MAC1(j, lo, hi, acc) \
	SMLAL4S(acc, lo, 0, j); \
	SMLAL24S((acc)+1, lo, 0, j); \
	SMLAL4S((acc)+2, hi, 0, j); \
	SMLAL24S((acc)+3, hi, 0, j)

// PAIR1 is PAIR4 for one row: the first k into V16-V19, the second into
// V20-V23, two independent chains of additions.
#define PAIR1(j) \
	VLD1.P 64(R5), [V4.H8, V5.H8, V6.H8, V7.H8]; \
	MAC1(j, 4, 5, 16); \
	MAC1((j)+1, 6, 7, 20)

// func scaleARM(dst, src *[16]int32, meta *int32, cst *consts)
// requantizes 16 values with the arm64 epilogue (unnarrowed), for tests.
TEXT ·scaleARM(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD meta+16(FP), R9
	MOVD cst+24(FP), R10
	LOADCST
	VLD1 (R1), [V16.S4, V17.S4, V18.S4, V19.S4]
	REQ1
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R0)
	RET

// func gemmNEON(t *tileArgs)
TEXT ·gemmNEON(SB), NOSPLIT, $0-8
	PROLOGUE

panel:
	PANEL4(tail)

block:
	VLD1.P 8(R1), [V0.B8]
	VLD1.P 8(R2), [V1.B8]
	VLD1.P 8(R3), [V2.B8]
	VLD1.P 8(R4), [V3.B8]
	SXTL8H(0, 0)
	SXTL8H(1, 1)
	SXTL8H(2, 2)
	SXTL8H(3, 3)
	PAIR4(0)
	PAIR4(2)
	PAIR4(4)
	PAIR4(6)
	SUBS $1, R6, R6
	BNE block

tail:
	TAIL4(epilogue)
	SXTL8H(0, 0)
	SXTL8H(1, 1)
	SXTL8H(2, 2)
	SXTL8H(3, 3)
	TAILSTEPS(PAIR4(0), PAIR4(2), PAIR4(4), PAIR4(6), epilogue)

epilogue:
	NEXTPANEL(EPI4, panel)

// func gemmNEON1(t *tileArgs)
// computes t.panels panels of 1 row × 16 channels, for matrices of few
// rows (a fully connected layer's single batch).
TEXT ·gemmNEON1(SB), NOSPLIT, $0-8
	PROLOGUE

panel1:
	PANEL1(tail1)

block1:
	VLD1.P 8(R1), [V0.B8]
	SXTL8H(0, 0)
	PAIR1(0)
	PAIR1(2)
	PAIR1(4)
	PAIR1(6)
	SUBS $1, R6, R6
	BNE block1

tail1:
	TAIL1(epilogue1)
	SXTL8H(0, 0)
	TAILSTEPS(PAIR1(0), PAIR1(2), PAIR1(4), PAIR1(6), epilogue1)

epilogue1:
	NEXTPANEL(EPI1, panel1)
