//go:build amd64

#include "textflag.h"

// AVX-512 (F only) elementwise kernels: 16 lanes per vector, four vectors a
// step, then one at a time. Arguments: c (the consts block: lo at 0, hi
// at 64, the canonical NaN at 128), out, x, y, n (vectors), sx and sy
// (bytes between vectors of x and y: 64, or 0 for a broadcast vector).
// Registers: DI walks out, SI x, DX y, CX counts vectors; R8 and R9 are
// sx and sy, R10 and R11 three times them; Z12-Z14 hold lo, hi and
// the NaN, Z0-Z3 the results, K1 the NaN lanes.

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
	VMOVUPS 0(AX), Z12; \
	VMOVUPS 64(AX), Z13; \
	VMOVUPS 128(AX), Z14

// LOAD4 loads four vectors of x into Z0-Z3; OP4 applies OP with the
// four vectors of y as its first operand (OP y, x, x computes x OP y).
#define LOAD4 \
	VMOVUPS (SI), Z0; \
	VMOVUPS (SI)(R8*1), Z1; \
	VMOVUPS (SI)(R8*2), Z2; \
	VMOVUPS (SI)(R10*1), Z3
#define OP4(OP) \
	OP (DX), Z0, Z0; \
	OP (DX)(R9*1), Z1, Z1; \
	OP (DX)(R9*2), Z2, Z2; \
	OP (DX)(R11*1), Z3, Z3

// CLAMP clamps V to [lo, hi] and makes a NaN canonical: the NaN lanes are
// found first (VCMPPS unordered into K1), since VMAXPS returns lo for them;
// VMAXPS lo, V, V is V > lo ? V : lo and VMINPS hi, V, V is V < hi ? V :
// hi, Go's max and min for bounds other than lo = -0 and hi = +0.
#define CLAMP(V) \
	VCMPPS $3, V, V, K1; \
	VMAXPS Z12, V, V; \
	VMINPS Z13, V, V; \
	VMOVAPS Z14, K1, V
#define CLAMP4 \
	CLAMP(Z0); \
	CLAMP(Z1); \
	CLAMP(Z2); \
	CLAMP(Z3)

// STORE4 stores the four results and advances the pointers.
#define STORE4 \
	VMOVUPS Z0, (DI); \
	VMOVUPS Z1, 64(DI); \
	VMOVUPS Z2, 128(DI); \
	VMOVUPS Z3, 192(DI); \
	ADDQ $256, DI; \
	LEAQ (SI)(R8*4), SI; \
	LEAQ (DX)(R9*4), DX

// STORE1 stores one result and advances the pointers.
#define STORE1 \
	VMOVUPS Z0, (DI); \
	ADDQ $64, DI; \
	ADDQ R8, SI; \
	ADDQ R9, DX

// func addZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·addZMM(SB), NOSPLIT, $0-56
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
	VMOVUPS (SI), Z0
	VADDPS (DX), Z0, Z0
	CLAMP(Z0)
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET

// func subZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·subZMM(SB), NOSPLIT, $0-56
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
	VMOVUPS (SI), Z0
	VSUBPS (DX), Z0, Z0
	CLAMP(Z0)
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET

// func mulZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·mulZMM(SB), NOSPLIT, $0-56
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
	VMOVUPS (SI), Z0
	VMULPS (DX), Z0, Z0
	CLAMP(Z0)
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET

// func maxZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·maxZMM(SB), NOSPLIT, $0-56
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
	VMOVUPS (SI), Z0
	VMAXPS (DX), Z0, Z0
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET

// func minZMM(c *consts, out, x, y *float32, n, sx, sy int)
TEXT ·minZMM(SB), NOSPLIT, $0-56
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
	VMOVUPS (SI), Z0
	VMINPS (DX), Z0, Z0
	STORE1
	DECQ CX
	JMP one

done:
	VZEROUPPER
	RET
