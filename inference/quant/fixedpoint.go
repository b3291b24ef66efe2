package quant

import (
	"math"
	"unsafe"
)

// This file holds the fixed-point transcendental functions that TFLite's
// integer kernels take from gemmlowp (fixedpoint.h): exp on negative values,
// logistic and tanh, in Qm.n formats over int16 or int32 raw values.
//
// A fixed-point value is its raw integer plus a number of integer bits m
// (excluding the sign bit); the raw type's remaining bits are fractional. The
// functions below take m as an argument where gemmlowp has a template
// parameter. Additions wrap and multiplications are rounding doubling high
// multiplications, exactly as in gemmlowp's scalar code.

// Raw is a raw fixed-point integer type.
type Raw interface{ ~int16 | ~int32 }

func totalBits[T Raw]() int {
	var z T
	return int(unsafe.Sizeof(z)) * 8
}

func rawMax[T Raw]() T {
	if totalBits[T]() == 16 {
		return T(math.MaxInt16)
	}
	v := int32(math.MaxInt32)
	return T(v)
}

func rawMin[T Raw]() T {
	if totalBits[T]() == 16 {
		return T(math.MinInt16)
	}
	v := int32(math.MinInt32)
	return T(v)
}

// Mul is the fixed-point product: a rounding doubling high multiplication.
// The integer bits of the result are the sum of the operands'.
func Mul[T Raw](a, b T) T {
	if totalBits[T]() == 32 {
		return T(SaturatingRoundingDoublingHighMul(int32(a), int32(b)))
	}
	if a == b && a == rawMin[T]() {
		return rawMax[T]()
	}
	ab := int32(a) * int32(b)
	nudge := int32(1 << 14)
	if ab < 0 {
		nudge = 1 - (1 << 14)
	}
	return T((ab + nudge) / (1 << 15))
}

