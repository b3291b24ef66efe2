//go:build amd64

#include "textflag.h"
#include "go_asm.h"
#include "req8_amd64.h"

// AVX-VNNI kernel: tiles of 6 rows × 16 channels (two 256-bit vectors),
// the weights laid out as for avx512vnni (see packDot), the epilogue the
// avx2 path's (req8_amd64.h). For CPUs with AVX-VNNI but no AVX-512
// (Alder Lake and later client cores, Alder Lake-N, Zen 5 client).
//
// VPDPBUSD multiplies the unsigned bytes of its first source by the
// signed bytes of its second, four per 32-bit lane, and adds the sums to
// the destination lane without saturation. The activations are made
// unsigned by flipping their sign bit (a + 128); the addend holds -128*Σw
// to compensate.
//
// Registers (tile kernel): Y0-Y11 accumulate rows 0..5 (two vectors each:
// channels 0-7, 8-15); Y12, Y13 hold the weights of the current group of
// 4; Y14 the broadcast activations; Y15 the bytes 0x80. AX, DX, R8, R9,
// R10, R13 point at the rows, CX is the byte offset along K, SI walks the
// weights, BX counts groups, then holds an output row in the epilogue,
// R11 points at the meta block, R12 at the constants, R14 is the output
// column offset; tileArgs.panels counts the panels left.

// The Go assembler encodes VPDPBUSD only with EVEX (AVX512_VNNI +
// AVX512VL), which faults on CPUs without AVX-512, so the VEX form is
// emitted as bytes. VPDPBUSD ymm1, ymm2, ymm3/m256 is
// VEX.256.66.0F38.W0 50 /r, in the three-byte VEX prefix:
//
//	C4                      three-byte VEX
//	~R ~X ~B m-mmmm         ~R = NOT bit 3 of ymm1 (ModRM.reg), ~X = 1 (no index),
//	                        ~B = NOT bit 3 of ModRM.rm's register, m-mmmm = 00010 (0F38)
//	W ~vvvv L pp            W = 0, ~vvvv = NOT ymm2 (4 bits), L = 1 (256-bit), pp = 01 (66)
//	50                      opcode
//	ModRM                   register form: 11 reg=ymm1&7 rm=ymm3&7;
//	                        memory form (SI)+disp8: 01 reg=ymm1&7 rm=110, then disp8
//
// ymm1 accumulates, ymm2 holds the unsigned bytes (the biased
// activations), ymm3/m256 the signed bytes (the weights). In Go operand
// order the EVEX instruction would read VPDPBUSD ymm3, ymm2, ymm1. The
// macros take register numbers (Y<n>: n) and compute the bytes (so
// registers Y8-Y15 clear ~R or ~B); every use below was checked with
// objdump -d, which decodes them as vpdpbusd {vex}.

// DPBUSD(D, U, S): VPDPBUSD YS, YU, YD in Go order (register form).
#define DPBUSD(D, U, S) \
	BYTE $0xC4; \
	BYTE $((1-((D)>>3))<<7 | 0x40 | (1-((S)>>3))<<5 | 0x02); \
	BYTE $((15-(U))<<3 | 0x05); \
	BYTE $0x50; \
	BYTE $(0xC0 | ((D)&7)<<3 | ((S)&7))

// DPBUSDM(D, U, OFF): VPDPBUSD OFF(SI), YU, YD in Go order, OFF a
// displacement in [0, 127].
#define DPBUSDM(D, U, OFF) \
	BYTE $0xC4; \
	BYTE $((1-((D)>>3))<<7 | 0x62); \
	BYTE $((15-(U))<<3 | 0x05); \
	BYTE $0x50; \
	BYTE $(0x46 | ((D)&7)<<3); \
	BYTE $(OFF)

// ACT broadcasts a row's 4 activations at SRC into Y14 and biases them
// by 128 (Y15).
#define ACT(SRC) \
	VPBROADCASTD SRC, Y14; \
	VPXOR Y15, Y14, Y14

// ROW accumulates one row's group of 4 at SRC into accumulators A0
// (channels 0-7, weights Y12) and A0+1 (channels 8-15, weights Y13).
#define ROW(SRC, A0) \
	ACT(SRC); \
	DPBUSD(A0, 14, 12); \
	DPBUSD(A0+1, 14, 13)

#define LOADW \
	VMOVDQU (SI), Y12; \
	VMOVDQU 32(SI), Y13; \
	ADDQ $64, SI

// ZERO4 clears four accumulators.
#define ZERO4(A, B, C, D) \
	VPXOR A, A, A; \
	VPXOR B, B, B; \
	VPXOR C, C, C; \
	VPXOR D, D, D

// FRAME loads the bytes 0x80 (Y15), the weights (SI), the meta block
// (R11), the constants (R12), and starts at output column 0 (R14).
#define FRAME \
	MOVL $0x80808080, BX; \
	MOVQ BX, X15; \
	VPBROADCASTD X15, Y15; \
	MOVQ tileArgs_w(DI), SI; \
	MOVQ tileArgs_meta(DI), R11; \
	MOVQ tileArgs_cst(DI), R12; \
	XORQ R14, R14

// KSTART starts K at offset 0 (CX) with the count of full groups in BX,
// and goes to TAIL when there are none.
#define KSTART(TAIL) \
	XORQ CX, CX; \
	MOVQ tileArgs_kq(DI), BX; \
	TESTQ BX, BX; \
	JZ TAIL

