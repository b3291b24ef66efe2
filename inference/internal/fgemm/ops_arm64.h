// AArch64 Advanced SIMD float instructions for the neon kernel, and its
// epilogue.
//
// Go's assembler (1.26) does not know the float vector instructions these
// kernels need (FMUL by element, FADD, FMAX, FMIN, FCMEQ, BIF), so each
// macro below emits one instruction with WORD, encoded from the Arm
// Architecture Reference Manual (A64 "Advanced SIMD" encodings) and
// checked against llvm-mc. Macros take plain register numbers (d, n, m:
// Vd, Vn, Vm; 0..31); arguments are always parenthesized, so expressions
// such as 16+4*1 work.

// Three-register "same" forms on 4S (Q=1, sz=0):
//   <op> Vd.4S, Vn.4S, Vm.4S = base | Rm<<16 | Rn<<5 | Rd.
#define VOP3(base, d, n, m) WORD $((base) | (m)<<16 | (n)<<5 | (d))

// FADD Vd.4S, Vn.4S, Vm.4S (rounded to nearest, subnormals kept: Go
// leaves FPCR.FZ clear).
#define FADD4S(d, n, m) VOP3(0x4E20D400, d, n, m)
// FMAX Vd.4S, Vn.4S, Vm.4S: NaN if either lane is NaN, and +0 above -0,
// as Go's max.
#define FMAX4S(d, n, m) VOP3(0x4E20F400, d, n, m)
// FMIN Vd.4S, Vn.4S, Vm.4S: NaN if either lane is NaN, and -0 below +0,
// as Go's min.
#define FMIN4S(d, n, m) VOP3(0x4EA0F400, d, n, m)
// FCMEQ Vd.4S, Vn.4S, Vm.4S: all ones where the lanes are equal (so, with
// n = m, where the lane is not NaN).
#define FCMEQ4S(d, n, m) VOP3(0x4E20E400, d, n, m)
// BIF Vd.16B, Vn.16B, Vm.16B: the bits of Vn where Vm is 0, else keeps Vd.
#define BIF16B(d, n, m) VOP3(0x6EE01C00, d, n, m)

// FMUL Vd.4S, Vn.4S, Vm.S[i]: Vn times lane i (0..3) of Vm (any of V0..V31).
// Encoding 0x4F809000 | L<<21 | M:Rm<<16 | H<<11 | Rn<<5 | Rd, i = H:L.
#define FMULE4S(d, n, m, i) WORD $(0x4F809000 | ((i)&1)<<21 | (m)<<16 | ((i)>>1)<<11 | (n)<<5 | (d))

// ZERO4 clears four vector registers.
#define ZERO4(A, B, C, D) \
	VEOR A.B16, A.B16, A.B16; \
	VEOR B.B16, B.B16, B.B16; \
	VEOR C.B16, C.B16, C.B16; \
	VEOR D.B16, D.B16, D.B16

// LOADCST broadcasts lo, hi and the canonical NaN of the consts block at
// R10 (at bytes 0, 64 and 128) into V12..V14. Clobbers R12.
#define LOADCST \
	VLD1R (R10), [V12.S4]; \
	ADD $64, R10, R12; \
	VLD1R (R12), [V13.S4]; \
	ADD $128, R10, R12; \
	VLD1R (R12), [V14.S4]

// FIN finishes the 4 sums in Va: adds the bias in Vb, clamps them to [lo,
// hi] (V12, V13) with FMAX and FMIN (Go's max and min, NaN kept), and
// replaces NaN lanes by the canonical NaN (V14). Temporary: V15.
#define FIN(a, b) \
	FADD4S(a, a, b); \
	FMAX4S(a, a, 12); \
	FMIN4S(a, a, 13); \
	FCMEQ4S(15, a, a); \
	BIF16B(a, 14, 15)

// FIN16 finishes the 16 sums in Va..Va+3 with the bias in V4..V7.
#define FIN16(a) \
	FIN(a, 4); \
	FIN((a)+1, 5); \
	FIN((a)+2, 6); \
	FIN((a)+3, 7)
