package gemm

import (
	"fmt"
	"math"
)

// Requant describes the per-output-channel requantization of an int8 GEMM,
// as TFLite's PopulateConvolutionQuantizationParams computes it.
type Requant struct {
	// Mult holds one Q31 multiplier per output channel, as
	// quant.QuantizeMultiplier returns them: non-negative.
	Mult []int32
	// Shift holds one power-of-two exponent per output channel: at least
	// -31 (QuantizeMultiplier never returns less); shifts above 31 shift
	// every bit out, as the reference's int32 shift does, and give 0.
	Shift []int
	// Bias holds one int32 per output channel; nil means zero.
	Bias []int32
	// InOffset is added to every activation: minus the input zero point.
	InOffset int32
	// OutOffset is the output zero point.
	OutOffset int32
	// QMin and QMax bound the outputs (the fused activation's range), with
	// -128 <= QMin <= QMax <= 127.
	QMin, QMax int32
}

// minShift is the smallest exponent QuantizeMultiplier returns.
const minShift = -31

// check validates rq for n output channels.
func (rq *Requant) check(n int) error {
	if len(rq.Mult) != n {
		return fmt.Errorf("requant has %d multipliers for %d channels", len(rq.Mult), n)
	}
	if len(rq.Shift) != n {
		return fmt.Errorf("requant has %d shifts for %d channels", len(rq.Shift), n)
	}
	if rq.Bias != nil && len(rq.Bias) != n {
		return fmt.Errorf("requant has %d biases for %d channels", len(rq.Bias), n)
	}
	for c, m := range rq.Mult {
		if m < 0 {
			return fmt.Errorf("channel %d: multiplier %d is negative", c, m)
		}
		if s := rq.Shift[c]; s < minShift {
			return fmt.Errorf("channel %d: shift %d is below %d", c, s, minShift)
		}
	}
	if rq.QMin < math.MinInt8 || rq.QMax > math.MaxInt8 || rq.QMin > rq.QMax {
		return fmt.Errorf("output range [%d, %d] is not within [-128, 127]", rq.QMin, rq.QMax)
	}
	return nil
}

// scaling is one channel's MultiplyByQuantizedMultiplier in the branch-free
// form of the conv package: a wrapping left shift, the rounding doubling
// high multiply (x*mult + 2^30) >> 31, and a right shift rounding half away
// from zero.
type scaling struct {
	mult  int64
	left  uint
	right uint
	round int64 // 2^(right-1), or 0 without right shift
	neg   int64 // -1 with a right shift: ties of negative values round down
}

func newScaling(mult int32, shift int) scaling {
	s := scaling{mult: int64(mult)}
	if shift > 0 {
		s.left = uint(shift)
	} else if shift < 0 {
		s.right = uint(-shift)
		s.round, s.neg = 1<<(s.right-1), -1
	}
	return s
}

// apply returns MultiplyByQuantizedMultiplier(x, mult, shift).
func (s *scaling) apply(x int32) int32 {
	hm := (int64(x<<s.left)*s.mult + 1<<30) >> 31
	return int32((hm + s.round + hm>>63&s.neg) >> s.right)
}

// vecScaling is a channel's scaling in the form the SIMD epilogues use:
// every step fits int32 lanes (see simdApply).
type vecScaling struct {
	left  int32 // left shift; 32 or more clears every bit, as in Go
	mult  int32
	right int32 // rounding right shift, 0..31
	mask  int32 // 2^right - 1
	thr   int32 // mask >> 1: remainders above it (above or at, for negative values) round away from zero
}

func newVecScaling(mult int32, shift int) vecScaling {
	v := vecScaling{mult: mult}
	if shift > 0 {
		v.left = int32(min(shift, 32))
	} else {
		v.right = int32(-shift)
	}
	v.mask = int32(uint32(1)<<uint(v.right) - 1)
	v.thr = v.mask >> 1
	return v
}

// simdApply is the scalar model of the SIMD epilogues, lane by lane: with a
// non-negative multiplier, hm = (x*mult + 2^30) >> 31 lies in
// (-2^31, 2^31), so it is the low 32 bits of the 64-bit sum shifted right
// logically, and the rounding right shift becomes RoundingDivideByPOT's
// remainder test, free of the int64 intermediate. Tests check it against
// scaling.apply.
func (v *vecScaling) simdApply(x int32) int32 {
	var sh int32
	if v.left < 32 {
		sh = x << uint(v.left)
	}
	hm := int32(uint64(int64(sh)*int64(v.mult)+1<<30) >> 31)
	neg := hm >> 31 // -1 or 0
	q := hm >> uint(v.right)
	if hm&v.mask+neg > v.thr {
		q++
	}
	return q
}
