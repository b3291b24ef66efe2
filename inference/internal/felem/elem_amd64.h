// The elementwise kernels' code shared by AVX2 (avx2_amd64.s) and
// AVX-512 (avx512_amd64.s): four vectors a step, then one at a time.
// Each file defines, before including this header, V0-V3 (the results),
// VLO, VHI and VNAN (lo, hi and the canonical NaN), VB (the bytes of a
// vector) and CLAMP(V), which clamps V to [lo, hi] and makes a NaN
// canonical.
//
// Arguments: c (the consts block: lo at 0, hi at 64, the canonical NaN at
// 128), out, x, y, n (vectors), sx and sy (bytes between vectors of x and
// y: VB, or 0 for a broadcast vector). Registers: DI walks out, SI x, DX
// y, CX counts vectors; R8 and R9 are sx and sy, R10 and R11 three times
// them.

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
	VMOVUPS 0(AX), VLO; \
	VMOVUPS 64(AX), VHI; \
	VMOVUPS 128(AX), VNAN

// LOAD4 loads four vectors of x into V0-V3; OP4 applies OP with the
// four vectors of y as its first operand (OP y, x, x computes x OP y).
#define LOAD4 \
	VMOVUPS (SI), V0; \
	VMOVUPS (SI)(R8*1), V1; \
	VMOVUPS (SI)(R8*2), V2; \
	VMOVUPS (SI)(R10*1), V3
#define OP4(OP) \
	OP (DX), V0, V0; \
	OP (DX)(R9*1), V1, V1; \
	OP (DX)(R9*2), V2, V2; \
	OP (DX)(R11*1), V3, V3

// CLAMP4 and CLAMP1 clamp four results or one; NOCLAMP4 and NOCLAMP1
// leave them as they are (MAXIMUM and MINIMUM take no activation).
#define CLAMP4 \
	CLAMP(V0); \
	CLAMP(V1); \
	CLAMP(V2); \
	CLAMP(V3)
#define CLAMP1 CLAMP(V0)
#define NOCLAMP4
#define NOCLAMP1

// STORE4 stores the four results and advances the pointers.
#define STORE4 \
	VMOVUPS V0, (DI); \
	VMOVUPS V1, (VB*1)(DI); \
	VMOVUPS V2, (VB*2)(DI); \
	VMOVUPS V3, (VB*3)(DI); \
	ADDQ $(VB*4), DI; \
	LEAQ (SI)(R8*4), SI; \
	LEAQ (DX)(R9*4), DX

// STORE1 stores one result and advances the pointers.
#define STORE1 \
	VMOVUPS V0, (DI); \
	ADDQ $VB, DI; \
	ADDQ R8, SI; \
	ADDQ R9, DX

// KERNEL(OP, FIX4, FIX1) is every kernel after PROLOGUE: four vectors a
// step while four are left, then one at a time. OP y, x, x computes
// x OP y; FIX4 and FIX1 finish four results or one (CLAMP4 and CLAMP1,
// or NOCLAMP4 and NOCLAMP1).
#define KERNEL(OP, FIX4, FIX1) \
quad: \
	CMPQ CX, $4; \
	JLT one; \
	LOAD4; \
	OP4(OP); \
	FIX4; \
	STORE4; \
	SUBQ $4, CX; \
	JMP quad; \
one: \
	TESTQ CX, CX; \
	JZ done; \
	VMOVUPS (SI), V0; \
	OP (DX), V0, V0; \
	FIX1; \
	STORE1; \
	DECQ CX; \
	JMP one; \
done: \
	VZEROUPPER; \
	RET
