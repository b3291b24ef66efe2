//go:build amd64

#include "textflag.h"

// AVX2 elementwise kernels: 8 lanes per vector, four vectors a
// step, then one at a time. Arguments: c (the consts block: lo at 0, hi
// at 64, the canonical NaN at 128), out, x, y, n (vectors), sx and sy
// (bytes between vectors of x and y: 32, or 0 for a broadcast vector).
// Registers: DI walks out, SI x, DX y, CX counts vectors; R8 and R9 are
// sx and sy, R10 and R11 three times them; Y12-Y14 hold lo, hi and
// the NaN, Y0-Y3 the results, Y15 the NaN lanes.

// PROLOGUE loads the arguments and the constants.
#define PROLOGUE \
	MOVQ c+0(FP), AX; \
	MOVQ out+8(FP), DI; \
	MOVQ x+16(FP), SI; \
	MOVQ y+24(FP), DX; \
	MOVQ n+32(FP), CX; \
	MOVQ sx+40(FP), R8; \
	MOVQ sy+48(FP), R9; \
	LEAQ (R8)(R8*2), R10; \
	LEAQ (R9)(R9*2), R11; \
	VMOVUPS 0(AX), Y12; \
	VMOVUPS 64(AX), Y13; \
	VMOVUPS 128(AX), Y14

// LOAD4 loads four vectors of x into Y0-Y3; OP4 applies OP with the
// four vectors of y as its first operand (OP y, x, x computes x OP y).
#define LOAD4 \
	VMOVUPS (SI), Y0; \
	VMOVUPS (SI)(R8*1), Y1; \
	VMOVUPS (SI)(R8*2), Y2; \
	VMOVUPS (SI)(R10*1), Y3
#define OP4(OP) \
	OP (DX), Y0, Y0; \
	OP (DX)(R9*1), Y1, Y1; \
	OP (DX)(R9*2), Y2, Y2; \
	OP (DX)(R11*1), Y3, Y3

// CLAMP clamps V to [lo, hi] and makes a NaN canonical: the NaN lanes are
// found first (VCMPPS unordered into Y15), since VMAXPS returns lo for them;
// VMAXPS lo, V, V is V > lo ? V : lo and VMINPS hi, V, V is V < hi ? V :
// hi, Go's max and min for bounds other than lo = -0 and hi = +0.
#define CLAMP(V) \
	VCMPPS $3, V, V, Y15; \
	VMAXPS Y12, V, V; \
	VMINPS Y13, V, V; \
	VBLENDVPS Y15, Y14, V, V
#define CLAMP4 \
	CLAMP(Y0); \
	CLAMP(Y1); \
	CLAMP(Y2); \
	CLAMP(Y3)

// STORE4 stores the four results and advances the pointers.
#define STORE4 \
	VMOVUPS Y0, (DI); \
	VMOVUPS Y1, 32(DI); \
	VMOVUPS Y2, 64(DI); \
	VMOVUPS Y3, 96(DI); \
	ADDQ $128, DI; \
	LEAQ (SI)(R8*4), SI; \
	LEAQ (DX)(R9*4), DX

// STORE1 stores one result and advances the pointers.
#define STORE1 \
	VMOVUPS Y0, (DI); \
	ADDQ $32, DI; \
	ADDQ R8, SI; \
	ADDQ R9, DX

// func addYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·addYMM(SB), NOSPLIT, $0-56
	PROLOGUE

quad:
	CMPQ CX, $4
	JLT one
	LOAD4
	OP4(VADDPS)
	CLAMP4
	STORE4
	SUBQ $4, CX
	JMP quad

one:
	TESTQ CX, CX
	JZ done
	VMOVUPS (SI), Y0
	VADDPS (DX), Y0, Y0
	CLAMP(Y0)
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET

// func subYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·subYMM(SB), NOSPLIT, $0-56
	PROLOGUE

quad:
	CMPQ CX, $4
	JLT one
	LOAD4
	OP4(VSUBPS)
	CLAMP4
	STORE4
	SUBQ $4, CX
	JMP quad

one:
	TESTQ CX, CX
	JZ done
	VMOVUPS (SI), Y0
	VSUBPS (DX), Y0, Y0
	CLAMP(Y0)
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET

// func mulYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·mulYMM(SB), NOSPLIT, $0-56
	PROLOGUE

quad:
	CMPQ CX, $4
	JLT one
	LOAD4
	OP4(VMULPS)
	CLAMP4
	STORE4
	SUBQ $4, CX
	JMP quad

one:
	TESTQ CX, CX
	JZ done
	VMOVUPS (SI), Y0
	VMULPS (DX), Y0, Y0
	CLAMP(Y0)
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET

// func maxYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·maxYMM(SB), NOSPLIT, $0-56
	PROLOGUE

quad:
	CMPQ CX, $4
	JLT one
	LOAD4
	OP4(VMAXPS)
	STORE4
	SUBQ $4, CX
	JMP quad

one:
	TESTQ CX, CX
	JZ done
	VMOVUPS (SI), Y0
	VMAXPS (DX), Y0, Y0
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET

// func minYMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·minYMM(SB), NOSPLIT, $0-56
	PROLOGUE

quad:
	CMPQ CX, $4
	JLT one
	LOAD4
	OP4(VMINPS)
	STORE4
	SUBQ $4, CX
	JMP quad

one:
	TESTQ CX, CX
	JZ done
	VMOVUPS (SI), Y0
	VMINPS (DX), Y0, Y0
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET
