// AArch64 Advanced SIMD instructions that Go's assembler (1.26) does not
// know, emitted with WORD from their A64 encodings (Arm Architecture
// Reference Manual, "Advanced SIMD" encodings). Register arguments are
// plain numbers 0..31 (Vd, Vn, Vm); they are always parenthesized.

// SXTL Vd.8H, Vn.8B (SSHLL #0): sign-extends the low 8 bytes of Vn.
// 0 Q=0 0 011110 immh:immb=0001000 101001 Rn Rd.
#define SXTL8H(d, n) WORD $(0x0F08A400 | (n)<<5 | (d))

// SXTL2 Vd.8H, Vn.16B (SSHLL2 #0): sign-extends the high 8 bytes of Vn.
#define SXTL28H(d, n) WORD $(0x4F08A400 | (n)<<5 | (d))

// SMLAL Vd.4S, Vn.4H, Vm.H[j] and SMLAL2 Vd.4S, Vn.8H, Vm.H[j]: Vd plus
// the exact products of the low (SMLAL) or high (SMLAL2) four halfwords of
// Vn with halfword j (0..7) of Vm, which must be V0..V15.
// 0 Q 0 01111 size=01 L M Rm 0010 H 0 Rn Rd, with j = H:L:M.
#define SMLAL4S(d, n, m, j) WORD $(0x0F402000 | ((j)>>1&1)<<21 | ((j)&1)<<20 | (m)<<16 | ((j)>>2)<<11 | (n)<<5 | (d))
#define SMLAL24S(d, n, m, j) WORD $(0x4F402000 | ((j)>>1&1)<<21 | ((j)&1)<<20 | (m)<<16 | ((j)>>2)<<11 | (n)<<5 | (d))

// SMLAL Vd.4S, Vn.4H, Vm.4H and SMLAL2 Vd.4S, Vn.8H, Vm.8H: Vd plus the
// exact products of the low (high) four halfwords of Vn and Vm, lane by
// lane. 0 Q 0 01110 size=01 1 Rm 1000 00 Rn Rd.
#define SMLALV4S(d, n, m) WORD $(0x0E608000 | (m)<<16 | (n)<<5 | (d))
#define SMLAL2V4S(d, n, m) WORD $(0x4E608000 | (m)<<16 | (n)<<5 | (d))

// ADDV Sd, Vn.4S: the wrapping sum of the four lanes of Vn.
// 0 Q=1 0 01110 size=10 11000 11011 10 Rn Rd.
#define ADDV4S(d, n) WORD $(0x4EB1B800 | (n)<<5 | (d))
