//go:build arm64

#include "textflag.h"
#include "ops_arm64.h"

// neon elementwise kernels (the neon and sdot paths): 4 lanes per vector,
// four vectors a step, then one at a time. Arguments: c (the consts
// block: lo at 0, hi at 64, the canonical NaN at 128), out, x, y, n
// (vectors), sx and sy (bytes between vectors of x and y: 16, or 0 for a
// broadcast vector). Registers: R1 walks out, R2 x, R3 y, R4 counts
// vectors, R5 and R6 are sx and sy; V0-V3 hold x, V4-V7 y, the results go
// to V0-V3 (V8-V11 for Max and Min), V28-V30 hold lo, hi and the NaN, V31
// is a temporary.

// PROLOGUE loads the arguments and the constants.
#define PROLOGUE \
	MOVD c+0(FP), R0; \
	MOVD out+8(FP), R1; \
	MOVD x+16(FP), R2; \
	MOVD y+24(FP), R3; \
	MOVD n+32(FP), R4; \
	MOVD sx+40(FP), R5; \
	MOVD sy+48(FP), R6; \
	VLD1R (R0), [V28.S4]; \
	ADD $64, R0, R7; \
	VLD1R (R7), [V29.S4]; \
	ADD $128, R0, R7; \
	VLD1R (R7), [V30.S4]

// LOAD4 loads four vectors of x into V0-V3 and of y into V4-V7.
#define LOAD4 \
	VLD1.P (R2)(R5), [V0.S4]; \
	VLD1.P (R2)(R5), [V1.S4]; \
	VLD1.P (R2)(R5), [V2.S4]; \
	VLD1.P (R2)(R5), [V3.S4]; \
	VLD1.P (R3)(R6), [V4.S4]; \
	VLD1.P (R3)(R6), [V5.S4]; \
	VLD1.P (R3)(R6), [V6.S4]; \
	VLD1.P (R3)(R6), [V7.S4]

// CLAMP clamps Vv to [lo, hi] with Go's max and min (NaN kept) and makes
// a NaN canonical.
#define CLAMP(v) \
	FMAX4S(v, v, 28); \
	FMIN4S(v, v, 29); \
	FCMEQ4S(31, v, v); \
	BIF16B(v, 30, 31)

// ARITH computes Vr = OP(Vr, Vr+4) and clamps it.
#define ARITH(OP, r) \
	OP(r, r, (r)+4); \
	CLAMP(r)

// GT selects into Vr+8 the lanes of Vr (x) where Va > Vb, else of Vr+4
// (y): Max with a = x, b = y; Min with a = y, b = x.
#define GT(r, a, b) \
	FCMGT4S((r)+8, a, b); \
	BSL16B((r)+8, r, (r)+4)

// The step of each operation on vector r: ADD, SUB and MUL compute into
// Vr and clamp, MAX and MIN select into Vr+8.
#define ADDSTEP(r) ARITH(FADD4S, r)
#define SUBSTEP(r) ARITH(FSUB4S, r)
#define MULSTEP(r) ARITH(FMUL4S, r)
#define MAXSTEP(r) GT(r, r, (r)+4)
#define MINSTEP(r) GT(r, (r)+4, r)

// STORE4 and STORE1 store four results or one from V0-V3, STORE4SEL and
// STORE1SEL from V8-V11, and advance R1.
#define STORE4 VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R1)
#define STORE1 VST1.P [V0.S4], 16(R1)
#define STORE4SEL VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R1)
#define STORE1SEL VST1.P [V8.S4], 16(R1)

// KERNEL(STEP, ST4, ST1) is every kernel after PROLOGUE: four vectors a
// step while four are left, then one at a time; STEP computes vector r,
// ST4 and ST1 store the results.
#define KERNEL(STEP, ST4, ST1) \
quad: \
	CMP $4, R4; \
	BLT one; \
	LOAD4; \
	STEP(0); \
	STEP(1); \
	STEP(2); \
	STEP(3); \
	ST4; \
	SUB $4, R4; \
	B quad; \
one: \
	CBZ R4, done; \
	VLD1.P (R2)(R5), [V0.S4]; \
	VLD1.P (R3)(R6), [V4.S4]; \
	STEP(0); \
	ST1; \
	SUB $1, R4; \
	B one; \
done: \
	RET

// func addNEON(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·addNEON(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(ADDSTEP, STORE4, STORE1)

// func subNEON(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·subNEON(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(SUBSTEP, STORE4, STORE1)

// func mulNEON(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·mulNEON(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(MULSTEP, STORE4, STORE1)

// func maxNEON(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·maxNEON(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(MAXSTEP, STORE4SEL, STORE1SEL)

// func minNEON(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·minNEON(SB), NOSPLIT, $0-56
	PROLOGUE
	KERNEL(MINSTEP, STORE4SEL, STORE1SEL)
