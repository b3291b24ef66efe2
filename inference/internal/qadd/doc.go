// Package qadd computes int8 ADD and SUB elementwise with TensorFlow Lite's
// reference arithmetic, bit for bit, on the kernel paths of gemm.Path:
// plain Go (generic), AVX2 and AVX-512 on amd64 (avx2, avx512vnni), and
// Advanced SIMD on arm64 (neon, sdot).
//
// Per element, with x and y the stored int8 inputs (see Params):
//
//	a   = scaleDown((x + Off1) << Left, M1, R1)
//	b   = scaleDown((y + Off2) << Left, M2, R2)
//	s   = a + b   (a - b for SUB)
//	out = clamp(scaleDown(s, MO, RO) + OffO, Lo, Hi)
//
// where scaleDown(v, m, r) is TFLite's
// MultiplyByQuantizedMultiplierSmallerThanOneExp: RoundingDivideByPOT(
// SaturatingRoundingDoublingHighMul(v, m), r).
//
// # Exactness of the vector kernels
//
// SaturatingRoundingDoublingHighMul(v, m) saturates only when v and m are
// both INT32_MIN. Params.Validate requires every multiplier to be
// non-negative, so that case cannot occur, and without it the function
// equals floor((v*m + 2^30) / 2^31) for every sign of v*m (the reference's
// nudge of 1-2^30 for negative products, with division truncating toward
// zero, rounds the same ties up). arm64's SQRDMULH is that very function.
//
// RoundingDivideByPOT(h, e) rounds to nearest with ties away from zero,
// which for e > 0 is (h + 2^(e-1) - [h < 0]) >> e with an arithmetic shift,
// and h itself for e = 0. arm64's SRSHL by -e rounds ties up, without
// overflow; subtracting 1 from negative values first (CMTST with the sign
// bit where e > 0) makes it round them away from zero.
//
// The amd64 kernels multiply with VPMULDQ, exactly into 64 bits, and fold
// into one 64-bit addend of the product what is added before the shift:
// 2^30 for the high multiply, 2^(e-1) - 1 (times 2^31; 2^(e-1) reads 0
// for e = 0) for the division, and for the inputs the offset (times 2^left*m, so that the product is
// that of (x + off) << left). Bits 31-62 of the sum are then h + 2^(e-1) -
// 1, from which the sign of h is known (see consts); adding 1 where h >= 0
// and shifting right by e gives the reference's result.
//
// Validate bounds the offsets (|x + off| <= 256) and the left shift (at
// most 20), so every value stays in range: |(x + off) << left| <= 2^28 and
// the sums |a ± b| <= 2^29, the 64-bit sums below 2^62 and the 32-bit ones
// below 2^31, for every right shift up to 31.
package qadd
