// The loop shared by the AVX2 and AVX-512 depthwise kernels
// (avx2_amd64.s, avx512_amd64.s); each file defines, before using DWLOOP,
// ACC0-ACC3 (four pixels' sums), WTS (a tap's weights), PRD0-PRD3
// (products), VBYTES (the bytes of a vector: one group of channels),
// ZERO(V), and TAP and FIN (see the files).
//
// DWLOOP runs every group of channels after the prologue, through
// VZEROUPPER and RET. Registers: DI is the args, SI the input of the
// current pixel, DX its output, CX counts pixels, R14 groups, R15 is the
// group's byte offset (g × VBYTES); R12 is inPix, R13 3*inPix. In the tap
// loops R8 counts filter rows, R9 and R10 walk the rows of input and
// weights, R11 counts filter columns, AX and BX walk the columns; the
// epilogue points AX at the constants and BX at the bias. Pointers past
// the group are formed in registers only.
#define DWLOOP \
group: \
	MOVQ args_in(DI), SI; \
	ADDQ R15, SI; \
	MOVQ args_out(DI), DX; \
	ADDQ R15, DX; \
	MOVQ args_pixels(DI), CX; \
quad: \
	CMPQ CX, $4; \
	JLT single; \
	ZERO(ACC0); \
	ZERO(ACC1); \
	ZERO(ACC2); \
	ZERO(ACC3); \
	MOVQ args_nfy(DI), R8; \
	TESTQ R8, R8; \
	JZ qfin; \
	MOVQ SI, R9; \
	MOVQ R15, R10; \
	IMULQ args_taps(DI), R10; \
	ADDQ args_w(DI), R10; \
qrow: \
	MOVQ R9, AX; \
	MOVQ R10, BX; \
	MOVQ args_nfx(DI), R11; \
qcol: \
	VMOVUPS (BX), WTS; \
	TAP((AX), PRD0, ACC0); \
	TAP((AX)(R12*1), PRD1, ACC1); \
	TAP((AX)(R12*2), PRD2, ACC2); \
	TAP((AX)(R13*1), PRD3, ACC3); \
	ADDQ args_inCol(DI), AX; \
	ADDQ $VBYTES, BX; \
	DECQ R11; \
	JNZ qcol; \
	ADDQ args_inRow(DI), R9; \
	ADDQ args_wRow(DI), R10; \
	DECQ R8; \
	JNZ qrow; \
qfin: \
	MOVQ args_cst(DI), AX; \
	MOVQ args_b(DI), BX; \
	ADDQ R15, BX; \
	MOVQ args_outPix(DI), R8; \
	FIN(ACC0); \
	FIN(ACC1); \
	FIN(ACC2); \
	FIN(ACC3); \
	VMOVUPS ACC0, (DX); \
	ADDQ R8, DX; \
	VMOVUPS ACC1, (DX); \
	ADDQ R8, DX; \
	VMOVUPS ACC2, (DX); \
	ADDQ R8, DX; \
	VMOVUPS ACC3, (DX); \
	ADDQ R8, DX; \
	LEAQ (SI)(R12*4), SI; \
	SUBQ $4, CX; \
	JMP quad; \
single: \
	TESTQ CX, CX; \
	JZ next; \
	ZERO(ACC0); \
	MOVQ args_nfy(DI), R8; \
	TESTQ R8, R8; \
	JZ sfin; \
	MOVQ SI, R9; \
	MOVQ R15, R10; \
	IMULQ args_taps(DI), R10; \
	ADDQ args_w(DI), R10; \
srow: \
	MOVQ R9, AX; \
	MOVQ R10, BX; \
	MOVQ args_nfx(DI), R11; \
scol: \
	VMOVUPS (BX), WTS; \
	TAP((AX), PRD0, ACC0); \
	ADDQ args_inCol(DI), AX; \
	ADDQ $VBYTES, BX; \
	DECQ R11; \
	JNZ scol; \
	ADDQ args_inRow(DI), R9; \
	ADDQ args_wRow(DI), R10; \
	DECQ R8; \
	JNZ srow; \
sfin: \
	MOVQ args_cst(DI), AX; \
	MOVQ args_b(DI), BX; \
	ADDQ R15, BX; \
	FIN(ACC0); \
	VMOVUPS ACC0, (DX); \
	ADDQ args_outPix(DI), DX; \
	ADDQ R12, SI; \
	DECQ CX; \
	JMP single; \
next: \
	ADDQ $VBYTES, R15; \
	DECQ R14; \
	JNZ group; \
	VZEROUPPER; \
	RET
