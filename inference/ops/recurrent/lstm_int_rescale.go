package recurrent

// rescale is quant.MultiplyByQuantizedMultiplier for one non-negative
// multiplier and shift, in a branch-free form: a wrapping left shift, the
// rounding doubling high multiplication as a floor shift of the 64-bit
// product plus 2^30 (which equals the reference's truncating division of
// the product plus its sign-dependent nudge), and a right shift of the
// 64-bit value plus 2^(right-1), minus one for negative values, which
// rounds half away from zero as RoundingDivideByPOT does. A non-negative
// multiplier never meets the one saturating case of the high
// multiplication (both operands MinInt32).
type rescale struct {
	mult        int64
	left, right uint
	round, neg  int64 // 2^(right-1) and -1 with a right shift, else 0
}

// newRescale returns the rescale for (mult, shift), or false when mult is
// negative.
func newRescale(mult int32, shift int) (rescale, bool) {
	s := rescale{mult: int64(mult)}
	if shift > 0 {
		s.left = uint(shift)
	} else if shift < 0 {
		s.right = uint(-shift)
		s.round, s.neg = 1<<(s.right-1), -1
	}
	return s, mult >= 0
}

// apply returns MultiplyByQuantizedMultiplier(x, mult, shift).
func (s *rescale) apply(x int32) int32 {
	hm := (int64(x<<s.left)*s.mult + 1<<30) >> 31
	return int32((hm + s.round + hm>>63&s.neg) >> s.right)
}

// sat16 clamps x to the int16 range.
func sat16(x int32) int32 { return min(max(x, -32768), 32767) }

// sat8 clamps x to the int8 range.
func sat8(x int32) int32 { return min(max(x, -128), 127) }
