// AArch64 Advanced SIMD instructions for the neon, sdot and i8mm kernels, and
// what the kernels share: the epilogue, the frame (prologue, panel loop,
// partial K block) and the one-row kernels' final sum.
//
// Go's assembler (1.26) does not know the signed integer vector
// instructions these kernels need (SMLAL, SSHL, SQRDMULH, SRSHL, SMAX,
// SMIN, SXTL, SDOT, SMMLA), so each macro below emits one instruction with WORD,
// encoded from the Arm Architecture Reference Manual (A64 "Advanced SIMD"
// encodings) and checked against llvm-mc. ADD, CMTST, UZP1, ZIP1/ZIP2 and MOV, which the
// assembler knows, are encoded the same way so that every macro takes
// plain register numbers (d, n, m: Vd, Vn, Vm; 0..31). Arguments are
// always parenthesized, so expressions such as 16+4*1 work.

// Three-register "same" forms on 4S (Q=1, size=10):
//   <op> Vd.4S, Vn.4S, Vm.4S = base | Rm<<16 | Rn<<5 | Rd.
#define VOP3(base, d, n, m) WORD $((base) | (m)<<16 | (n)<<5 | (d))

// ADD Vd.4S, Vn.4S, Vm.4S (wrapping).
#define ADD4S(d, n, m) VOP3(0x4EA08400, d, n, m)
// CMTST Vd.4S, Vn.4S, Vm.4S: lanes with (Vn & Vm) != 0 become all ones.
#define CMTST4S(d, n, m) VOP3(0x4EA08C00, d, n, m)
// SSHL Vd.4S, Vn.4S, Vm.4S: shift left by the signed low byte of Vm's
// lane (32 or more clears every bit; no saturation).
#define SSHL4S(d, n, m) VOP3(0x4EA04400, d, n, m)
// SRSHL Vd.4S, Vn.4S, Vm.4S: with a negative count -r, (Vn + 2^(r-1)) >> r
// computed without overflow (rounding half up).
#define SRSHL4S(d, n, m) VOP3(0x4EA05400, d, n, m)
// SQRDMULH Vd.4S, Vn.4S, Vm.4S: sat((2*Vn*Vm + 2^31) >> 32).
#define SQRDMULH4S(d, n, m) VOP3(0x6EA0B400, d, n, m)
// SMAX Vd.4S, Vn.4S, Vm.4S.
#define SMAX4S(d, n, m) VOP3(0x4EA06400, d, n, m)
// SMIN Vd.4S, Vn.4S, Vm.4S.
#define SMIN4S(d, n, m) VOP3(0x4EA06C00, d, n, m)
// UZP1 Vd.8H, Vn.8H, Vm.8H: the even halfwords of Vn then of Vm (the low
// halves of 4S lanes: narrows two 4S vectors to one 8H).
#define UZP18H(d, n, m) VOP3(0x4E401800, d, n, m)
// UZP1 Vd.16B, Vn.16B, Vm.16B: the even bytes of Vn then of Vm.
#define UZP116B(d, n, m) VOP3(0x4E001800, d, n, m)
// SDOT Vd.4S, Vn.16B, Vm.16B (FEAT_DotProd): each 32-bit lane of Vd plus
// the dot product of the lane's 4 signed bytes in Vn and in Vm.
#define SDOT4S(d, n, m) VOP3(0x4E809400, d, n, m)
// SMMLA Vd.4S, Vn.16B, Vm.16B (FEAT_I8MM): Vd, a 2x2 int32 matrix (lanes
// 0..3 = [0][0], [0][1], [1][0], [1][1]), plus Vn * Vm^T, where Vn and Vm
// are 2x8 signed int8 matrices (bytes 0-7 row 0, bytes 8-15 row 1): lane
// 2i+j gains the dot product of Vn's row i with Vm's row j, exactly.
// Encoding 0x4E80A400 | Rm<<16 | Rn<<5 | Rd (llvm-mc -mattr=+i8mm:
// smmla v0.4s, v1.16b, v2.16b = 0x4E82A420).
#define SMMLA4S(d, n, m) VOP3(0x4E80A400, d, n, m)
// ZIP1 Vd.2D, Vn.2D, Vm.2D: the low doublewords of Vn and Vm (0x4EC23820
// for v0, v1, v2).
#define ZIP12D(d, n, m) VOP3(0x4EC03800, d, n, m)
// ZIP2 Vd.2D, Vn.2D, Vm.2D: the high doublewords of Vn and Vm (0x4EC27820
// for v0, v1, v2).
#define ZIP22D(d, n, m) VOP3(0x4EC07800, d, n, m)
// MOV Vd.16B, Vn.16B (ORR Vd.16B, Vn.16B, Vn.16B; 0x4EA21C43 for v3, v2).
#define MOV16B(d, n) VOP3(0x4EA01C00, d, n, n)

