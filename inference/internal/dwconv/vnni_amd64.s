//go:build amd64

#include "textflag.h"
#include "go_asm.h"
#include "ops_amd64.h"

// AVX-512 VNNI depthwise kernel (see rowArgs and simdLayout).
//
// Buffer columns hold, per unit of 4 filter rows and channel, the bytes
// x[4u+b] + 128 (b = 0..3, unsigned), so that VPDPBUSD with the weights'
// quads adds 4 taps to each channel's 32-bit lane.
//
// Supers (64 channels): a unit of a column is built from 64 channels of
// each of its 4 input rows by unpacking bytes, then words, within 128-bit
// lanes, which leaves the four vectors in the blocks' channel order
// (simdLayout); after requantization, packing dwords to words and words to
// bytes within lanes restores the channel order, so a pixel's 64 outputs
// are one store.
//
// Groups (16 channels): each of a quad's 4 rows is broadcast to the 4
// lanes and shuffled so that lane L takes channels 4L..4L+3 at bytes
// 4i+b; the four are ORed.
//
// For 3x3 filters (rowArgs.fast3) the pixel loops are unrolled, keep the
// weights in registers and compute two pixels at a time (SPAIR3, GPAIR3);
// other filters take the general loops over filter columns and units.
//
// Registers: Z20 the bytes 0x80, Z21 2^30 per qword, Z22 the output
// offset, Z23 qmin, Z24 qmax (dwords), Z25 -1, Z16, Z17 qmin, qmax (bytes),
// Z26-Z29 the groups' row shuffles, K1 the odd lanes; Z0-Z15, Z18, Z19
// accumulators and temporaries. The 3x3 loops use more (see SPAIR3 and
// GPAIR3); Z20, Z23, Z24 and Z26-Z29 are loaded again after them.

// REQ requantizes the 16 lanes of R with the meta block at OFF(R12) (T1,
// T2: temporaries) and adds the output offset.
#define REQ(R, OFF, T1, T2) \
	REQ16(R, T1, T2, (OFF+M_LEFT)(R12), (OFF+M_MULT)(R12), (OFF+M_MODD)(R12), (OFF+M_RIGHT)(R12), (OFF+M_MASK)(R12), (OFF+M_THR)(R12))

// FILL80 fills one 64-byte unit of a padding column with 0x80 (input 0).
#define FILL80 VMOVDQU32 Z20, (SI)

// UNITROWS loads the 4 row pointers of unit rowArgs_u (plus R15, the
// channel offset) into R8-R11, their steps into R12-R14, DX, then
// UNITCOL.
#define UNITROWS(COL, USHIFT) \
	MOVQ rowArgs_u(DI), BX; \
	SHLQ $5, BX; \
	MOVQ rowArgs_rows+0(DI)(BX*1), R8; \
	MOVQ rowArgs_rows+8(DI)(BX*1), R9; \
	MOVQ rowArgs_rows+16(DI)(BX*1), R10; \
	MOVQ rowArgs_rows+24(DI)(BX*1), R11; \
	MOVQ rowArgs_steps+0(DI)(BX*1), R12; \
	MOVQ rowArgs_steps+8(DI)(BX*1), R13; \
	MOVQ rowArgs_steps+16(DI)(BX*1), R14; \
	MOVQ rowArgs_steps+24(DI)(BX*1), DX; \
	ADDQ R15, R8; \
	ADDQ R15, R9; \
	ADDQ R15, R10; \
	ADDQ R15, R11; \
	UNITCOL(COL, USHIFT)

// TAPS3 adds one filter column's 4 blocks (weights W0-W3, registers or
// memory; buffer vectors at Q0-Q3) to accumulators A0-A3.
#define TAPS3(Q0, Q1, Q2, Q3, W0, W1, W2, W3, A0, A1, A2, A3) \
	VMOVDQU32 Q0, Z20; \
	VPDPBUSD W0, Z20, A0; \
	VMOVDQU32 Q1, Z23; \
	VPDPBUSD W1, Z23, A1; \
	VMOVDQU32 Q2, Z24; \
	VPDPBUSD W2, Z24, A2; \
	VMOVDQU32 Q3, Z31; \
	VPDPBUSD W3, Z31, A3

