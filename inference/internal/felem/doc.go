// Package felem computes float32 elementwise ADD, SUB, MUL, MAXIMUM and
// MINIMUM with a fused activation clamp, on portable Go or on amd64 and
// arm64 SIMD paths that give the same bytes.
//
// Per element, with x and y the inputs (either of which may be one value
// repeated, a broadcast scalar):
//
//	Add: out = fgemm.Clamp(x + y, lo, hi)
//	Sub: out = fgemm.Clamp(x - y, lo, hi)
//	Mul: out = fgemm.Clamp(x * y, lo, hi)
//	Max: out = x > y ? x : y   (TensorFlow Lite's MAXIMUM; no clamp)
//	Min: out = x < y ? x : y   (MINIMUM; no clamp)
//
// fgemm.Clamp is min(max(v, lo), hi) with Go's builtin min and max (max(-0,
// +0) is +0, min(-0, +0) is -0), any NaN replaced by fgemm.CanonicalNaN:
// IEEE 754 fixes each sum, difference and product, but leaves a NaN's
// sign and payload to the hardware (x86 makes 0xFFC00000 of Inf - Inf,
// arm64 0x7FC00000, and with two NaN operands each keeps its own choice),
// so only canonical NaNs make the paths agree. Max and Min compare and
// select one input, bits unchanged, as the reference does: a NaN in y
// goes through, one in x does not.
//
// Paths (gemm.Path names):
//
//   - generic: portable Go, the reference.
//   - avx2: amd64, 8 lanes (VADDPS, VSUBPS, VMULPS, VMAXPS, VMINPS), four
//     vectors a step.
//   - avx512vnni: amd64 with AVX-512 F, 16 lanes, four vectors a step.
//   - neon and sdot: arm64 Advanced SIMD (one kernel; Path reports neon),
//     4 lanes (FADD, FSUB, FMUL; FCMGT and BSL for Max and Min), four
//     vectors a step.
//
// On amd64 the clamp is VMAXPS(v, lo) then VMINPS(·, hi), which return
// their second operand on ties and on NaN: that is Go's max and min except
// when lo is -0 (max(+0, -0) must be +0) or hi is +0 (min(-0, +0) must be
// -0), so bounds with those zeros run on the generic path there (the
// fused activations' bounds, ±MaxFloat32, 0, 6 and ±1, never do); NaN
// lanes, which VMAXPS would turn into lo, are found first (VCMPPS
// unordered) and replaced by the canonical NaN after the clamp. arm64's
// FMAX and FMIN are Go's max and min, NaN kept, and FCMEQ with BIF makes
// it canonical. Max and Min need no clamp: MAXPS(x, y) is x > y ? x : y
// exactly, MINPS(x, y) x < y ? x : y, and on arm64 FCMGT and BSL select
// the same way.
//
// The vector kernels run whole vectors; the last len(out) mod lanes
// elements go through the generic loop. A Kernel is read-only after New
// and allocates nothing, so it may run on several goroutines at once.
package felem