// SXTL Vd.8H, Vn.8B (SSHLL Vd.8H, Vn.8B, #0): sign-extends the low 8
// bytes of Vn to halfwords. Encoding 0x0F08A400 | Rn<<5 | Rd.
#define SXTL8H(d, n) WORD $(0x0F08A400 | (n)<<5 | (d))

// SMLAL Vd.4S, Vn.4H, Vm.H[j] and SMLAL2 Vd.4S, Vn.8H, Vm.H[j]: Vd plus the
// exact products of Vn's low (SMLAL) or high (SMLAL2) 4 halfwords with
// halfword j (0..7) of Vm, which must be V0..V15. Encoding 0x0F402000
// (0x4F402000 for SMLAL2, Q=1) | L<<21 | M<<20 | Rm<<16 | H<<11 | Rn<<5 |
// Rd, with j = H:L:M.
#define SMLAL4S(d, n, m, j) WORD $(0x0F402000 | ((j)>>1&1)<<21 | ((j)&1)<<20 | (m)<<16 | ((j)>>2)<<11 | (n)<<5 | (d))
#define SMLAL24S(d, n, m, j) WORD $(0x4F402000 | ((j)>>1&1)<<21 | ((j)&1)<<20 | (m)<<16 | ((j)>>2)<<11 | (n)<<5 | (d))

// SDOT Vd.4S, Vn.16B, Vm.4B[i] (FEAT_DotProd, by element): each 32-bit lane
// of Vd plus the dot product of the lane's 4 signed bytes in Vn with bytes
// 4i..4i+3 of Vm. Encoding 0x4F80E000 | L<<21 | Rm<<16 | H<<11 | Rn<<5 |
// Rd, with i = H:L (0..3) and Rm five bits (M:Rm).
#define SDOTE4S(d, n, m, i) WORD $(0x4F80E000 | ((i)&1)<<21 | (m)<<16 | ((i)>>1)<<11 | (n)<<5 | (d))

// The epilogue. Per group of 4 channels the meta block holds five vectors
// (see newARMLayout), which the epilogue loads into V8..V12: addend, left
// shift, multiplier, the sign bit where the channel shifts right (else 0),
// and minus the right shift. V13..V15 hold the output offset, qmin and
// qmax (LOADCST). REQ requantizes the 4 accumulators in VA with
// temporary VT: lane by lane, with hm the rounding doubling high multiply,
//
//	x  = acc + addend               (ADD, wrapping)
//	s  = x << left                  (SSHL; left 32 clears every bit)
//	hm = (s*mult + 2^30) >> 31      (SQRDMULH: the multiplier is
//	                                 non-negative, so it never saturates)
//	hm -= 1 if hm < 0 and right > 0 (CMTST with the sign bit, ADD: the
//	                                 reference rounds ties away from zero,
//	                                 SRSHL rounds them up; hm > -2^31)
//	r  = (hm + 2^(right-1)) >> right (SRSHL by -right)
//	out = min(max(r + offset, qmin), qmax)
//
// which is MultiplyByQuantizedMultiplier (see requant.go).
#define REQ(a, t) \
	ADD4S(a, a, 8); \
	SSHL4S(a, a, 9); \
	SQRDMULH4S(a, a, 10); \
	CMTST4S(t, a, 11); \
	ADD4S(a, a, t); \
	SRSHL4S(a, a, 12); \
	ADD4S(a, a, 13); \
	SMAX4S(a, a, 14); \
	SMIN4S(a, a, 15)

