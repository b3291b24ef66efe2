//go:build arm64

#include "textflag.h"
#include "go_asm.h"
#include "ops_arm64.h"

// neon depthwise kernel (the neon and sdot paths): FMUL then FADD (never
// FMLA, which rounds once), one channel per lane, groups of 8 channels in
// two registers, so each lane adds its channel's rounded products in the
// reference's order. See doc.go.

// MUL8 multiplies the 8 inputs in Vx, Vx+1 by the tap's weights (V0, V1)
// in place.
#define MUL8(x) \
	FMUL4S(x, x, 0); \
	FMUL4S((x)+1, (x)+1, 1)

// ADD8 adds the products Vx, Vx+1 to the accumulators Vacc, Vacc+1.
#define ADD8(acc, x) \
	FADD4S(acc, acc, x); \
	FADD4S((acc)+1, (acc)+1, (x)+1)

// FIN8 finishes a pixel's 8 sums (Vacc, Vacc+1) with the bias in V24, V25.
#define FIN8(acc) \
	FIN(acc, 24); \
	FIN((acc)+1, 25)

// func dwNEON(a *args)
// Registers: V0-V1 hold a tap's weights, V2-V9 the inputs and products of
// four pixels, V16-V23 their accumulators (pixel p in V16+2p, V17+2p),
// V24-V25 the bias, V28-V30 lo, hi and the canonical NaN, V31 a
// temporary. R0 is the args, R1 the input of the current pixel, R2 its
// output, R3 counts pixels, R12 groups, R24 is the group's byte offset
// (g × 32), R25 taps; R10 is inPix, R11 inCol, R16 inRow, R17 wRow, R19
// outPix. In the tap loops R6 counts filter rows, R4 and R5 walk the rows
// of input and weights, R9 counts filter columns, R7 and R8 walk the
// columns, R13-R15 point at pixels 1-3; R22 points at the bias. Pointers
// past the group are formed in registers only.
TEXT ·dwNEON(SB), NOSPLIT, $0-8
	MOVD a+0(FP), R0
	MOVD args_cst(R0), R21
	VLD1R (R21), [V28.S4]
	ADD $64, R21, R22
	VLD1R (R22), [V29.S4]
	ADD $128, R21, R22
	VLD1R (R22), [V30.S4]
	MOVD args_inPix(R0), R10
	MOVD args_inCol(R0), R11
	MOVD args_inRow(R0), R16
	MOVD args_wRow(R0), R17
	MOVD args_outPix(R0), R19
	MOVD args_groups(R0), R12
	MOVD args_taps(R0), R25
	MOVD ZR, R24

group:
	MOVD args_in(R0), R1
	ADD R24, R1
	MOVD args_out(R0), R2
	ADD R24, R2
	MOVD args_pixels(R0), R3

quad:
	CMP $4, R3
	BLT single
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	MOVD args_nfy(R0), R6
	CBZ R6, qfin
	MOVD R1, R4
	MUL R25, R24, R5
	MOVD args_w(R0), R7
	ADD R7, R5

qrow:
	MOVD R4, R7
	MOVD R5, R8
	MOVD args_nfx(R0), R9

qcol:
	VLD1.P 32(R8), [V0.S4, V1.S4]
	ADD R10, R7, R13
	ADD R10, R13, R14
	ADD R10, R14, R15
	VLD1 (R7), [V2.S4, V3.S4]
	VLD1 (R13), [V4.S4, V5.S4]
	VLD1 (R14), [V6.S4, V7.S4]
	VLD1 (R15), [V8.S4, V9.S4]
	MUL8(2)
	MUL8(4)
	ADD8(16, 2)
	MUL8(6)
	ADD8(18, 4)
	MUL8(8)
	ADD8(20, 6)
	ADD8(22, 8)
	ADD R11, R7
	SUBS $1, R9, R9
	BNE qcol
	ADD R16, R4
	ADD R17, R5
	SUBS $1, R6, R6
	BNE qrow

qfin:
	MOVD args_b(R0), R22
	ADD R24, R22
	VLD1 (R22), [V24.S4, V25.S4]
	FIN8(16)
	FIN8(18)
	FIN8(20)
	FIN8(22)
	VST1 [V16.S4, V17.S4], (R2)
	ADD R19, R2
	VST1 [V18.S4, V19.S4], (R2)
	ADD R19, R2
	VST1 [V20.S4, V21.S4], (R2)
	ADD R19, R2
	VST1 [V22.S4, V23.S4], (R2)
	ADD R19, R2
	ADD R10<<2, R1
	SUB $4, R3
	B quad

single:
	CBZ R3, next
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	MOVD args_nfy(R0), R6
	CBZ R6, sfin
	MOVD R1, R4
	MUL R25, R24, R5
	MOVD args_w(R0), R7
	ADD R7, R5

srow:
	MOVD R4, R7
	MOVD R5, R8
	MOVD args_nfx(R0), R9

scol:
	VLD1.P 32(R8), [V0.S4, V1.S4]
	VLD1 (R7), [V2.S4, V3.S4]
	MUL8(2)
	ADD8(16, 2)
	ADD R11, R7
	SUBS $1, R9, R9
	BNE scol
	ADD R16, R4
	ADD R17, R5
	SUBS $1, R6, R6
	BNE srow

sfin:
	MOVD args_b(R0), R22
	ADD R24, R22
	VLD1 (R22), [V24.S4, V25.S4]
	FIN8(16)
	VST1 [V16.S4, V17.S4], (R2)
	ADD R19, R2
	ADD R10, R1
	SUB $1, R3
	B single

next:
	ADD $32, R24
	SUBS $1, R12, R12
	BNE group
	RET
