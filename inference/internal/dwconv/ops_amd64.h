// What the avx2 and avx512vnni depthwise kernels share: the meta block's
// layout, the requantization (gemm.VecScaling, lane by lane, in both
// widths) and the loops over groups and units around the pixel loops.
// Both kernels keep rowArgs in DI.

// Offsets of the meta block's arrays (layout.go: metaArrays arrays of 16 int32).
#define M_LEFT 0
#define M_MULT 64
#define M_MODD 128
#define M_RIGHT 192
#define M_MASK 256
#define M_THR 320
#define M_SIZE 384

// The requantization, lane by lane (gemm.VecScaling): with a left shift,
// a rounding doubling high multiply (the even and odd lanes' 64-bit
// products with 2^30 added, shifted right by 31, the odd ones moved back
// into place), a right shift whose remainder (masked, minus one for
// negative values) rounds up above the threshold, and the output offset.

// REQ8 requantizes the 8 lanes of R (AVX2) with the channels at byte
// offset OFF of the meta block at R12 and adds the output offset.
// Registers: Y12 2^30 per qword, Y13 the output offset; Y4, Y5
// temporaries.
#define REQ8(R, OFF) \
	VPSLLVD (M_LEFT+OFF)(R12), R, R; \
	VPSRLQ $32, R, Y5; \
	VPMULDQ (M_MULT+OFF)(R12), R, Y4; \
	VPMULDQ (M_MODD+OFF)(R12), Y5, Y5; \
	VPADDQ Y12, Y4, Y4; \
	VPADDQ Y12, Y5, Y5; \
	VPSRLQ $31, Y4, Y4; \
	VPSLLQ $1, Y5, Y5; \
	VPBLENDD $0xaa, Y5, Y4, R; \
	VPAND (M_MASK+OFF)(R12), R, Y4; \
	VPSRAD $31, R, Y5; \
	VPADDD Y5, Y4, Y4; \
	VPCMPGTD (M_THR+OFF)(R12), Y4, Y4; \
	VPSRAVD (M_RIGHT+OFF)(R12), R, R; \
	VPSUBD Y4, R, R; \
	VPADDD Y13, R, R

// REQ16 requantizes the 16 lanes of R (AVX-512) with the meta arrays in
// the operands LEFT, MULT, MODD, RIGHT, MASK and THR (registers or
// memory) and adds the output offset; REQ16N skips the left shift.
// Registers: Z21 2^30 per qword, Z22 the output offset, Z25 -1, K1 the
// odd lanes; T1, T2 and K2 temporaries.
#define REQ16(R, T1, T2, LEFT, MULT, MODD, RIGHT, MASK, THR) \
	VPSLLVD LEFT, R, R; \
	REQ16N(R, T1, T2, MULT, MODD, RIGHT, MASK, THR)

#define REQ16N(R, T1, T2, MULT, MODD, RIGHT, MASK, THR) \
	VPSRLQ $32, R, T1; \
	VPMULDQ MULT, R, T2; \
	VPMULDQ MODD, T1, T1; \
	VPADDQ Z21, T2, T2; \
	VPADDQ Z21, T1, T1; \
	VPSRLQ $31, T2, T2; \
	VPSLLQ $1, T1, T1; \
	VMOVDQA32 T1, K1, T2; \
	VPANDD MASK, T2, T1; \
	VPSRAD $31, T2, R; \
	VPADDD R, T1, T1; \
	VPCMPGTD THR, T1, K2; \
	VPSRAVD RIGHT, T2, R; \
	VPSUBD Z25, R, K2, R; \
	VPADDD Z22, R, R

// PADS fills the buffer's padding columns: lpad columns at the start,
// rpad after the ncols input columns, of COL bytes each (COL: a rowArgs
// field), with FILL (a macro storing one 64-byte unit at SI). L1, L1DONE,
// L2 and L2DONE name the loops' labels.
#define PADS(COL, FILL, L1, L1DONE, L2, L2DONE) \
	MOVQ rowArgs_q(DI), SI; \
	MOVQ rowArgs_lpad(DI), CX; \
	IMULQ COL(DI), CX; \
	SHRQ $6, CX; \
	TESTQ CX, CX; \
	JZ L1DONE; \