// LOADMETA loads the next group of 4 channels' meta vectors from R9.
#define LOADMETA \
	VLD1.P 64(R9), [V8.S4, V9.S4, V10.S4, V11.S4]; \
	VLD1.P 16(R9), [V12.S4]

// LOADCST broadcasts the output offset, qmin and qmax of the consts block
// at R10 into V13..V15. Clobbers R12.
#define LOADCST \
	ADD $consts_out, R10, R12; \
	VLD1R (R12), [V13.S4]; \
	ADD $consts_qmin, R10, R12; \
	VLD1R (R12), [V14.S4]; \
	ADD $consts_qmax, R10, R12; \
	VLD1R (R12), [V15.S4]

// STOREROW narrows a row's 16 clamped accumulators (VA..VA+3, channels
// 0-3, 4-7, 8-11, 12-15) to bytes and stores them at the row's output
// pointer (args offset D_ from R0) plus the column offset R11.
// Temporaries: V4, V5, R12.
#define STOREROW(a, D_) \
	UZP18H(4, a, (a)+1); \
	UZP18H(5, (a)+2, (a)+3); \
	UZP116B(4, 4, 5); \
	MOVD D_(R0), R12; \
	ADD R11, R12; \
	VST1 [V4.B16], (R12)

// EPI4 requantizes and stores the 4-row tile in V16..V31 (row r, channels
// 4q..4q+3 in V(16+4r+q)).
#define EPI4 \
	LOADMETA; \
	REQ(16, 4); REQ(20, 5); REQ(24, 6); REQ(28, 7); \
	LOADMETA; \
	REQ(17, 4); REQ(21, 5); REQ(25, 6); REQ(29, 7); \
	LOADMETA; \
	REQ(18, 4); REQ(22, 5); REQ(26, 6); REQ(30, 7); \
	LOADMETA; \
	REQ(19, 4); REQ(23, 5); REQ(27, 6); REQ(31, 7); \
	STOREROW(16, tileArgs_d+0); \
	STOREROW(20, tileArgs_d+8); \
	STOREROW(24, tileArgs_d+16); \
	STOREROW(28, tileArgs_d+24)

// REQ1 requantizes one row in V16..V19 (channels 0-3, 4-7, 8-11, 12-15).
#define REQ1 \
	LOADMETA; \
	REQ(16, 4); \
	LOADMETA; \
	REQ(17, 5); \
	LOADMETA; \
	REQ(18, 6); \
	LOADMETA; \
	REQ(19, 7)

// EPI1 adds the one-row kernels' second chain of accumulators (V20..V23)
// to the first (V16..V19), then requantizes and stores the row.
#define EPI1 \
	ADD4S(16, 16, 20); \
	ADD4S(17, 17, 21); \
	ADD4S(18, 18, 22); \
	ADD4S(19, 19, 23); \
	REQ1; \
	STOREROW(16, tileArgs_d+0)

// ZERO4 clears four accumulators.
#define ZERO4(A, B, C, D) \
	VEOR A.B16, A.B16, A.B16; \
	VEOR B.B16, B.B16, B.B16; \
	VEOR C.B16, C.B16, C.B16; \
	VEOR D.B16, D.B16, D.B16

