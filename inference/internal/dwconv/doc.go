// Package dwconv computes int8 depthwise convolutions (TensorFlow Lite's
// DEPTHWISE_CONV_2D with depth multiplier 1) over NHWC tensors, with
// weights packed once and requantization fused, on portable Go or on amd64
// and arm64 SIMD paths that give the same bytes.
//
// For output pixel (oy, ox) of batch n and channel c, with the taps (fy,
// fx) whose input position iy = oy*SH - PadTop + fy*DH, ix = ox*SW -
// PadLeft + fx*DW lies inside the input (the others are skipped, as if
// their input plus offset were 0):
//
//	acc = bias[c] + Σ_taps (int32(in[n, iy, ix, c]) + InOffset) * int32(filter[fy, fx, c])
//	out[n, oy, ox, c] = int8(clamp(MultiplyByQuantizedMultiplier(acc, Mult[c], Shift[c]) + OutOffset, QMin, QMax))
//
// in int32 arithmetic that wraps, exactly as TensorFlow Lite's reference
// kernel (the scaling is gemm.Scaling, the conv package's branch-free
// form). Depth multipliers other than 1 are not handled here.
//
// Paths (gemm.Path, chosen as for the GEMMs: gemm.Default, gemm.Select,
// gemm.SelectEnv):
//
//   - generic: portable Go, the reference. Each pixel's channels
//     accumulate tap by tap over its in-bounds taps.
//   - avx2: amd64 with AVX2. Per output row and group of 16 channels, the
//     input columns the row reads are first rearranged into pairs of
//     filter rows as int16 (x[fy], x[fy+1]) per channel, so that one
//     VPMADDWD multiplies two taps of 8 channels; each output pixel then
//     sums KW × ceil(KH/2) of them from that buffer.
//   - avx512vnni: amd64 with AVX-512 F/BW/VL and VNNI. The same scheme
//     with quads of filter rows as bytes (x[fy..fy+3] + 128, unsigned) and
//     VPDPBUSD, 16 channels × 4 taps per instruction. Channels go 64 at a
//     time where they can: the quads are built by unpacking within 128-bit
//     lanes, and packing the requantized results back to bytes restores
//     the channel order, one 64-byte store per pixel.
//   - neon: arm64 Advanced SIMD, for gemm.NEON and gemm.SDOT alike (Path
//     reports neon; the dot product gains nothing here). Per output row,
//     the pixels go in runs that have the same in-bounds taps, and in
//     groups of 16 channels, two pixels at a time: each in-bounds tap's 16
//     input bytes are sign-extended to int16 and multiplied by the tap's
//     int16 weights with SMLAL/SMLAL2, exact products summed in int32.
//
// For 3x3 filters both amd64 paths unroll the taps; avx512vnni keeps the
// weights in registers and computes two pixels at a time.
//
// The amd64 paths read skipped taps as input 0 (from a zero row, or from
// padding columns of the buffer), the neon path does not read them; all
// add a per-pixel addend that holds the bias, InOffset times the sum of
// the in-bounds taps' weights, and for avx512vnni -128 times the sum of
// all weights: the pixel's "border configuration" (which filter rows and
// columns are in bounds) selects one of a few addend vectors computed at
// pack time. Sums of int32 products may be regrouped modulo 2^32, so the
// accumulators equal the reference's. The requantization is the GEMM
// epilogue's (gemm.VecScaling), vectorized exactly (avx512vnni skips the
// left shift when no channel has one; neon uses the arm64 GEMM kernels'
// SSHL, SQRDMULH, tie fix-up and SRSHL).
//
// The channels left after the 64-channel blocks come in groups of 16; when
// C is not a multiple of 16 the last group overlaps the one before it
// (those channels are computed twice, with the same bytes). Shapes the
// SIMD paths do not take (fewer than 16 channels, more than 16 filter
// rows, a filter so wide that one output pixel's input columns do not fit
// the amd64 kernels' 16 KiB buffer, or more border configurations than a
// real network has) run on the generic path; Packed.Path reports the path
// that runs.
//
// Run computes a range of output rows of one batch, allocates nothing, and
// may be called concurrently on one Packed for different rows.
package dwconv
