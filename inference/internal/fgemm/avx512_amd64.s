//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// AVX-512 kernels of the avx512vnni path (only AVX-512 F instructions):
// VMULPS then VADDPS on 512-bit registers (never FMA), one output channel
// per lane. See avx2_amd64.s and doc.go for the epilogue.

// Offsets in the consts block.
#define C_LO 0
#define C_HI 64
#define C_NAN 128

// FINZ finishes the 16 sums in V: adds the bias at OFF(DX), clamps them to
// [lo, hi] (Z16, Z17) as Go's max and min do (see FIN in avx2_amd64.s),
// and replaces NaN lanes (mask K1) by the canonical NaN (Z18).
// Temporary: Z19.
#define FINZ(V, OFF) \
	VADDPS OFF(DX), V, V; \
	VCMPPS $3, V, V, K1; \
	VMAXPS Z16, V, Z19; \
	VMAXPS V, Z16, V; \
	VPANDD Z19, V, V; \
	VMINPS Z17, V, Z19; \
	VMINPS V, Z17, V; \
	VPORD Z19, V, V; \
	VMOVAPS Z18, K1, V

// LOADCST loads lo, hi and the canonical NaN from the consts block into
// Z16-Z18, through AX.
#define LOADCST \
	MOVQ args_cst(DI), AX; \
	VMOVUPS C_LO(AX), Z16; \
	VMOVUPS C_HI(AX), Z17; \
	VMOVUPS C_NAN(AX), Z18

// ROWZ multiplies row R's activation k (CX) by the panel's 32 weights of
// k (Z16, Z17) and adds the products to the row's accumulators A, B.
#define ROWZ(R, A, B) \
	VBROADCASTSS (R)(CX*4), Z20; \
	VMULPS Z16, Z20, Z21; \
	VADDPS Z21, A, A; \
	VMULPS Z17, Z20, Z22; \
	VADDPS Z22, B, B

// STOREZ finishes a row's accumulators A, B and stores them at the row's
// output pointer (args field D_) plus the column offset R14.
#define STOREZ(A, B, D_) \
	FINZ(A, 0); \
	FINZ(B, 64); \
	MOVQ D_(DI), R8; \
	VMOVUPS A, (R8)(R14*1); \
	VMOVUPS B, 64(R8)(R14*1)

// func tileZMM(t *args)
// Registers: Z0-Z15 accumulate rows 0..7 (two vectors each), Z16-Z17 hold
// the weights of one k, Z20 a broadcast activation, Z21-Z22 products.
// R8-R13, AX and BX point at the rows, CX is k, SI walks the weights, DX
// the bias, R14 is the output column offset in bytes; args.panels counts
// the panels down.
TEXT ·tileZMM(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ args_w+0(DI), SI
	MOVQ args_b+0(DI), DX
	XORQ R14, R14

panel:
	MOVQ args_a+0(DI), R8
	MOVQ args_a+8(DI), R9
	MOVQ args_a+16(DI), R10
	MOVQ args_a+24(DI), R11
	MOVQ args_a+32(DI), R12
	MOVQ args_a+40(DI), R13
	MOVQ args_a+48(DI), AX
	MOVQ args_a+56(DI), BX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	XORQ CX, CX

kloop:
	VMOVUPS (SI), Z16
	VMOVUPS 64(SI), Z17
	ADDQ $128, SI
	ROWZ(R8, Z0, Z1)
	ROWZ(R9, Z2, Z3)
	ROWZ(R10, Z4, Z5)
	ROWZ(R11, Z6, Z7)
	ROWZ(R12, Z8, Z9)
	ROWZ(R13, Z10, Z11)
	ROWZ(AX, Z12, Z13)
	ROWZ(BX, Z14, Z15)
	INCQ CX
	CMPQ CX, args_kq(DI)
	JLT kloop

	LOADCST
	STOREZ(Z0, Z1, args_d+0)
	STOREZ(Z2, Z3, args_d+8)
	STOREZ(Z4, Z5, args_d+16)
	STOREZ(Z6, Z7, args_d+24)
	STOREZ(Z8, Z9, args_d+32)
	STOREZ(Z10, Z11, args_d+40)
	STOREZ(Z12, Z13, args_d+48)
	STOREZ(Z14, Z15, args_d+56)
	ADDQ $128, DX
	ADDQ $128, R14
	DECQ args_panels(DI)
	JNZ panel
	VZEROUPPER
	RET

// SLOTZ multiplies the broadcast activation (Z8) by the 32 weights of k
// of panel slot W (at byte offset DX) and adds them to A, B.
#define SLOTZ(W, A, B) \
	VMULPS (W)(DX*1), Z8, Z9; \
	VADDPS Z9, A, A; \
	VMULPS 64(W)(DX*1), Z8, Z10; \
	VADDPS Z10, B, B

// STORE1Z finishes slot j's accumulators A, B (bias at args field B_) and
// stores them at the slot's output (args field D_).
#define STORE1Z(A, B, B_, D_) \
	MOVQ B_(DI), DX; \
	FINZ(A, 0); \
	FINZ(B, 64); \
	MOVQ D_(DI), R8; \
	VMOVUPS A, (R8); \
	VMOVUPS B, 64(R8)

// func rowZMM(t *args)
// computes one row × 4 panels of 32 channels: 8 independent chains of
// additions. Registers: Z0-Z7 accumulate the slots (two vectors each), Z8
// holds the broadcast activation, Z9-Z10 products. R8 points at the row,
// R9-R12 at the slots' weights, CX is k, DX the byte offset into the
// panels, BX the depth.
TEXT ·rowZMM(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ args_a+0(DI), R8
	MOVQ args_w+0(DI), R9
	MOVQ args_w+8(DI), R10
	MOVQ args_w+16(DI), R11
	MOVQ args_w+24(DI), R12
	MOVQ args_kq(DI), BX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	XORQ CX, CX
	XORQ DX, DX

rloop:
	VBROADCASTSS (R8)(CX*4), Z8
	SLOTZ(R9, Z0, Z1)
	SLOTZ(R10, Z2, Z3)
	SLOTZ(R11, Z4, Z5)
	SLOTZ(R12, Z6, Z7)
	ADDQ $128, DX
	INCQ CX
	CMPQ CX, BX
	JLT rloop

	LOADCST
	STORE1Z(Z0, Z1, args_b+0, args_d+0)
	STORE1Z(Z2, Z3, args_b+8, args_d+8)
	STORE1Z(Z4, Z5, args_b+16, args_d+16)
	STORE1Z(Z6, Z7, args_b+24, args_d+24)
	VZEROUPPER
	RET
