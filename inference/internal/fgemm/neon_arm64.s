//go:build arm64

#include "textflag.h"
#include "go_asm.h"
#include "ops_arm64.h"

// neon kernel (the neon and sdot paths): FMUL by element then FADD (never
// FMLA, which rounds once), one output channel per lane, so each lane adds
// the rounded products in the reference's order. The weights of a panel
// are kp rows of 16 floats (see newLayout); the activations come 4 at a
// time (one vector per row), each multiplied in by lane.

// MUL4 multiplies the 16 weights in V4..V7 by lane j of row vector Va into
// the products Vp..Vp+3.
#define MUL4(p, a, j) \
	FMULE4S(p, 4, a, j); \
	FMULE4S((p)+1, 5, a, j); \
	FMULE4S((p)+2, 6, a, j); \
	FMULE4S((p)+3, 7, a, j)

// ADD4 adds the products Vp..Vp+3 to the accumulators Vacc..Vacc+3.
#define ADD4(acc, p) \
	FADD4S(acc, acc, p); \
	FADD4S((acc)+1, (acc)+1, (p)+1); \
	FADD4S((acc)+2, (acc)+2, (p)+2); \
	FADD4S((acc)+3, (acc)+3, (p)+3)

// STEP4 loads the weights of step j of the block and accumulates the
// four rows' products, the products of two rows in flight (V8-V11,
// V12-V15) so that each addition waits less for its multiply.
#define STEP4(j) \
	VLD1.P 64(R5), [V4.S4, V5.S4, V6.S4, V7.S4]; \
	MUL4(8, 0, j); \
	MUL4(12, 1, j); \
	ADD4(16, 8); \
	MUL4(8, 2, j); \
	ADD4(20, 12); \
	MUL4(12, 3, j); \
	ADD4(24, 8); \
	ADD4(28, 12)

// STOREROW stores a row's 16 finished sums (A..D) at the row's output
// pointer (args offset D_ from R0) plus the column offset R11.
#define STOREROW(A, B, C, D, D_) \
	MOVD D_(R0), R12; \
	ADD R11, R12; \
	VST1 [A.S4, B.S4, C.S4, D.S4], (R12)

// func tileNEON(t *args)
// Registers: V0-V3 hold 4 activations of rows 0..3, V4-V7 the 16 weights
// of one k, V8-V15 products (in the epilogue V12-V14 the constants, V15 a
// temporary), V16-V31 the accumulators, row r and channels 4q..4q+3 in
// V(16+4r+q). R0 is the args, R1-R4 walk the rows, R5 the weights, R6
// counts blocks, R7 walks the tails, R9 walks the bias, R10 the
// constants, R11 is the output column offset, R12 a temporary, R13 counts
// panels.
TEXT ·tileNEON(SB), NOSPLIT, $0-8
	MOVD t+0(FP), R0
	MOVD args_w+0(R0), R5
	MOVD args_b+0(R0), R9
	MOVD args_cst(R0), R10
	MOVD args_panels(R0), R13
	MOVD ZR, R11

panel:
	ZERO4(V16, V17, V18, V19)
	ZERO4(V20, V21, V22, V23)
	ZERO4(V24, V25, V26, V27)
	ZERO4(V28, V29, V30, V31)
	MOVD args_a+0(R0), R1
	MOVD args_a+8(R0), R2
	MOVD args_a+16(R0), R3
	MOVD args_a+24(R0), R4
	MOVD args_kq(R0), R6
	CBZ R6, tail

block:
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V1.S4]
	VLD1.P 16(R3), [V2.S4]
	VLD1.P 16(R4), [V3.S4]
	STEP4(0)
	STEP4(1)
	STEP4(2)
	STEP4(3)
	SUBS $1, R6, R6
	BNE block

tail:
	// The partial block: its activations past K are zero, and so are the
	// weights of those steps, so the products they add are +0.
	MOVD args_kt(R0), R7
	CBZ R7, epilogue
	ADD $args_tail, R0, R7
	VLD1.P 16(R7), [V0.S4]
	VLD1.P 16(R7), [V1.S4]
	VLD1.P 16(R7), [V2.S4]
	VLD1 (R7), [V3.S4]
	STEP4(0)
	STEP4(1)
	STEP4(2)
	STEP4(3)

