// Package fdw computes float32 depthwise convolutions (TensorFlow Lite's
// DEPTHWISE_CONV_2D with depth multiplier 1) over NHWC tensors, with the
// filter packed once and the bias and activation clamp fused, on portable
// Go or on amd64 and arm64 SIMD paths that give the same bytes.
//
// For output pixel (oy, ox) of batch n and channel c, over the taps (fy,
// fx) whose input position iy = oy*SH - PadTop + fy*DH, ix = ox*SW -
// PadLeft + fx*DW lies inside the input, (fy, fx) in row-major order:
//
//	acc = +0
//	for each in-bounds tap:  acc = acc + round32(in[n, iy, ix, c] * filter[fy, fx, c])
//	out[n, oy, ox, c] = fgemm.Clamp(acc + bias[c], Min, Max)
//
// Taps outside the input are skipped, not read as zeros (a zero times an
// infinite or NaN weight is NaN). Every product is rounded to float32
// before it is added (a separate multiply and add, never a fused
// multiply-add: the reference writes float32(x*w), which Go's compiler
// does not fuse on arm64), the bias is +0 without one (a sum from +0 is
// never -0 under rounding to nearest, so adding +0 changes nothing), and
// the clamp is fgemm.Clamp: Go's min and max, any NaN replaced by
// fgemm.CanonicalNaN. This is exactly the float path of the conv
// package's DEPTHWISE_CONV_2D.
//
// Float addition is not associative, so the order is the contract. The
// SIMD kernels put CHANNELS in the vector lanes: each lane sums its
// channel's in-bounds taps in the reference's order, so every lane makes
// the reference's roundings. IEEE 754 makes each rounding the same on
// every CPU (Go runs with subnormals kept and rounding to nearest).
//
// Paths (gemm.Path names, chosen as for the GEMMs):
//
//   - generic: portable Go, the reference.
//   - avx2: amd64 with AVX2, groups of 8 channels in 256-bit registers:
//     VMULPS then VADDPS (never FMA), four output pixels at a time.
//   - avx512vnni: amd64 with AVX-512 (only AVX-512 F is used), groups of
//     16 channels in 512-bit registers, four pixels at a time; fewer than
//     16 channels take the avx2 kernel.
//   - neon and sdot: arm64 Advanced SIMD (one kernel; Path reports neon),
//     groups of 8 channels in two 128-bit registers, FMUL then FADD
//     (never FMLA), four pixels at a time.
//
// The filter is packed per group of channels, tap-major ([group][fy][fx]
// [lane]), with the bias per group. When C is not a multiple of the group
// width, the last group overlaps the one before it (those channels are
// computed twice, with the same bytes). The output pixels of a row are
// split once, at Pack, into runs that have the same in-bounds columns of
// the filter; a kernel call computes one run of one row for every group.
// The epilogue is fgemm's: bias added, max and min exactly as Go's (on
// amd64 the AND of MAXPS(v, lo) and MAXPS(lo, v), the OR of the two MINPS,
// which differ only for signed zeros; arm64's FMAX and FMIN already are
// Go's), NaN lanes replaced by the canonical NaN.
//
// Shapes the SIMD paths do not take (fewer than 8 channels) run on the
// generic path; Packed.Path reports the path that runs. Run computes a
// range of output rows of one batch, allocates nothing, and may be called
// concurrently on one Packed for different rows.
package fdw
