//go:build amd64

#include "textflag.h"

// func mulVecVNNI(dst *int32, w *int8, x *uint8, bias *int32, nb, quads int)
//
// Blocks of 16 rows. Per group of 4 columns the block holds 64 bytes: row
// 0's four weights, row 1's, ... VPDPBUSD multiplies them by the broadcast
// four activations (staged as x + 128, unsigned) and adds each row's four
// products to its int32 lane, without saturation; the packed bias holds
// -128·Σw to compensate.
//
// Registers: Z0-Z3 accumulate (Z0 starts from the bias), Z4-Z7 hold the
// broadcast activations; DI dst, SI weights, BX bias, CX blocks left, DX
// the activations, R8 quads, R9 and R10 walk one block's activations and
// groups.
TEXT ·mulVecVNNI(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ bias+24(FP), BX
	MOVQ nb+32(FP), CX
	MOVQ quads+40(FP), R8

block:
	VMOVDQU32 (BX), Z0
	VPXORD    Z1, Z1, Z1
	VPXORD    Z2, Z2, Z2
	VPXORD    Z3, Z3, Z3
	MOVQ      DX, R9
	MOVQ      R8, R10

loop4:
	CMPQ R10, $4
	JLT  tail
	VPBROADCASTD (R9), Z4
	VPBROADCASTD 4(R9), Z5
	VPBROADCASTD 8(R9), Z6
	VPBROADCASTD 12(R9), Z7
	VPDPBUSD     (SI), Z4, Z0
	VPDPBUSD     64(SI), Z5, Z1
	VPDPBUSD     128(SI), Z6, Z2
	VPDPBUSD     192(SI), Z7, Z3
	ADDQ         $256, SI
	ADDQ         $16, R9
	SUBQ         $4, R10
	JMP          loop4

tail:
	TESTQ R10, R10
	JZ    done
	VPBROADCASTD (R9), Z4
	VPDPBUSD     (SI), Z4, Z0
	ADDQ         $64, SI
	ADDQ         $4, R9
	DECQ         R10
	JMP          tail

done:
	VPADDD    Z1, Z0, Z0
	VPADDD    Z3, Z2, Z2
	VPADDD    Z2, Z0, Z0
	VMOVDQU32 Z0, (DI)
	ADDQ      $64, DI
	ADDQ      $64, BX
	DECQ      CX
	JNZ       block
	VZEROUPPER
	RET
