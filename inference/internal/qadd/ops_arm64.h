// Advanced SIMD instructions the neon kernel needs and Go's assembler
// (1.26) does not know, each emitted with WORD from its A64 encoding (Arm
// Architecture Reference Manual, "Advanced SIMD" encodings; checked with
// llvm-mc). Arguments are plain register numbers (d, n, m: Vd, Vn, Vm).

// Three-register "same" forms: base | Rm<<16 | Rn<<5 | Rd.
#define VOP3(base, d, n, m) WORD $((base) | (m)<<16 | (n)<<5 | (d))

// ADD and SUB Vd.4S, Vn.4S, Vm.4S (wrapping).
#define ADD4S(d, n, m) VOP3(0x4EA08400, d, n, m)
#define SUB4S(d, n, m) VOP3(0x6EA08400, d, n, m)
// CMTST Vd.4S, Vn.4S, Vm.4S: all ones where (Vn & Vm) != 0.
#define CMTST4S(d, n, m) VOP3(0x4EA08C00, d, n, m)
// SSHL Vd.4S, Vn.4S, Vm.4S: shift left by the signed low byte of Vm's
// lane (no saturation, as Go's << on int32).
#define SSHL4S(d, n, m) VOP3(0x4EA04400, d, n, m)
// SRSHL Vd.4S, Vn.4S, Vm.4S: for a count -r, (Vn + 2^(r-1)) >> r without
// overflow (ties rounded up); for 0, Vn.
#define SRSHL4S(d, n, m) VOP3(0x4EA05400, d, n, m)
// SQRDMULH Vd.4S, Vn.4S, Vm.4S: sat((2*Vn*Vm + 2^31) >> 32), which is
// SaturatingRoundingDoublingHighMul.
#define SQRDMULH4S(d, n, m) VOP3(0x6EA0B400, d, n, m)
// SMAX and SMIN Vd.4S, Vn.4S, Vm.4S.
#define SMAX4S(d, n, m) VOP3(0x4EA06400, d, n, m)
#define SMIN4S(d, n, m) VOP3(0x4EA06C00, d, n, m)
// UZP1 Vd.8H, Vn.8H, Vm.8H (the low halfwords of Vn's then Vm's 4S
// lanes) and UZP1 Vd.16B, Vn.16B, Vm.16B (the even bytes).
#define UZP18H(d, n, m) VOP3(0x4E401800, d, n, m)
#define UZP116B(d, n, m) VOP3(0x4E001800, d, n, m)
// SADDW Vd.8H, Vn.8H, Vm.8B and SADDW2 Vd.8H, Vn.8H, Vm.16B: Vn plus the
// low (SADDW) or high (SADDW2) 8 bytes of Vm sign-extended to halfwords.
#define SADDW8H(d, n, m) VOP3(0x0E201000, d, n, m)
#define SADDW28H(d, n, m) VOP3(0x4E201000, d, n, m)

// SXTL Vd.4S, Vn.4H and SXTL2 Vd.4S, Vn.8H (SSHLL{2} #0): the low or high
// 4 halfwords of Vn sign-extended to words.
#define SXTL4S(d, n) WORD $(0x0F10A400 | (n)<<5 | (d))
#define SXTL24S(d, n) WORD $(0x4F10A400 | (n)<<5 | (d))
