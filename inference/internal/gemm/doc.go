// Package gemm multiplies int8 matrices with prepacked weights and fused
// requantization, the core of the int8 CONV_2D (1x1 or im2col) and
// FULLY_CONNECTED kernels.
//
// A weight matrix W (N output channels × K, row-major, as TFLite stores
// filters [N][K] and OHWI convolution filters flattened) is packed once by
// PackInt8 into the layout of one kernel path. Run then computes, for rows
// i of an activation matrix A (M × K) and channels c,
//
//	acc = bias[c] + Σ_k (int32(A[i,k]) + InOffset) * int32(W[c,k])
//	out[i,c] = int8(clamp(MultiplyByQuantizedMultiplier(acc, Mult[c], Shift[c]) + OutOffset, QMin, QMax))
//
// with int32 arithmetic that wraps mod 2^32, exactly as TensorFlow Lite's
// reference kernels do. Every path produces the same bytes: sums of int32
// products may be reordered and regrouped freely modulo 2^32, so each path
// folds bias + InOffset*Σ_k W[c,k] (and, for the VNNI path, the correction
// of its unsigned operand) into one per-channel addend computed at pack
// time, and requantizes with the branch-free scaling of the conv package:
//
//	hm = (int64(x << left) * mult + 2^30) >> 31
//	r  = (hm + round + (hm < 0 ? -1 : 0)) >> right     (round = 2^(right-1), or 0)
//
// Paths: "generic" (portable Go, the reference), "avx2" (amd64:
// VPMOVSXBW + VPMADDWD, exact int16 products, 3 rows × 16 channels per
// tile), "avxvnni" (amd64 with AVX-VNNI but possibly no AVX-512: the
// VEX-encoded VPDPBUSD on 256-bit registers, 6 rows × 16 channels per
// tile, with the avx2 epilogue) and "avx512vnni" (amd64: VPDPBUSD on
// 512-bit registers, 8 rows × 32 channels per tile); both VNNI paths bias
// the activations by +128 to make them unsigned. The amd64 SIMD paths
// have one-row kernels for the last rows of a matrix and for fully
// connected layers of one batch; the default prefers avx512vnni, then
// avxvnni, then avx2. On arm64, "neon"
// (every AArch64 CPU: SXTL + SMLAL by element, exact int16 products into
// int32 lanes), "sdot" (the dot-product extension, FEAT_DotProd: SDOT
// by element, 4 int8 products per lane) and "i8mm" (FEAT_I8MM with
// FEAT_DotProd: SMMLA, a 2x2 block of rows × channels per instruction,
// 8 int8 products per lane, de-interleaved with ZIP1/ZIP2 before the
// epilogue) all compute tiles of 4 rows × 16 channels, with one-row
// kernels for the last rows (up to 2 for neon and sdot, 1 for i8mm), and
// share one epilogue (SSHL, SQRDMULH, SRSHL with a fix-up of negative
// ties, see ops_arm64.h); the default prefers i8mm, then sdot, then neon. The default path is the fastest one the CPU supports (see
// Default); Select parses a name, and SelectEnv the EDGE_AGENT_KERNELS
// environment variable.
//
// Run allocates nothing and may be called concurrently on one PackedInt8
// for disjoint outputs, so callers can split work by row ranges and by
// channel ranges; channel ranges starting at multiples of PanelWidth avoid
// a small copy at the edges.
package gemm