// PACKSTORE packs the requantized blocks A0-A3 of one pixel to its 64
// bytes in channel order, clamps them and stores them at D.
#define PACKSTORE(A0, A1, A2, A3, D) \
	VPACKSSDW A1, A0, A0; \
	VPACKSSDW A3, A2, A2; \
	VPACKSSWB A2, A0, A0; \
	VPMAXSB Z16, A0, A0; \
	VPMINSB Z17, A0, A0; \
	VMOVDQU32 A0, D

// SMETA loads the meta block at OFF(R12) into Z19 (left), Z26 (mult),
// Z27 (multOdd), Z28 (right), Z29 (mask), Z30 (thr).
#define SMETA(OFF) \
	VMOVDQU32 (OFF+M_LEFT)(R12), Z19; \
	VMOVDQU32 (OFF+M_MULT)(R12), Z26; \
	VMOVDQU32 (OFF+M_MODD)(R12), Z27; \
	VMOVDQU32 (OFF+M_RIGHT)(R12), Z28; \
	VMOVDQU32 (OFF+M_MASK)(R12), Z29; \
	VMOVDQU32 (OFF+M_THR)(R12), Z30

// SREQ requantizes R with the meta block SMETA loaded (gemm.VecScaling,
// lane by lane) and adds the output offset; SREQN skips the left shift.
#define SREQ(R, T1, T2) REQ16(R, T1, T2, Z19, Z26, Z27, Z28, Z29, Z30)
#define SREQN(R, T1, T2) REQ16N(R, T1, T2, Z26, Z27, Z28, Z29, Z30)

// SPAIR3 is the supers' pixel loop for 3x3 filters (see spixel3start),
// two pixels at a time (a lone last pixel is computed twice, into the
// same bytes), with REQM the requantization (SREQ or SREQN), each block's
// meta block loaded once for both pixels. Registers: Z0-Z3, Z4-Z7 the two
// pixels' accumulators, Z8-Z15, Z18 the weights of filter columns 0, 1
// and of block 0 of column 2 (the other three come from memory at R10),
// Z19, Z26-Z30 the meta block, Z20, Z23, Z24, Z31 temporaries; R9 and SI
// the pixels' first buffer columns, R8 and R15 their outputs, CX and DX
// their addend offsets.
#define SPAIR3(REQM, L, LONE) \
L:; \
	MOVQ (BX), CX; \
	MOVQ R9, SI; \
	MOVQ R8, R15; \
	MOVQ CX, DX; \
	CMPQ R11, $1; \
	JEQ LONE; \
	MOVQ 8(BX), DX; \
	ADDQ rowArgs_qpixs(DI), SI; \
	ADDQ R14, R15; \
LONE:; \
	VMOVDQU32 (AX)(CX*1), Z0; \
	VMOVDQU32 64(AX)(CX*1), Z1; \
	VMOVDQU32 128(AX)(CX*1), Z2; \
	VMOVDQU32 192(AX)(CX*1), Z3; \
	VMOVDQU32 (AX)(DX*1), Z4; \
	VMOVDQU32 64(AX)(DX*1), Z5; \
	VMOVDQU32 128(AX)(DX*1), Z6; \
	VMOVDQU32 192(AX)(DX*1), Z7; \
	TAPS3((R9), 64(R9), 128(R9), 192(R9), Z8, Z9, Z10, Z11, Z0, Z1, Z2, Z3); \
	TAPS3((SI), 64(SI), 128(SI), 192(SI), Z8, Z9, Z10, Z11, Z4, Z5, Z6, Z7); \
	TAPS3((R9)(R13*1), 64(R9)(R13*1), 128(R9)(R13*1), 192(R9)(R13*1), Z12, Z13, Z14, Z15, Z0, Z1, Z2, Z3); \
	TAPS3((SI)(R13*1), 64(SI)(R13*1), 128(SI)(R13*1), 192(SI)(R13*1), Z12, Z13, Z14, Z15, Z4, Z5, Z6, Z7); \
	TAPS3((R9)(R13*2), 64(R9)(R13*2), 128(R9)(R13*2), 192(R9)(R13*2), Z18, 576(R10), 640(R10), 704(R10), Z0, Z1, Z2, Z3); \
	TAPS3((SI)(R13*2), 64(SI)(R13*2), 128(SI)(R13*2), 192(SI)(R13*2), Z18, 576(R10), 640(R10), 704(R10), Z4, Z5, Z6, Z7); \
	SMETA(0); \
	REQM(Z0, Z20, Z23); \
	REQM(Z4, Z24, Z31); \
	SMETA(M_SIZE); \
	REQM(Z1, Z20, Z23); \
	REQM(Z5, Z24, Z31); \
	SMETA(2*M_SIZE); \
	REQM(Z2, Z20, Z23); \
	REQM(Z6, Z24, Z31); \
	SMETA(3*M_SIZE); \
	REQM(Z3, Z20, Z23); \
	REQM(Z7, Z24, Z31); \
	PACKSTORE(Z0, Z1, Z2, Z3, (R8)); \
	PACKSTORE(Z4, Z5, Z6, Z7, (R15)); \
	LEAQ (R15)(R14*1), R8; \
	MOVQ SI, R9; \
	ADDQ rowArgs_qpixs(DI), R9; \
	ADDQ $16, BX; \
	SUBQ $2, R11; \
	JGT L

