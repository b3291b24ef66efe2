package gemm

// This file exports the requantization arithmetic for other int8 kernels
// (the depthwise convolution of package dwconv), so that every kernel
// scales accumulators with one definition.

// Validate checks rq for n output channels: n multipliers (non-negative),
// n shifts (at least -31), nil or n biases, and -128 <= QMin <= QMax <= 127.
func (rq *Requant) Validate(n int) error { return rq.check(n) }

// Scaling is one channel's MultiplyByQuantizedMultiplier in the
// branch-free scalar form of the conv package.
type Scaling struct{ s scaling }

// NewScaling returns the scaling by the Q31 multiplier mult (non-negative)
// and the power-of-two exponent shift (at least -31).
func NewScaling(mult int32, shift int) Scaling { return Scaling{newScaling(mult, shift)} }

// Apply returns MultiplyByQuantizedMultiplier(x, mult, shift).
func (s *Scaling) Apply(x int32) int32 { return s.s.apply(x) }

// VecScaling is one channel's scaling in the form the SIMD epilogues use,
// every step in int32 lanes: shift left by Left (32 clears every bit),
// multiply by Mult with the rounding doubling high multiply, then shift
// right by Right rounding half away from zero, where the remainder
// (masked by Mask, minus one for negative values) rounds up above Thr.
type VecScaling struct {
	Left, Mult, Right, Mask, Thr int32
}

// NewVecScaling returns the SIMD form of NewScaling(mult, shift).
func NewVecScaling(mult int32, shift int) VecScaling {
	v := newVecScaling(mult, shift)
	return VecScaling{Left: v.left, Mult: v.mult, Right: v.right, Mask: v.mask, Thr: v.thr}
}

// Apply is the scalar model of the SIMD epilogue, lane by lane; it equals
// NewScaling(mult, shift).Apply(x) for every x.
func (v VecScaling) Apply(x int32) int32 {
	s := vecScaling{left: v.Left, mult: v.Mult, right: v.Right, mask: v.Mask, thr: v.Thr}
	return s.simdApply(x)
}