// The frame of the neon, sdot and i8mm kernels (func(t *tileArgs)). General
// registers: R0 the args, R1-R4 walk the rows, R5 the weights, R6 counts
// blocks, R7 walks the tails, R8 holds the partial block's step count,
// R9 walks the meta blocks, R10 the constants, R11 is the output column
// offset, R12 a temporary, R13 counts panels. A kernel is
//
//	PROLOGUE
//	panel: PANEL4(tail) (or PANEL1)
//	block: the full blocks of K, R6 of them, from R1-R4
//	tail:  TAIL4(epilogue) (or TAIL1), then TAILSTEPS of the partial block
//	epilogue: NEXTPANEL(EPI4, panel) (or EPI1)

// PROLOGUE loads the args into R0, the first panel's weights and meta
// block, the constants (LOADCST), the tail's step count and the panel
// count, and starts at output column 0.
#define PROLOGUE \
	MOVD t+0(FP), R0; \
	MOVD tileArgs_w(R0), R5; \
	MOVD tileArgs_meta(R0), R9; \
	MOVD tileArgs_cst(R0), R10; \
	LOADCST; \
	MOVD tileArgs_kt(R0), R8; \
	MOVD tileArgs_panels(R0), R13; \
	MOVD ZR, R11

// PANEL4 starts a panel of the 4-row kernels: it clears the accumulators,
// points R1-R4 at the rows and R6 at the count of full blocks, and goes
// to TAIL when there are none.
#define PANEL4(TAIL) \
	ZERO4(V16, V17, V18, V19); \
	ZERO4(V20, V21, V22, V23); \
	ZERO4(V24, V25, V26, V27); \
	ZERO4(V28, V29, V30, V31); \
	MOVD tileArgs_a+0(R0), R1; \
	MOVD tileArgs_a+8(R0), R2; \
	MOVD tileArgs_a+16(R0), R3; \
	MOVD tileArgs_a+24(R0), R4; \
	MOVD tileArgs_kq(R0), R6; \
	CBZ R6, TAIL

// PANEL1 is PANEL4 for the one-row kernels: two chains of accumulators,
// V16..V19 and V20..V23, and row 0 in R1.
#define PANEL1(TAIL) \
	ZERO4(V16, V17, V18, V19); \
	ZERO4(V20, V21, V22, V23); \
	MOVD tileArgs_a+0(R0), R1; \
	MOVD tileArgs_kq(R0), R6; \
	CBZ R6, TAIL

// TAIL4 goes to DONE when K has no partial block, else loads the 4 rows'
// zero-padded partial blocks (tileArgs.tail) into V0..V3 as bytes.
#define TAIL4(DONE) \
	CBZ R8, DONE; \
	ADD $tileArgs_tail, R0, R7; \
	VLD1.P 16(R7), [V0.B16]; \
	VLD1.P 16(R7), [V1.B16]; \
	VLD1.P 16(R7), [V2.B16]; \
	VLD1 (R7), [V3.B16]

// TAIL1 is TAIL4 for row 0 alone, into V0.
#define TAIL1(DONE) \
	CBZ R8, DONE; \
	ADD $tileArgs_tail, R0, R7; \
	VLD1 (R7), [V0.B16]

// TAILSTEPS runs the partial block's first R8 (1..4) steps of S0..S3,
// then goes on to DONE (which follows S3).
#define TAILSTEPS(S0, S1, S2, S3, DONE) \
	S0; \
	CMP $1, R8; \
	BEQ DONE; \
	S1; \
	CMP $2, R8; \
	BEQ DONE; \
	S2; \
	CMP $3, R8; \
	BEQ DONE; \
	S3

// NEXTPANEL requantizes and stores the panel with EPI (EPI4 or EPI1),
// moves to the next panel's output column and goes to PANEL while panels
// remain, else returns.
#define NEXTPANEL(EPI, PANEL) \
	EPI; \
	ADD $16, R11; \
	SUBS $1, R13, R13; \
	BNE PANEL; \
	RET