// REQR is REQ with the meta block in registers: Z10 left, Z11 mult, Z12
// multOdd, Z13 right, Z14 mask, Z15 thr. REQRN skips the left shift.
#define REQR(R, T1, T2) REQ16(R, T1, T2, Z10, Z11, Z12, Z13, Z14, Z15)
#define REQRN(R, T1, T2) REQ16N(R, T1, T2, Z11, Z12, Z13, Z14, Z15)

// GSTORE clamps the requantized block A and stores its 16 bytes at D
// (through X, an XMM temporary).
#define GSTORE(A, X, D) \
	VPMAXSD Z23, A, A; \
	VPMINSD Z24, A, A; \
	VPMOVDB A, X; \
	VMOVDQU X, D

// GPAIR3 is the groups' pixel loop for 3x3 filters, two pixels at a time
// as SPAIR3, with REQM the requantization. Registers: Z0, Z1 the
// accumulators, Z5-Z7 the weights, Z10-Z15 the meta block, Z2-Z4, Z8,
// Z9, Z18, Z19 temporaries.
#define GPAIR3(REQM, L, LONE) \
L:; \
	MOVQ (BX), CX; \
	MOVQ R9, SI; \
	MOVQ R8, R15; \
	MOVQ CX, DX; \
	CMPQ R11, $1; \
	JEQ LONE; \
	MOVQ 8(BX), DX; \
	ADDQ R10, SI; \
	ADDQ R14, R15; \
LONE:; \
	VMOVDQU32 (AX)(CX*1), Z0; \
	VMOVDQU32 (AX)(DX*1), Z1; \
	VMOVDQU32 (R9), Z2; \
	VPDPBUSD Z5, Z2, Z0; \
	VMOVDQU32 (SI), Z3; \
	VPDPBUSD Z5, Z3, Z1; \
	VMOVDQU32 (R9)(R13*1), Z4; \
	VPDPBUSD Z6, Z4, Z0; \
	VMOVDQU32 (SI)(R13*1), Z8; \
	VPDPBUSD Z6, Z8, Z1; \
	VMOVDQU32 (R9)(R13*2), Z9; \
	VPDPBUSD Z7, Z9, Z0; \
	VMOVDQU32 (SI)(R13*2), Z18; \
	VPDPBUSD Z7, Z18, Z1; \
	REQM(Z0, Z2, Z3); \
	REQM(Z1, Z4, Z9); \
	GSTORE(Z0, X8, (R8)); \
	GSTORE(Z1, X8, (R15)); \
	LEAQ (R15)(R14*1), R8; \
	LEAQ (SI)(R10*1), R9; \
	ADDQ $16, BX; \
	SUBQ $2, R11; \
	JGT L

// func dwVNNI(a *rowArgs)
TEXT ·dwVNNI(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), DI
	MOVQ rowArgs_cst(DI), AX
	VPBROADCASTQ consts_c30(AX), Z21
	VPBROADCASTD consts_out(AX), Z22
	VPBROADCASTD consts_qmin(AX), Z23
	VPBROADCASTD consts_qmax(AX), Z24
	VPBROADCASTB consts_qmin(AX), Z16
	VPBROADCASTB consts_qmax(AX), Z17
	VPTERNLOGD $0xff, Z25, Z25, Z25
	MOVL $0x80808080, BX
	VPBROADCASTD BX, Z20
	MOVL $0xaaaa, BX
	KMOVW BX, K1

	CMPQ rowArgs_supers(DI), $0
	JEQ groups
	PADS(rowArgs_cols, FILL80, spad1, spad1done, spad2, spad2done)
	MOVQ $0, rowArgs_g(DI)

