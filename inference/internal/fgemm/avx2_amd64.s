//go:build amd64

#include "textflag.h"
#include "go_asm.h"

// AVX2 kernels: VMULPS then VADDPS (never FMA), one output channel per
// lane, so each lane adds the rounded products in the reference's order.
// See doc.go for the epilogue.

// Offsets in the consts block.
#define C_LO 0
#define C_HI 64
#define C_NAN 128

// FIN finishes the 8 sums in V: adds the bias at OFF(B), clamps them to
// [lo, hi] (Y12, Y13) as Go's max and min do, and replaces NaN lanes by
// the canonical NaN at C_NAN(CST). Temporaries: Y14 (the NaN lanes), Y15.
// MAXPS returns its second operand on ties and on NaN, so MAXPS(v, lo)
// and MAXPS(lo, v) differ only when v and lo are zeros of opposite signs,
// where their AND is +0 (Go's max); min is the OR of the two MINPS.
#define FIN(V, OFF, B, CST) \
	VADDPS OFF(B), V, V; \
	VCMPPS $3, V, V, Y14; \
	VMAXPS Y12, V, Y15; \
	VMAXPS V, Y12, V; \
	VANDPS Y15, V, V; \
	VMINPS Y13, V, Y15; \
	VMINPS V, Y13, V; \
	VORPS Y15, V, V; \
	VBLENDVPS Y14, C_NAN(CST), V, V

// ROW6 multiplies row R's activation k (CX) by the panel's 16 weights of
// k (Y12, Y13) and adds the products to the row's accumulators A, B.
#define ROW6(R, A, B) \
	VBROADCASTSS (R)(CX*4), Y14; \
	VMULPS Y12, Y14, Y15; \
	VADDPS Y15, A, A; \
	VMULPS Y13, Y14, Y15; \
	VADDPS Y15, B, B

// STORE6 finishes row r's accumulators A, B and stores them at the row's
// output pointer (args field D_) plus the column offset R14.
#define STORE6(A, B, D_) \
	FIN(A, 0, DX, BX); \
	FIN(B, 32, DX, BX); \
	MOVQ D_(DI), R8; \
	VMOVUPS A, (R8)(R14*1); \
	VMOVUPS B, 32(R8)(R14*1)

// func tileAVX2(t *args)
// Registers: Y0-Y11 accumulate rows 0..5 (two vectors each), Y12-Y13 hold
// the weights of one k, Y14 a broadcast activation, Y15 a product.
// R8-R13 point at the rows, CX is k, SI walks the weights, DX the bias,
// R14 is the output column offset in bytes, AX counts panels, BX points
// at the constants in the epilogue.
TEXT ·tileAVX2(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ args_w+0(DI), SI
	MOVQ args_b+0(DI), DX
	MOVQ args_panels(DI), AX
	XORQ R14, R14

panel:
	MOVQ args_a+0(DI), R8
	MOVQ args_a+8(DI), R9
	MOVQ args_a+16(DI), R10
	MOVQ args_a+24(DI), R11
	MOVQ args_a+32(DI), R12
	MOVQ args_a+40(DI), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	XORQ CX, CX
	MOVQ args_kq(DI), BX

kloop:
	VMOVUPS (SI), Y12
	VMOVUPS 32(SI), Y13
	ADDQ $64, SI
	ROW6(R8, Y0, Y1)
	ROW6(R9, Y2, Y3)
	ROW6(R10, Y4, Y5)
	ROW6(R11, Y6, Y7)
	ROW6(R12, Y8, Y9)
	ROW6(R13, Y10, Y11)
	INCQ CX
	CMPQ CX, BX
	JLT kloop

	MOVQ args_cst(DI), BX
	VMOVUPS C_LO(BX), Y12
	VMOVUPS C_HI(BX), Y13
	STORE6(Y0, Y1, args_d+0)
	STORE6(Y2, Y3, args_d+8)
	STORE6(Y4, Y5, args_d+16)
	STORE6(Y6, Y7, args_d+24)
	STORE6(Y8, Y9, args_d+32)
	STORE6(Y10, Y11, args_d+40)
	ADDQ $64, DX
	ADDQ $64, R14
	DECQ AX
	JNZ panel
	VZEROUPPER
	RET

// SLOT1 multiplies the broadcast activation (Y8) by the 16 weights of k
// of panel slot W (at byte offset DX) and adds them to A, B.
#define SLOT1(W, A, B) \
	VMULPS (W)(DX*1), Y8, Y9; \
	VADDPS Y9, A, A; \
	VMULPS 32(W)(DX*1), Y8, Y10; \
	VADDPS Y10, B, B

// STORE1 finishes slot j's accumulators A, B (bias at args field B_) and
// stores them at the slot's output (args field D_).
#define STORE1(A, B, B_, D_) \
	MOVQ B_(DI), DX; \
	FIN(A, 0, DX, BX); \
	FIN(B, 32, DX, BX); \
	MOVQ D_(DI), R8; \
	VMOVUPS A, (R8); \
	VMOVUPS B, 32(R8)

// func rowAVX2(t *args)
// computes one row × 4 panels of 16 channels, for fully connected layers
// of one batch and LSTM gates: 8 independent chains of additions.
// Registers: Y0-Y7 accumulate the slots (two vectors each), Y8 holds the
// broadcast activation, Y9-Y10 products. R8 points at the row, R9-R12 at
// the slots' weights, CX is k, DX the byte offset into the panels.
TEXT ·rowAVX2(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ args_a+0(DI), R8
	MOVQ args_w+0(DI), R9
	MOVQ args_w+8(DI), R10
	MOVQ args_w+16(DI), R11
	MOVQ args_w+24(DI), R12
	MOVQ args_kq(DI), BX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ CX, CX
	XORQ DX, DX

rloop:
	VBROADCASTSS (R8)(CX*4), Y8
	SLOT1(R9, Y0, Y1)
	SLOT1(R10, Y2, Y3)
	SLOT1(R11, Y4, Y5)
	SLOT1(R12, Y6, Y7)
	ADDQ $64, DX
	INCQ CX
	CMPQ CX, BX
	JLT rloop

	MOVQ args_cst(DI), BX
	VMOVUPS C_LO(BX), Y12
	VMOVUPS C_HI(BX), Y13
	STORE1(Y0, Y1, args_b+0, args_d+0)
	STORE1(Y2, Y3, args_b+8, args_d+8)
	STORE1(Y4, Y5, args_b+16, args_d+16)
	STORE1(Y6, Y7, args_b+24, args_d+24)
	VZEROUPPER
	RET
