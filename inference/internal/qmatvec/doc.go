// Package qmatvec multiplies a prepacked int8 matrix by int8 vectors with
// exact int32 results, the matrix-vector products of the integer recurrent
// kernels (the LSTM's gate and projection products, the SVDF's feature
// projection).
//
// A matrix W (rows × cols, row-major) and a per-row int32 bias are packed
// once by Pack into the layout of one kernel; MulVec then computes
//
//	dst[r] = bias[r] + Σ_c int32(W[r,c]) * int32(x[c])
//
// in int32 arithmetic that wraps modulo 2^32, as TensorFlow Lite's
// reference kernels do. Every kernel returns the same values: sums of int32
// products may be reordered and regrouped freely modulo 2^32, so each
// kernel accumulates in its own order and folds any correction of its
// operands into the packed bias.
//
// Kernels, named after the gemm paths that select them:
//
//   - "generic": portable Go on the row-major matrix, four rows at a time.
//   - "avx2" (amd64): blocks of 8 rows; per pair of columns VPMOVSXBW
//     widens the 8×2 weights to int16 and VPMADDWD multiplies them by the
//     broadcast pair of activations (exact int16 products summed in
//     pairs into int32 lanes).
//   - "avx512vnni" (amd64): blocks of 16 rows; per group of 4 columns one
//     VPDPBUSD adds the 16×4 products of the weights with the broadcast
//     activations, biased by +128 to make them unsigned (the bias holds
//     -128·Σ_c W[r,c] to compensate).
//   - "neon" and "sdot" (arm64): blocks of 16 rows; per column the
//     weights are widened with SXTL and multiplied by the activation
//     (a halfword lane) with SMLAL and SMLAL2 by element.
//
// The column count is padded with zero weights to the kernel's group size
// and the activations are staged, widened or biased, in a buffer of the
// matrix: a Matrix is not safe for concurrent use.
package qmatvec
