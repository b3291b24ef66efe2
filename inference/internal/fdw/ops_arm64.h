// AArch64 Advanced SIMD float instructions for the neon kernel.
//
// Go's assembler (1.26) does not know the float vector instructions the
// kernel needs (FMUL, FADD, FMAX, FMIN, FCMEQ, BIF on vectors), so each
// macro below emits one instruction with WORD, encoded from the Arm
// Architecture Reference Manual (A64 "Advanced SIMD three same") and
// checked against llvm-mc. Macros take plain register numbers (d, n, m:
// Vd, Vn, Vm; 0..31).

// Three-register "same" forms on 4S (Q=1, sz=0):
//   <op> Vd.4S, Vn.4S, Vm.4S = base | Rm<<16 | Rn<<5 | Rd.
#define VOP3(base, d, n, m) WORD $((base) | (m)<<16 | (n)<<5 | (d))

// FMUL Vd.4S, Vn.4S, Vm.4S (rounded to nearest: never fused with an add).
#define FMUL4S(d, n, m) VOP3(0x6E20DC00, d, n, m)
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

// FIN finishes the 4 sums in Va: adds the bias in Vb, clamps them to [lo,
// hi] (V28, V29) with FMAX and FMIN (Go's max and min, NaN kept), and
// replaces NaN lanes by the canonical NaN (V30). Temporary: V31.
#define FIN(a, b) \
	FADD4S(a, a, b); \
	FMAX4S(a, a, 28); \
	FMIN4S(a, a, 29); \
	FCMEQ4S(31, a, a); \
	BIF16B(a, 30, 31)
