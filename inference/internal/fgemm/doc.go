// Package fgemm multiplies float32 matrices with prepacked weights and a
// fused bias and clamp, the core of the float CONV_2D (1x1 or im2col),
// FULLY_CONNECTED and LSTM gate kernels, with results that are the same
// bytes on every kernel path and every architecture.
//
// A weight matrix W (N output channels × K, row-major, as TFLite stores
// fully connected weights and OHWI convolution filters flattened) is
// packed once by PackFloat32 into the layout of one kernel path. Run then
// computes, for rows i of an activation matrix A (M × K) and channels c,
//
//	acc = 0
//	for k = 0 .. K-1:  acc = acc + round32(A[i,k] * W[c,k])
//	out[i,c] = Clamp(acc + bias[c], min, max)
//
// in exactly that order, with every product rounded to float32 before it
// is added (a separate multiply and add, never a fused multiply-add) and
// Clamp = min(max(v, min), max) with Go's builtin min and max (NaN
// propagates; max(-0, +0) is +0, min(-0, +0) is -0), any NaN result
// replaced by CanonicalNaN. Float addition is not associative, so this
// order is what makes the paths agree: the SIMD kernels put different
// OUTPUT CHANNELS in the vector lanes (one activation broadcast, multiplied
// by the weights of 8 to 32 channels and added into their accumulators),
// so each lane performs the reference's sequence of roundings. IEEE 754
// makes each of those roundings the same on every CPU (Go leaves
// subnormals on and rounds to nearest everywhere).
//
// Two choices buy that identity at some cost:
//   - No FMA. Go's compiler may fuse acc += a*w into one multiply-add on
//     arm64 (the spec allows it, and FMADD rounds once), so the reference
//     loops here and in the operators write acc += float32(a*w), which
//     forbids fusion, and the arm64 kernels use FMUL then FADD instead of
//     FMLA. That gives up about half of the multiply throughput arm64 (and
//     amd64, with FMA3) could have; in exchange a model gives the same
//     answers on a developer's amd64 laptop, on an arm64 device and on
//     every kernel path, so goldens and tests need no tolerance.
//   - One NaN. IEEE 754 leaves a NaN's payload and sign to the hardware:
//     x86 produces 0xFFC00000 for Inf-Inf where arm64 produces 0x7FC00000,
//     and with two NaN operands each CPU keeps the first one, an operand
//     order the Go compiler picks freely for commutative operations. So
//     every NaN output is replaced by CanonicalNaN (0x7FC00000), one
//     compare and select per output.
//
// Paths (gemm.Path names, chosen as for the int8 GEMM): "generic"
// (portable Go, the reference), "avx2" (amd64: VMULPS and VADDPS on 256-bit
// registers, tiles of 6 rows × 16 channels), "avx512vnni" (amd64; only
// AVX-512 F is used: 512-bit VMULPS with an embedded broadcast of the
// activation and VADDPS, tiles of 8 rows × 32 channels), and on arm64
// "neon" and "sdot", which share one Advanced SIMD kernel (FMUL by element
// and FADD, tiles of 4 rows × 16 channels). Every SIMD path has a one-row
// kernel that computes 4 panels of channels at once (64 or 128
// accumulators' worth of independent additions), for fully connected
// layers of one batch and LSTM gates, where the chain of additions of
// each output, not the multiply throughput, sets the speed. The clamp
// reproduces Go's min and max exactly: on amd64, where MAXPS returns its
// second operand on ties and NaN, max(v, lo) is MAXPS(v, lo) AND MAXPS(lo,
// v) (the two differ only for signed zeros, where the AND of the bits is
// +0 as Go wants; min uses OR), and the NaN lanes are masked before the
// clamp and replaced after it; arm64's FMAX and FMIN already order -0
// below +0 and propagate NaN.
//
// Run allocates nothing and may be called concurrently on one
// PackedFloat32 for disjoint outputs, so callers can split work by row
// ranges and by channel ranges; channel ranges starting at multiples of
// PanelWidth avoid a small copy at the edges.
package fgemm
