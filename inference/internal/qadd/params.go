package qadd

import (
	"errors"
	"fmt"
	"math"

	"github.com/edge-agent/edge-agent/inference/quant"
)

// Params are the parameters of one int8 ADD or SUB, as TFLite's
// ArithmeticParams hold them: input offsets (minus the zero points), the
// common left shift, per input and for the output a multiplier in
// [2^30, 2^31) (or 0) with a right shift, the output offset (the zero point) and
// the activation's clamp bounds.
type Params struct {
	Sub              bool  // compute x - y instead of x + y
	Left             int   // left shift of the offset inputs (20 for int8)
	Off1, Off2, OffO int32 // input offsets, output offset
	M1, M2, MO       int32 // multipliers
	R1, R2, RO       int   // right shifts (negated TFLite exponents)
	Lo, Hi           int32 // clamp bounds, within the int8 range
}

// ErrParams is wrapped by every error Validate returns.
var ErrParams = errors.New("qadd: parameters outside the exactly computed range")

// Validate reports whether p lies in the range where the vector kernels are
// exact (see the package comment): non-negative multipliers (so the
// saturating case of SaturatingRoundingDoublingHighMul, both operands
// INT32_MIN, cannot occur; TFLite's are in [2^30, 2^31), or 0 for a
// multiplier below 2^-32), right shifts in
// [0, 31], a left shift in [0, 20], offsets in [-128, 128] and clamp bounds
// lo <= hi within the int8 range. TFLite's int8 ADD and SUB parameters
// always satisfy it, except for right shifts above 31, which need input
// scales more than 2^31 apart.
func (p *Params) Validate() error {
	for _, m := range []struct {
		name string
		m    int32
		r    int
	}{{"input 1", p.M1, p.R1}, {"input 2", p.M2, p.R2}, {"output", p.MO, p.RO}} {
		if m.m < 0 {
			return fmt.Errorf("%w: %s multiplier %d is negative", ErrParams, m.name, m.m)
		}
		if m.r < 0 || m.r > 31 {
			return fmt.Errorf("%w: %s right shift %d is outside [0, 31]", ErrParams, m.name, m.r)
		}
	}
	if p.Left < 0 || p.Left > 20 {
		return fmt.Errorf("%w: left shift %d is outside [0, 20]", ErrParams, p.Left)
	}
	for _, o := range []struct {
		name string
		v    int32
	}{{"input 1", p.Off1}, {"input 2", p.Off2}, {"output", p.OffO}} {
		if o.v < -128 || o.v > 128 {
			return fmt.Errorf("%w: %s offset %d is outside [-128, 128]", ErrParams, o.name, o.v)
		}
	}
	if p.Lo > p.Hi || p.Lo < math.MinInt8 || p.Hi > math.MaxInt8 {
		return fmt.Errorf("%w: clamp bounds [%d, %d] are not an interval within the int8 range", ErrParams, p.Lo, p.Hi)
	}
	return nil
}

// scaleDown is TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp
// with the exponent given as a right shift.
func scaleDown(v, m int32, right int) int32 {
	return quant.RoundingDivideByPOT(quant.SaturatingRoundingDoublingHighMul(v, m), right)
}

// Eval is the reference: one result computed with TFLite's scalar
// arithmetic, operation for operation. It is what the generic path runs
// and what every other path must equal.
func (p *Params) Eval(x, y int8) int8 {
	a := scaleDown((int32(x)+p.Off1)<<p.Left, p.M1, p.R1)
	b := scaleDown((int32(y)+p.Off2)<<p.Left, p.M2, p.R2)
	s := a + b
	if p.Sub {
		s = a - b
	}
	return int8(quant.Clamp(scaleDown(s, p.MO, p.RO)+p.OffO, p.Lo, p.Hi))
}
