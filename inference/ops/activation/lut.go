package activation

import "math"

// lut16 is TFLite's int16 lookup table: 512 samples of a function over the
// int16 input range plus one extra sample for the slope of the last interval.
type lut16 [513]int16

// populate samples f as TFLite's LUTPopulate<int16_t> does, in float32
// arithmetic: input q maps to inScale * (q - inZP), f's result is quantized
// with outScale and outZP, and each sample is biased by half the error that
// linear interpolation makes at its interval's midpoint.
//
// The explicit float32 conversions keep Go from fusing a multiplication and
// an addition into one rounding, which float32 C++ code does not do.
func (t *lut16) populate(inScale float32, inZP int32, outScale float32, outZP int32, f func(float32) float32) {
	const steps = 512
	inMin := inScale * float32(math.MinInt16-inZP)
	inMax := inScale * float32(math.MaxInt16-inZP)
	outMin := outScale * float32(math.MinInt16-outZP)
	outMax := outScale * float32(math.MaxInt16-outZP)
	step := (inMax - inMin) / steps
	halfStep := step / 2
	scaleInv := float32(65536) / (outMax - outMin)
	clamp := func(v float32) int16 {
		return int16(min(max(v, math.MinInt16), math.MaxInt16))
	}
	for i := 0; i < steps; i++ {
		x := inMin + float32(float32(i)*step)
		xNext := inMin + float32(float32(i+1)*step)
		val := f(x)
		valMid := f(x + halfStep)
		valNext := f(xNext)
		sample := roundf(float32(val * scaleInv))
		midInterp := roundf((float32(valNext*scaleInv) + sample) / 2)
		midTrue := roundf(float32(valMid * scaleInv))
		bias := roundf((midInterp - midTrue) / 2)
		t[i] = clamp(sample - bias)
	}
	t[steps] = clamp(roundf(float32(f(inMax) * scaleInv)))
}

// lookup interpolates the table at v: the top 9 bits of v pick an interval,
// the low 7 bits the position inside it, rounded to nearest.
func (t *lut16) lookup(v int16) int16 {
	index := 256 + int(v>>7)
	offset := int32(v & 0x7f)
	base := t[index]
	slope := int32(int16(t[index+1] - base))
	return int16(int32(base) + (slope*offset+64)>>7)
}