L1:; \
	FILL; \
	ADDQ $64, SI; \
	DECQ CX; \
	JNZ L1; \
L1DONE:; \
	MOVQ rowArgs_ncols(DI), CX; \
	IMULQ COL(DI), CX; \
	ADDQ CX, SI; \
	MOVQ rowArgs_rpad(DI), CX; \
	IMULQ COL(DI), CX; \
	SHRQ $6, CX; \
	TESTQ CX, CX; \
	JZ L2DONE; \
L2:; \
	FILL; \
	ADDQ $64, SI; \
	DECQ CX; \
	JNZ L2; \
L2DONE:

// BUILD starts building the input columns of the current group or super,
// unit by unit (rowArgs_u), or goes to BUILT when the row run reads no
// input column.
#define BUILD(BUILT) \
	CMPQ rowArgs_ncols(DI), $0; \
	JEQ BUILT; \
	MOVQ $0, rowArgs_u(DI)

// GROUP16 loads group rowArgs_g's first channel into R15, then BUILD.
#define GROUP16(BUILT) \
	MOVQ rowArgs_goff(DI), AX; \
	MOVQ rowArgs_g(DI), BX; \
	MOVQ (AX)(BX*8), R15; \
	BUILD(BUILT)

// UNITCOL points SI at unit rowArgs_u of the first input column in the
// buffer (COL: the rowArgs field of a column's bytes; 1<<USHIFT: a
// unit's), and loads AX with the column's bytes and CX with the count of
// input columns.
#define UNITCOL(COL, USHIFT) \
	MOVQ rowArgs_lpad(DI), SI; \
	IMULQ COL(DI), SI; \
	ADDQ rowArgs_q(DI), SI; \
	MOVQ rowArgs_u(DI), BX; \
	SHLQ $USHIFT, BX; \
	ADDQ BX, SI; \
	MOVQ COL(DI), AX; \
	MOVQ rowArgs_ncols(DI), CX

// NEXTUNIT goes to UNIT while units of the column remain to build.
#define NEXTUNIT(UNIT) \
	INCQ rowArgs_u(DI); \
	MOVQ rowArgs_u(DI), BX; \
	CMPQ BX, rowArgs_units(DI); \
	JLT UNIT

// PIXELS points the pixel loops at group or super rowArgs_g (first
// channel in R15): R12 at its meta blocks (META + g*MBYTES), AX at its
// addends (ADD + g<<ASHIFT), BX at the pixels' addend offsets, R8 at its
// first output, R9 at the buffer, R10 at its weights (W + g*WSTEP), R11
// to the pixel count and R13 to the units per column; then goes to FAST3
// for the unrolled 3x3 loops (rowArgs_fast3).
#define PIXELS(META, MBYTES, ADD, ASHIFT, W, WSTEP, FAST3) \
	MOVQ rowArgs_g(DI), R12; \
	IMULQ $(MBYTES), R12; \
	ADDQ META(DI), R12; \
	MOVQ rowArgs_g(DI), AX; \
	SHLQ $ASHIFT, AX; \
	ADDQ ADD(DI), AX; \
	MOVQ rowArgs_colOff(DI), BX; \
	MOVQ rowArgs_out(DI), R8; \
	ADDQ R15, R8; \
	MOVQ rowArgs_q(DI), R9; \
	MOVQ rowArgs_g(DI), R10; \
	IMULQ WSTEP(DI), R10; \
	ADDQ W(DI), R10; \
	MOVQ rowArgs_pixels(DI), R11; \
	MOVQ rowArgs_units(DI), R13; \
	CMPQ rowArgs_fast3(DI), $0; \
	JNE FAST3

// NEXTGROUP goes to GROUP while groups (or supers: COUNT, a rowArgs field)
// remain.
#define NEXTGROUP(COUNT, GROUP) \
	INCQ rowArgs_g(DI); \
	MOVQ rowArgs_g(DI), AX; \
	CMPQ AX, COUNT(DI); \
	JLT GROUP