// STOREROW finishes one row: accumulators A (channels 0-7) and C (8-15),
// XA, XC their low halves, D_ the args offset of the output row.
#define STOREROW(A, C, XA, XC, D_) \
	MOVQ D_(DI), BX; \
	STORE16(A, C, XA, XC, BX)

// NEXTPANEL moves to the next panel's meta block and output column and
// goes to PANEL while panels remain, else returns.
#define NEXTPANEL(PANEL) \
	ADDQ $M_SIZE, R11; \
	ADDQ $16, R14; \
	DECQ tileArgs_panels(DI); \
	JNZ PANEL; \
	VZEROUPPER; \
	RET

// func gemmAVXVNNI(t *tileArgs)
TEXT ·gemmAVXVNNI(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ tileArgs_a+0(DI), AX
	MOVQ tileArgs_a+8(DI), DX
	MOVQ tileArgs_a+16(DI), R8
	MOVQ tileArgs_a+24(DI), R9
	MOVQ tileArgs_a+32(DI), R10
	MOVQ tileArgs_a+40(DI), R13
	FRAME

panel:
	ZERO4(Y0, Y1, Y2, Y3)
	ZERO4(Y4, Y5, Y6, Y7)
	ZERO4(Y8, Y9, Y10, Y11)
	KSTART(tail)

kloop:
	LOADW
	ROW((AX)(CX*1), 0)
	ROW((DX)(CX*1), 2)
	ROW((R8)(CX*1), 4)
	ROW((R9)(CX*1), 6)
	ROW((R10)(CX*1), 8)
	ROW((R13)(CX*1), 10)
	ADDQ $4, CX
	DECQ BX
	JNZ kloop

tail:
	CMPQ tileArgs_kt(DI), $0
	JEQ epilogue
	LOADW
	ROW(tileArgs_tail+0(DI), 0)
	ROW(tileArgs_tail+4(DI), 2)
	ROW(tileArgs_tail+8(DI), 4)
	ROW(tileArgs_tail+12(DI), 6)
	ROW(tileArgs_tail+16(DI), 8)
	ROW(tileArgs_tail+20(DI), 10)

epilogue:
	STOREROW(Y0, Y1, X0, X1, tileArgs_d+0)
	STOREROW(Y2, Y3, X2, X3, tileArgs_d+8)
	STOREROW(Y4, Y5, X4, X5, tileArgs_d+16)
	STOREROW(Y6, Y7, X6, X7, tileArgs_d+24)
	STOREROW(Y8, Y9, X8, X9, tileArgs_d+32)
	STOREROW(Y10, Y11, X10, X11, tileArgs_d+40)
	NEXTPANEL(panel)

// func gemmAVXVNNI1(t *tileArgs)
// computes t.panels panels of 1 row × 16 channels, for matrices of few
// rows (a fully connected layer's single batch): four groups of 4 per
// iteration into separate accumulators (Y0-Y7), so that VPDPBUSD's
// latency overlaps, summed before the epilogue. The weights are memory
// operands; Y8-Y11 hold the four groups' activations.
TEXT ·gemmAVXVNNI1(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ tileArgs_a+0(DI), AX
	FRAME

panel1:
	ZERO4(Y0, Y1, Y2, Y3)
	ZERO4(Y4, Y5, Y6, Y7)
	XORQ CX, CX
	MOVQ tileArgs_kq(DI), BX
	CMPQ BX, $4
	JLT rest1

kloop4:
	VPBROADCASTD (AX)(CX*1), Y8
	VPBROADCASTD 4(AX)(CX*1), Y9
	VPBROADCASTD 8(AX)(CX*1), Y10
	VPBROADCASTD 12(AX)(CX*1), Y11
	VPXOR Y15, Y8, Y8
	VPXOR Y15, Y9, Y9
	VPXOR Y15, Y10, Y10
	VPXOR Y15, Y11, Y11
	DPBUSDM(0, 8, 0)
	DPBUSDM(1, 8, 32)
	DPBUSDM(2, 9, 64)
	DPBUSDM(3, 9, 96)
	ADDQ $128, SI
	DPBUSDM(4, 10, 0)
	DPBUSDM(5, 10, 32)
	DPBUSDM(6, 11, 64)
	DPBUSDM(7, 11, 96)
	ADDQ $128, SI
	ADDQ $16, CX
	SUBQ $4, BX
	CMPQ BX, $4
	JGE kloop4

rest1:
	TESTQ BX, BX
	JZ tail1

kloop1:
	LOADW
	ROW((AX)(CX*1), 0)
	ADDQ $4, CX
	DECQ BX
	JNZ kloop1

tail1:
	CMPQ tileArgs_kt(DI), $0
	JEQ epilogue1
	LOADW
	ROW(tileArgs_tail+0(DI), 2)

epilogue1:
	VPADDD Y2, Y0, Y0
	VPADDD Y3, Y1, Y1
	VPADDD Y6, Y4, Y4
	VPADDD Y7, Y5, Y5
	VPADDD Y4, Y0, Y0
	VPADDD Y5, Y1, Y1
	STOREROW(Y0, Y1, X0, X1, tileArgs_d+0)
	NEXTPANEL(panel1)
