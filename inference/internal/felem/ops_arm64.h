// AArch64 Advanced SIMD float instructions for the neon kernels.
//
// Go's assembler (1.26) does not know the float vector instructions the
// kernels need, so each macro below emits one instruction with WORD,
// encoded from the Arm Architecture Reference Manual (A64 "Advanced SIMD
// three same") and checked against llvm-mc. Macros take plain register
// numbers (d, n, m: Vd, Vn, Vm; 0..31).

// Three-register "same" forms on 4S (Q=1, sz=0) and 16B:
//   <op> Vd, Vn, Vm = base | Rm<<16 | Rn<<5 | Rd.
#define VOP3(base, d, n, m) WORD $((base) | (m)<<16 | (n)<<5 | (d))

// FADD, FSUB, FMUL Vd.4S, Vn.4S, Vm.4S: Vn + Vm, Vn - Vm, Vn * Vm, rounded
// to nearest (subnormals kept: Go leaves FPCR.FZ clear).
#define FADD4S(d, n, m) VOP3(0x4E20D400, d, n, m)
#define FSUB4S(d, n, m) VOP3(0x4EA0D400, d, n, m)
#define FMUL4S(d, n, m) VOP3(0x6E20DC00, d, n, m)
// FMAX, FMIN Vd.4S, Vn.4S, Vm.4S: NaN if either lane is NaN, +0 above -0:
// Go's max and min.
#define FMAX4S(d, n, m) VOP3(0x4E20F400, d, n, m)
#define FMIN4S(d, n, m) VOP3(0x4EA0F400, d, n, m)
// FCMEQ Vd.4S, Vn.4S, Vm.4S: all ones where the lanes are equal (so, with
// n = m, where the lane is not NaN).
#define FCMEQ4S(d, n, m) VOP3(0x4E20E400, d, n, m)
// FCMGT Vd.4S, Vn.4S, Vm.4S: all ones where Vn > Vm (false for NaN).
#define FCMGT4S(d, n, m) VOP3(0x6EA0E400, d, n, m)
// BIF Vd.16B, Vn.16B, Vm.16B: the bits of Vn where Vm is 0, else keeps Vd.
#define BIF16B(d, n, m) VOP3(0x6EE01C00, d, n, m)
// BSL Vd.16B, Vn.16B, Vm.16B: the bits of Vn where Vd is 1, of Vm where 0.
#define BSL16B(d, n, m) VOP3(0x6E601C00, d, n, m)
