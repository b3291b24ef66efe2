// The 256-bit requantization epilogue shared by the avx2 and avxvnni
// kernels (avx2_amd64.s, avxvnni_amd64.s), which both compute panels of 16
// channels: R11 points at the panel's meta block, R12 at the consts, and
// Y12, Y13 are free temporaries.

// Meta block offsets for 16-channel panels (layout.go: metaArrays arrays of 16 int32).
#define M_ADD 0
#define M_LEFT 64
#define M_MULT 128
#define M_MODD 192
#define M_RIGHT 256
#define M_MASK 320
#define M_THR 384
#define M_SIZE 448

// REQ8 requantizes the 8 int32 accumulators in R for the channels at
// byte offset OFF of the meta block, clamps them, and leaves them in R.
// Temporaries: Y12, Y13. Lane by lane this is vecScaling.simdApply.
#define REQ8(R, OFF) \
	VPADDD (M_ADD+OFF)(R11), R, R; \
	VPSLLVD (M_LEFT+OFF)(R11), R, R; \
	VPSRLQ $32, R, Y13; \
	VPMULDQ (M_MULT+OFF)(R11), R, Y12; \
	VPMULDQ (M_MODD+OFF)(R11), Y13, Y13; \
	VPADDQ consts_c30(R12), Y12, Y12; \
	VPADDQ consts_c30(R12), Y13, Y13; \
	VPSRLQ $31, Y12, Y12; \
	VPSLLQ $1, Y13, Y13; \
	VPBLENDD $0xAA, Y13, Y12, R; \
	VPAND (M_MASK+OFF)(R11), R, Y12; \
	VPSRAD $31, R, Y13; \
	VPADDD Y13, Y12, Y12; \
	VPCMPGTD (M_THR+OFF)(R11), Y12, Y12; \
	VPSRAVD (M_RIGHT+OFF)(R11), R, R; \
	VPSUBD Y12, R, R; \
	VPADDD consts_out(R12), R, R; \
	VPMAXSD consts_qmin(R12), R, R; \
	VPMINSD consts_qmax(R12), R, R

// STORE16 requantizes channels 0-7 (in A) and 8-15 (in C) of one row,
// packs them to 16 bytes (the values are clamped to int8 already, so the
// saturating packs are exact) and stores them at PTR plus the output
// column offset R14. XA and XC are the low halves of A and C; C is
// clobbered.
#define STORE16(A, C, XA, XC, PTR) \
	REQ8(A, 0); \
	REQ8(C, 32); \
	VPACKSSDW C, A, A; \
	VPERMQ $0xD8, A, A; \
	VEXTRACTI128 $1, A, XC; \
	VPACKSSWB XC, XA, XA; \
	VMOVDQU XA, (PTR)(R14*1)
