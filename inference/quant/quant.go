// Package quant holds the fixed-point arithmetic of TensorFlow Lite's
// reference kernels: multipliers quantized to Q31 with a power-of-two
// exponent, rounding doubling high multiplication, rounding right shifts and
// saturation. Kernels that use these functions in the same order as the
// reference kernels produce bit-identical integer outputs.
//
// TFLite builds its reference kernels with double rounding
// (TFLITE_SINGLE_ROUNDING off), and so does this package.
package quant

import (
	"math"
	"math/bits"
)

// QuantizeMultiplier splits a real multiplier into a Q31 significand and a
// power-of-two exponent: m ≈ significand * 2^(shift-31). Zero gives (0, 0).
func QuantizeMultiplier(m float64) (significand int32, shift int) {
	if m == 0 {
		return 0, 0
	}
	q, exp := math.Frexp(m)
	qFixed := int64(math.Round(q * (1 << 31)))
	if qFixed == 1<<31 {
		qFixed /= 2
		exp++
	}
	if exp < -31 {
		exp = 0
		qFixed = 0
	}
	return int32(qFixed), exp
}

// SaturatingRoundingDoublingHighMul returns the high 32 bits of 2*a*b,
// rounded to nearest, saturating the single overflow case a == b == MinInt32.
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - (1 << 30)
	}
	// C++ integer division truncates toward zero, as Go's does.
	return int32((ab + nudge) / (1 << 31))
}

// RoundingDivideByPOT divides x by 2^exponent, rounding to nearest with ties
// away from zero.
func RoundingDivideByPOT(x int32, exponent int) int32 {
	mask := int32(1)<<uint(exponent) - 1
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> uint(exponent)
	if remainder > threshold {
		r++
	}
	return r
}

// RoundingDivideByPOT64 is RoundingDivideByPOT for 64-bit values.
func RoundingDivideByPOT64(x int64, exponent int) int64 {
	mask := int64(1)<<uint(exponent) - 1
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> uint(exponent)
	if remainder > threshold {
		r++
	}
	return r
}

// MultiplyByQuantizedMultiplier returns round(x * m * 2^shift) for a Q31
// multiplier m, with TFLite's double rounding. The left shift wraps on
// overflow as the reference does.
func MultiplyByQuantizedMultiplier(x, m int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x*(int32(1)<<uint(left)), m), right)
}

// MultiplyByQuantizedMultiplier64 is the reference's 64-bit-input variant
// (used by 16x8 kernels): the multiplier is reduced to 16 bits and the
// product rounded once.
func MultiplyByQuantizedMultiplier64(x int64, m int32, shift int) int32 {
	var reduced int32 = 0x7FFF
	if m < 0x7FFF0000 {
		reduced = (m + 1<<15) >> 16
	}
	total := 15 - shift
	x = x*int64(reduced) + int64(1)<<uint(total-1)
	return int32(x >> uint(total))
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp is the reference's variant
// for shift <= 0: no left shift before the high multiplication.
func MultiplyByQuantizedMultiplierSmallerThanOneExp(x, m int32, shift int) int32 {
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, m), -shift)
}

// MultiplyByQuantizedMultiplierGreaterThanOne is the reference's variant for
// shift >= 0: only a (wrapping) left shift.
func MultiplyByQuantizedMultiplierGreaterThanOne(x, m int32, shift int) int32 {
	return SaturatingRoundingDoublingHighMul(x*(int32(1)<<uint(shift)), m)
}

// CountLeadingZeros32 counts the leading zero bits of x (32 for 0).
func CountLeadingZeros32(x uint32) int { return bits.LeadingZeros32(x) }

// CountLeadingSignBits32 counts the bits after the sign bit that equal it
// (GCC's __builtin_clrsb): 31 for 0 and -1, 0 for MinInt32.
func CountLeadingSignBits32(x int32) int {
	if x < 0 {
		x = ^x
	}
	return bits.LeadingZeros32(uint32(x)) - 1
}

// Quantize converts f to a quantized value as TFLite's kernel_util does when
// computing activation bounds: zeroPoint + round(f / scale) in float32.
// ok is false when the result does not fit in int32.
func Quantize(scale float32, zeroPoint int32, f float32) (q int32, ok bool) {
	tmp := float32(math.Round(float64(f / scale)))
	if !(tmp >= float32(math.MinInt32) && tmp <= float32(math.MaxInt32)) {
		return 0, false
	}
	return zeroPoint + int32(tmp), true
}

// Clamp limits x to [lo, hi].
func Clamp(x, lo, hi int32) int32 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}