super:
	MOVL $0x80808080, BX
	VPBROADCASTD BX, Z20
	MOVQ rowArgs_g(DI), R15
	SHLQ $6, R15 // the super's first channel
	BUILD(sbuilt)

sunit:
	UNITROWS(rowArgs_cols, 8)

scolumn:
	VPXORD (R8), Z20, Z4
	VPXORD (R9), Z20, Z5
	VPXORD (R10), Z20, Z6
	VPXORD (R11), Z20, Z7
	VPUNPCKLBW Z5, Z4, Z8 // rows 0, 1: lane bytes 0-7 as pairs
	VPUNPCKHBW Z5, Z4, Z9 // 8-15
	VPUNPCKLBW Z7, Z6, Z4 // rows 2, 3
	VPUNPCKHBW Z7, Z6, Z5
	VPUNPCKLWD Z4, Z8, Z6 // quads of lane bytes 0-3
	VPUNPCKHWD Z4, Z8, Z7 // 4-7
	VPUNPCKLWD Z5, Z9, Z8 // 8-11
	VPUNPCKHWD Z5, Z9, Z9 // 12-15
	VMOVDQU32 Z6, (SI)
	VMOVDQU32 Z7, 64(SI)
	VMOVDQU32 Z8, 128(SI)
	VMOVDQU32 Z9, 192(SI)
	ADDQ R12, R8
	ADDQ R13, R9
	ADDQ R14, R10
	ADDQ DX, R11
	ADDQ AX, SI
	DECQ CX
	JNZ scolumn

	NEXTUNIT(sunit)

sbuilt:
	PIXELS(rowArgs_meta, 4*M_SIZE, rowArgs_add, 8, rowArgs_w, rowArgs_wsteps, spixel3start)

spixel:
	MOVQ (BX), CX
	VMOVDQU32 (AX)(CX*1), Z0
	VMOVDQU32 64(AX)(CX*1), Z1
	VMOVDQU32 128(AX)(CX*1), Z2
	VMOVDQU32 192(AX)(CX*1), Z3
	MOVQ R10, SI
	MOVQ R9, DX
	MOVQ rowArgs_kw(DI), CX

stapx:
	MOVQ DX, R14
	MOVQ R13, R15

stapu:
	VMOVDQU32 (R14), Z4
	VMOVDQU32 64(R14), Z5
	VMOVDQU32 128(R14), Z6
	VMOVDQU32 192(R14), Z7
	VPDPBUSD (SI), Z4, Z0
	VPDPBUSD 64(SI), Z5, Z1
	VPDPBUSD 128(SI), Z6, Z2
	VPDPBUSD 192(SI), Z7, Z3
	ADDQ $256, SI
	ADDQ $256, R14
	DECQ R15
	JNZ stapu
	ADDQ rowArgs_qtaps(DI), DX
	DECQ CX
	JNZ stapx

	// Requantize, pack to bytes in channel order, clamp, store 64 bytes.
	REQ(Z0, 0, Z4, Z5)
	REQ(Z1, M_SIZE, Z6, Z7)
	REQ(Z2, 2*M_SIZE, Z8, Z9)
	REQ(Z3, 3*M_SIZE, Z10, Z11)
	PACKSTORE(Z0, Z1, Z2, Z3, (R8))

	ADDQ rowArgs_cstep(DI), R8
	ADDQ rowArgs_qpixs(DI), R9
	ADDQ $8, BX
	DECQ R11
	JNZ spixel

snext:
	NEXTGROUP(rowArgs_supers, super)
	JMP groups

	// One unit and 3 filter columns (3x3 filters): the weights stay in
	// registers, the taps are unrolled.
spixel3start:
	VMOVDQU32 0(R10), Z8
	VMOVDQU32 64(R10), Z9
	VMOVDQU32 128(R10), Z10
	VMOVDQU32 192(R10), Z11
	VMOVDQU32 256(R10), Z12
	VMOVDQU32 320(R10), Z13
	VMOVDQU32 384(R10), Z14
	VMOVDQU32 448(R10), Z15
	VMOVDQU32 512(R10), Z18
	MOVQ rowArgs_qtaps(DI), R13
	MOVQ rowArgs_cstep(DI), R14
	CMPQ rowArgs_noleft(DI), $0
	JNE spair3n
	SPAIR3(SREQ, spair3, spair3one)
	JMP snext

