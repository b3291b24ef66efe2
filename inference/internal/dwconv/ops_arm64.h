// AArch64 Advanced SIMD instructions for the neon depthwise kernel.
//
// Go's assembler (1.26) does not know the signed integer vector
// instructions the kernel needs, so each macro below emits one
// instruction with WORD. The encodings and the epilogue's method are
// those of inference/internal/gemm/ops_arm64.h (Go's assembler cannot
// include a header from another package, so the macros are copied here);
// SMLAL/SMLAL2 by vector and SXTL2 were added and checked against
// llvm-mc. Arguments are register numbers (d, n, m: Vd, Vn, Vm; 0..31),
// always parenthesized.

// Three-register forms: base | Rm<<16 | Rn<<5 | Rd.
#define VOP3(base, d, n, m) WORD $((base) | (m)<<16 | (n)<<5 | (d))

// ADD Vd.4S, Vn.4S, Vm.4S (wrapping).
#define ADD4S(d, n, m) VOP3(0x4EA08400, d, n, m)
// CMTST Vd.4S, Vn.4S, Vm.4S: lanes with (Vn & Vm) != 0 become all ones.
#define CMTST4S(d, n, m) VOP3(0x4EA08C00, d, n, m)
// SSHL Vd.4S, Vn.4S, Vm.4S: shift left by the signed low byte of Vm's
// lane (32 or more clears every bit).
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
// UZP1 Vd.8H, Vn.8H, Vm.8H: the even halfwords of Vn then of Vm.
#define UZP18H(d, n, m) VOP3(0x4E401800, d, n, m)
// UZP1 Vd.16B, Vn.16B, Vm.16B: the even bytes of Vn then of Vm.
#define UZP116B(d, n, m) VOP3(0x4E001800, d, n, m)

// SMLAL Vd.4S, Vn.4H, Vm.4H and SMLAL2 Vd.4S, Vn.8H, Vm.8H: Vd plus the
// exact products of the low (SMLAL) or high (SMLAL2) 4 halfwords of Vn
// and Vm, lane by lane (llvm-mc: smlal v4.4s, v2.4h, v0.4h = 0x0E608044).
#define SMLALV4S(d, n, m) VOP3(0x0E608000, d, n, m)
#define SMLAL2V4S(d, n, m) VOP3(0x4E608000, d, n, m)

// SXTL Vd.8H, Vn.8B and SXTL2 Vd.8H, Vn.16B (SSHLL/SSHLL2 #0): the low or
// high 8 bytes of Vn sign-extended to halfwords.
#define SXTL8H(d, n) WORD $(0x0F08A400 | (n)<<5 | (d))
#define SXTL28H(d, n) WORD $(0x4F08A400 | (n)<<5 | (d))

// REQ requantizes the 4 accumulators in a (which already hold the
// addend) with the channels' left shifts in l, multipliers in m, sign-bit
// fix-up in f and minus the right shifts in r, temporary t, and V24..V26
// holding the output offset, qmin and qmax: lane by lane, with hm the
// rounding doubling high multiply,
//
//	s  = acc << left                 (SSHL; left 32 clears every bit)
//	hm = (s*mult + 2^30) >> 31       (SQRDMULH: the multiplier is
//	                                  non-negative, so it never saturates)
//	hm -= 1 if hm < 0 and right > 0  (CMTST with the sign bit, ADD: the
//	                                  reference rounds ties away from zero,
//	                                  SRSHL rounds them up)
//	q  = (hm + 2^(right-1)) >> right (SRSHL by -right)
//	out = min(max(q + offset, qmin), qmax)
//
// which is MultiplyByQuantizedMultiplier (gemm's requant.go).
#define REQ(a, l, m, f, r, t) \
	SSHL4S(a, a, l); \
	SQRDMULH4S(a, a, m); \
	CMTST4S(t, a, f); \
	ADD4S(a, a, t); \
	SRSHL4S(a, a, r); \
	ADD4S(a, a, 24); \
	SMAX4S(a, a, 25); \
	SMIN4S(a, a, 26)