epilogue:
	LOADCST
	VLD1.P 64(R9), [V4.S4, V5.S4, V6.S4, V7.S4]
	FIN16(16)
	FIN16(20)
	FIN16(24)
	FIN16(28)
	STOREROW(V16, V17, V18, V19, args_d+0)
	STOREROW(V20, V21, V22, V23, args_d+8)
	STOREROW(V24, V25, V26, V27, args_d+16)
	STOREROW(V28, V29, V30, V31, args_d+24)
	ADD $64, R11
	SUBS $1, R13, R13
	BNE panel
	RET

// SLOTLOAD loads the 16 weights of the next step of a slot (through R)
// into A..D; SLOTMUL multiplies them in place (Vw..Vw+3, w the number of
// A) by lane j of the activations (V0).
#define SLOTLOAD(R, A, B, C, D) VLD1.P 64(R), [A.S4, B.S4, C.S4, D.S4]
#define SLOTMUL(w, j) \
	FMULE4S(w, w, 0, j); \
	FMULE4S((w)+1, (w)+1, 0, j); \
	FMULE4S((w)+2, (w)+2, 0, j); \
	FMULE4S((w)+3, (w)+3, 0, j)

// RSTEP accumulates step j for the four slots, three slots' weights in
// flight (V4-V7, V8-V11, V12-V15).
#define RSTEP(j) \
	SLOTLOAD(R1, V4, V5, V6, V7); \
	SLOTLOAD(R2, V8, V9, V10, V11); \
	SLOTMUL(4, j); \
	SLOTLOAD(R3, V12, V13, V14, V15); \
	SLOTMUL(8, j); \
	ADD4(16, 4); \
	SLOTLOAD(R4, V4, V5, V6, V7); \
	SLOTMUL(12, j); \
	ADD4(20, 8); \
	SLOTMUL(4, j); \
	ADD4(24, 12); \
	ADD4(28, 4)

// RSTORE finishes a slot's 16 sums (Va..Va+3, also named A..D; bias at
// args offset B_) and stores them at the slot's output (args offset D_).
#define RSTORE(a, A, B, C, D, B_, D_) \
	MOVD B_(R0), R12; \
	VLD1 (R12), [V4.S4, V5.S4, V6.S4, V7.S4]; \
	FIN16(a); \
	MOVD D_(R0), R12; \
	VST1 [A.S4, B.S4, C.S4, D.S4], (R12)

// func rowNEON(t *args)
// computes one row × 4 panels of 16 channels: 16 independent chains of
// additions. Registers: V0 holds 4 activations, V4-V15 the slots' weights
// and products, V16-V31 the accumulators, slot s in V(16+4s)..V(19+4s).
// R0 is the args, R1-R4 walk the slots' weights, R5 the row, R6 counts
// blocks, R7 points at the tail, R10 the constants, R12 a temporary.
TEXT ·rowNEON(SB), NOSPLIT, $0-8
	MOVD t+0(FP), R0
	MOVD args_a+0(R0), R5
	MOVD args_w+0(R0), R1
	MOVD args_w+8(R0), R2
	MOVD args_w+16(R0), R3
	MOVD args_w+24(R0), R4
	MOVD args_cst(R0), R10
	ZERO4(V16, V17, V18, V19)
	ZERO4(V20, V21, V22, V23)
	ZERO4(V24, V25, V26, V27)
	ZERO4(V28, V29, V30, V31)
	MOVD args_kq(R0), R6
	CBZ R6, rtail

rblock:
	VLD1.P 16(R5), [V0.S4]
	RSTEP(0)
	RSTEP(1)
	RSTEP(2)
	RSTEP(3)
	SUBS $1, R6, R6
	BNE rblock

rtail:
	MOVD args_kt(R0), R7
	CBZ R7, repilogue
	ADD $args_tail, R0, R7
	VLD1 (R7), [V0.S4]
	RSTEP(0)
	RSTEP(1)
	RSTEP(2)
	RSTEP(3)

repilogue:
	LOADCST
	RSTORE(16, V16, V17, V18, V19, args_b+0, args_d+0)
	RSTORE(20, V20, V21, V22, V23, args_b+8, args_d+8)
	RSTORE(24, V24, V25, V26, V27, args_b+16, args_d+16)
	RSTORE(28, V28, V29, V30, V31, args_b+24, args_d+24)
	RET