spair3n:
	SPAIR3(SREQN, spair3nl, spair3nlone)
	JMP snext

groups:
	CMPQ rowArgs_groups(DI), $0
	JEQ done
	MOVQ rowArgs_cst(DI), AX
	VPBROADCASTD consts_qmin(AX), Z23
	VPBROADCASTD consts_qmax(AX), Z24
	MOVL $0x80808080, BX
	VPBROADCASTD BX, Z20
	VMOVDQU32 consts_shuf+0(AX), Z26
	VMOVDQU32 consts_shuf+64(AX), Z27
	VMOVDQU32 consts_shuf+128(AX), Z28
	VMOVDQU32 consts_shuf+192(AX), Z29
	PADS(rowArgs_col, FILL80, gpad1, gpad1done, gpad2, gpad2done)
	MOVQ $0, rowArgs_g(DI)

group:
	GROUP16(gbuilt)

gunit:
	UNITROWS(rowArgs_col, 6)

gcolumn:
	VBROADCASTI32X4 (R8), Z4
	VBROADCASTI32X4 (R9), Z5
	VBROADCASTI32X4 (R10), Z6
	VBROADCASTI32X4 (R11), Z7
	VPSHUFB Z26, Z4, Z4
	VPSHUFB Z27, Z5, Z5
	VPSHUFB Z28, Z6, Z6
	VPSHUFB Z29, Z7, Z7
	VPTERNLOGD $0xfe, Z6, Z5, Z4 // Z4 | Z5 | Z6
	VPTERNLOGD $0x56, Z20, Z7, Z4 // (Z4 | Z7) ^ 0x80
	VMOVDQU32 Z4, (SI)
	ADDQ R12, R8
	ADDQ R13, R9
	ADDQ R14, R10
	ADDQ DX, R11
	ADDQ AX, SI
	DECQ CX
	JNZ gcolumn

	NEXTUNIT(gunit)

gbuilt:
	PIXELS(rowArgs_metag, M_SIZE, rowArgs_addg, 6, rowArgs_wg, rowArgs_wstep, gpixel3start)

gpixel:
	MOVQ (BX), CX
	VMOVDQU32 (AX)(CX*1), Z0
	MOVQ R10, SI
	MOVQ R9, DX
	MOVQ rowArgs_kw(DI), CX

gtapx:
	MOVQ DX, R14
	MOVQ R13, R15

gtapu:
	VMOVDQU32 (R14), Z1
	VPDPBUSD (SI), Z1, Z0
	ADDQ $64, SI
	ADDQ $64, R14
	DECQ R15
	JNZ gtapu
	ADDQ rowArgs_qtap(DI), DX
	DECQ CX
	JNZ gtapx

	REQ(Z0, 0, Z1, Z2)
	GSTORE(Z0, X0, (R8))

	ADDQ rowArgs_cstep(DI), R8
	ADDQ rowArgs_qpix(DI), R9
	ADDQ $8, BX
	DECQ R11
	JNZ gpixel

gnext:
	NEXTGROUP(rowArgs_groups, group)
	JMP done

	// One unit and 3 filter columns, as for supers.
gpixel3start:
	VMOVDQU32 0(R10), Z5
	VMOVDQU32 64(R10), Z6
	VMOVDQU32 128(R10), Z7
	VMOVDQU32 M_LEFT(R12), Z10
	VMOVDQU32 M_MULT(R12), Z11
	VMOVDQU32 M_MODD(R12), Z12
	VMOVDQU32 M_RIGHT(R12), Z13
	VMOVDQU32 M_MASK(R12), Z14
	VMOVDQU32 M_THR(R12), Z15
	MOVQ rowArgs_qtap(DI), R13
	MOVQ rowArgs_qpix(DI), R10
	MOVQ rowArgs_cstep(DI), R14
	CMPQ rowArgs_noleft(DI), $0
	JNE gpair3n
	GPAIR3(REQR, gpair3, gpair3one)
	JMP gnext

gpair3n:
	GPAIR3(REQRN, gpair3nl, gpair3nlone)
	JMP gnext

done:
	VZEROUPPER
	RET
