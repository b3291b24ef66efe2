//go:build arm64

#include "textflag.h"
#include "go_asm.h"
#include "ops_arm64.h"

// sdot kernel (FEAT_DotProd): tiles of 4 rows × 16 channels (see packSDOT
// for the layout). SDOT by element adds to each int32 lane the dot
// product of the lane's 4 weights (one channel, 4 k) with 4 activations
// of a row, signed by signed, exactly.
//
// Registers: V0-V3 hold 16 activations of rows 0..3; V4-V7 the weights of
// one group of 4 k (channels 0-3, 4-7, 8-11, 12-15); V8-V15 the epilogue's
// meta and constants; V16-V31 the accumulators, row r and channels
// 4q..4q+3 in V(16+4r+q). General registers: see PROLOGUE in ops_arm64.h
// (R8 counts the partial block's groups of 4).

// DOTROW accumulates row r's group i (activations 4i..4i+3 of the block).
#define DOTROW(r, i) \
	SDOTE4S(16+4*(r), 4, r, i); \
	SDOTE4S(17+4*(r), 5, r, i); \
	SDOTE4S(18+4*(r), 6, r, i); \
	SDOTE4S(19+4*(r), 7, r, i)

// GROUP4 loads the weights of group i of the block and accumulates it
// into the four rows.
#define GROUP4(i) \
	VLD1.P 64(R5), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	DOTROW(0, i); \
	DOTROW(1, i); \
	DOTROW(2, i); \
	DOTROW(3, i)

// GROUP1 is GROUP4 for row 0 alone, into the accumulators at acc.
#define GROUP1(i, acc) \
	VLD1.P 64(R5), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	SDOTE4S(acc, 4, 0, i); \
	SDOTE4S((acc)+1, 5, 0, i); \
	SDOTE4S((acc)+2, 6, 0, i); \
	SDOTE4S((acc)+3, 7, 0, i)

// func gemmSDOT(t *tileArgs)
TEXT ·gemmSDOT(SB), NOSPLIT, $0-8
	PROLOGUE

panel:
	PANEL4(tail)

block:
	VLD1.P 16(R1), [V0.B16]
	VLD1.P 16(R2), [V1.B16]
	VLD1.P 16(R3), [V2.B16]
	VLD1.P 16(R4), [V3.B16]
	GROUP4(0)
	GROUP4(1)
	GROUP4(2)
	GROUP4(3)
	SUBS $1, R6, R6
	BNE block

tail:
	TAIL4(epilogue)
	TAILSTEPS(GROUP4(0), GROUP4(1), GROUP4(2), GROUP4(3), epilogue)

epilogue:
	NEXTPANEL(EPI4, panel)

// func gemmSDOT1(t *tileArgs)
// computes t.panels panels of 1 row × 16 channels, for matrices of few
// rows: even groups into V16-V19, odd ones into V20-V23, summed before
// the epilogue.
TEXT ·gemmSDOT1(SB), NOSPLIT, $0-8
	PROLOGUE

panel1:
	PANEL1(tail1)

block1:
	VLD1.P 16(R1), [V0.B16]
	GROUP1(0, 16)
	GROUP1(1, 20)
	GROUP1(2, 16)
	GROUP1(3, 20)
	SUBS $1, R6, R6
	BNE block1

tail1:
	TAIL1(epilogue1)
	TAILSTEPS(GROUP1(0, 16), GROUP1(1, 20), GROUP1(2, 16), GROUP1(3, 20), epilogue1)

epilogue1:
	NEXTPANEL(EPI1, panel1)