// RoundingDivideByPOTRaw is RoundingDivideByPOT for any raw type.
func RoundingDivideByPOTRaw[T Raw](x T, exponent int) T {
	mask := T(int64(1)<<uint(exponent) - 1)
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

// SaturatingRoundingMultiplyByPOT multiplies x by 2^exponent: a saturating
// left shift for exponent > 0, a rounding right shift for exponent < 0.
func SaturatingRoundingMultiplyByPOT[T Raw](x T, exponent int) T {
	switch {
	case exponent > 0:
		threshold := T(int64(1)<<uint(totalBits[T]()-1-exponent) - 1)
		if x > threshold {
			return rawMax[T]()
		}
		if x < -threshold {
			return rawMin[T]()
		}
		return x << uint(exponent)
	case exponent < 0:
		return RoundingDivideByPOTRaw(x, -exponent)
	}
	return x
}

// Rescale converts x from srcBits to dstBits integer bits.
func Rescale[T Raw](x T, srcBits, dstBits int) T {
	return SaturatingRoundingMultiplyByPOT(x, srcBits-dstBits)
}

// RoundingHalfSum returns (a+b)/2 rounded to nearest, ties away from zero.
func RoundingHalfSum[T Raw](a, b T) T {
	sum := int64(a) + int64(b)
	sign := int64(1)
	if sum < 0 {
		sign = -1
	}
	return T((sum + sign) / 2)
}

// addSaturatingIf16Bit adds, saturating only for 16-bit raw values.
func addSaturatingIf16Bit[T Raw](a, b T) T {
	if totalBits[T]() == 16 {
		s := int32(a) + int32(b)
		return T(max(math.MinInt16, min(math.MaxInt16, s)))
	}
	return a + b
}

// constant converts a constant given as a raw int32 Q-value to raw type T, as
// gemmlowp's RescaleConstantInitializer does.
func constant[T Raw](v int32) T {
	return T(RoundingDivideByPOT(v, 32-totalBits[T]()))
}

// ConstantPOT returns 2^exponent in a format with intBits integer bits.
func ConstantPOT[T Raw](intBits, exponent int) T {
	return T(1) << uint(totalBits[T]()-1-intBits+exponent)
}

// One returns 1.0 in a format with intBits integer bits (the largest value
// when intBits is 0).
func One[T Raw](intBits int) T {
	if intBits == 0 {
		return rawMax[T]()
	}
	return T(1) << uint(totalBits[T]()-1-intBits)
}

// expOnIntervalNegQuarterTo0 returns exp(a) for a in [-1/4, 0), Q0 in and out.
func expOnIntervalNegQuarterTo0[T Raw](a T) T {
	constantTerm := constant[T](1895147668)  // exp(-1/8)
	constant1Over3 := constant[T](715827883) // 1/3
	x := a + ConstantPOT[T](0, -3)
	x2 := Mul(x, x)
	x3 := Mul(x2, x)
	x4 := Mul(x2, x2)
	x4Over4 := SaturatingRoundingMultiplyByPOT(x4, -2)
	poly := SaturatingRoundingMultiplyByPOT(Mul(x4Over4+x3, constant1Over3)+x2, -1)
	return addSaturatingIf16Bit(constantTerm, Mul(constantTerm, x+poly))
}

// ExpOnNegativeValues returns exp(a) in Q0 for a <= 0 given with intBits integer bits.
func ExpOnNegativeValues[T Raw](a T, intBits int) T {
	fracBits := totalBits[T]() - 1 - intBits
	oneQuarter := ConstantPOT[T](intBits, -2)
	mask := oneQuarter - 1
	aModQuarterMinusQuarter := (a & mask) - oneQuarter
	result := expOnIntervalNegQuarterTo0(Rescale(aModQuarterMinusQuarter, intBits, 0))
	remainder := aModQuarterMinusQuarter - a
	barrel := [...]struct {
		exponent   int
		multiplier int32
	}{
		{-2, 1672461947}, // exp(-1/4)
		{-1, 1302514674}, // exp(-1/2)
		{0, 790015084},   // exp(-1)
		{1, 290630308},   // exp(-2)
		{2, 39332535},    // exp(-4)
		{3, 720401},      // exp(-8)
		{4, 242},         // exp(-16)
	}
	for _, b := range barrel {
		if intBits > b.exponent {
			shift := fracBits + b.exponent
			if remainder&(T(1)<<uint(shift)) != 0 {
				result = Mul(result, constant[T](b.multiplier))
			}
		}
	}
	if intBits > 5 {
		clampB := 36 - intBits
		clamp := constant[T](-(int32(1) << uint(clampB)))
		if a < clamp {
			result = 0
		}
	}
	if a == 0 {
		result = One[T](0)
	}
	return result
}

// newtonRaphsonReciprocalHalf runs the Newton-Raphson iterations shared by
// OneOverOnePlusX and oneMinusXOverOnePlusX; it returns x ≈ 1/half_denominator in Q2.
func newtonRaphsonReciprocalHalf[T Raw](a T) T {
	halfDenominator := RoundingHalfSum(a, One[T](0))
	c48Over17 := constant[T](1515870810)
	cNeg32Over17 := constant[T](-1010580540)
	x := c48Over17 + Mul(halfDenominator, cNeg32Over17)
	for i := 0; i < 3; i++ {
		halfDenominatorTimesX := Mul(halfDenominator, x)
		oneMinus := One[T](2) - halfDenominatorTimesX
		x = x + Rescale(Mul(x, oneMinus), 4, 2)
	}
	return x
}

// OneOverOnePlusX returns 1/(1+a) for a in [0, 1), Q0 in and out.
func OneOverOnePlusX[T Raw](a T) T {
	x := newtonRaphsonReciprocalHalf(a)
	return Rescale(x, 1, 0) // ExactMulByPot<-1> then Rescale<0>
}

// oneMinusXOverOnePlusX returns (1-a)/(1+a) for a in [0, 1), Q0 in and out.
func oneMinusXOverOnePlusX[T Raw](a T) T {
	x := newtonRaphsonReciprocalHalf(a)
	return Rescale(x-One[T](2), 2, 0)
}

// Logistic returns 1/(1+exp(-a)) in Q0 for a with intBits integer bits.
func Logistic[T Raw](a T, intBits int) T {
	if a == 0 {
		return constant[T](1 << 30)
	}
	abs := a
	if a <= 0 {
		abs = -a
	}
	pos := OneOverOnePlusX(ExpOnNegativeValues(-abs, intBits))
	if a > 0 {
		return pos
	}
	return One[T](0) - pos
}

// Tanh returns tanh(a) in Q0 for a with intBits integer bits.
func Tanh[T Raw](a T, intBits int) T {
	if a == 0 {
		return 0
	}
	n := a
	if a >= 0 {
		n = -a
	}
	t := oneMinusXOverOnePlusX(ExpOnNegativeValues(n, intBits+1))
	if a < 0 {
		return -t
	}
	return t
}

// GetReciprocal returns 1/x for x with xIntegerDigits integer bits as a Q0
// significand and the number of bits the result lies above 1.0, as TFLite's
// GetReciprocal does for softmax.
func GetReciprocal(x int32, xIntegerDigits int) (reciprocal int32, numBitsOverUnit int) {
	headroomPlusOne := CountLeadingZeros32(uint32(x))
	numBitsOverUnit = xIntegerDigits - headroomPlusOne
	shiftedSumMinusOne := int32((uint32(x) << uint(headroomPlusOne)) - (uint32(1) << 31))
	return OneOverOnePlusX(shiftedSumMinusOne), numBitsOverUnit
}
