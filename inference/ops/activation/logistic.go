package activation

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Logistic computes 1 / (1 + exp(-x)) for float32, int8 and int16.
//
// int8 output must have scale 1/256 and zero point -128. int16 input and
// output must have zero point 0 and the output scale must be 2^-15.
type Logistic struct {
	in, out *tensor.Tensor
	p8      int8Params
	p16     int16Params
	table   int8Table
}

// int8Params are the parameters of the int8 LOGISTIC and TANH kernels: the
// input is rescaled to Q4.27 by multiplier and shift, and inputs at or
// beyond radius from the zero point saturate.
type int8Params struct {
	inZP       int32
	radius     int32
	multiplier int32
	shift      int
}

// prepareInt8 computes the input rescaling as TFLite does, with frexp.
func (p *int8Params) prepareInt8(n *ops.Node, in *tensor.Tensor) error {
	scale, zp, err := n.PerTensorQuant("input", in)
	if err != nil {
		return err
	}
	const intBits = 4
	p.inZP = zp
	p.multiplier, p.shift = frexpMultiplier(float64(scale) * (1 << (31 - intBits)))
	p.radius = inputRadius(intBits, p.shift, 31)
	return nil
}

// int16Params are the parameters of the int16 LOGISTIC and TANH kernels: the
// input is rescaled so that 2^17 stands for 10.7 (a scale of 1/(3*4096)) by
// (x * multiplier + round) >> shift.
type int16Params struct {
	multiplier int32
	shift      uint
	round      int32
}

// prepareInt16 checks the symmetric quantization TFLite requires and
// computes the input rescaling as TFLite does. A power-of-two input scale
// whose exponent maps directly onto the table is rescaled by 3 << shift;
// potShifts lists the exponents that qualify (they differ for LOGISTIC and
// TANH).
func (p *int16Params) prepareInt16(n *ops.Node, in, out *tensor.Tensor, potShifts ...int) error {
	inScale, inZP, err := n.PerTensorQuant("input", in)
	if err != nil {
		return err
	}
	outScale, outZP, err := n.PerTensorQuant("output", out)
	if err != nil {
		return err
	}
	if inZP != 0 || outZP != 0 {
		return n.Errorf("int16 input and output need zero point 0, have %d and %d", inZP, outZP)
	}
	if l, ok := checkedLog2(outScale); !ok || l != -15 {
		return n.Errorf("output %s has scale %v; int16 output needs scale 2^-15", out, outScale)
	}
	const intBits = 3
	log2, pot := checkedLog2(inScale)
	shift := 15 - intBits + log2
	if pot {
		pot = false
		for _, s := range potShifts {
			pot = pot || shift == s
		}
	}
	if pot {
		p.multiplier, p.shift = 3<<uint(shift), 0
	} else {
		m := float64(inScale) * 4096 * 3
		shift = 0
		for m <= 32767.0/2 && shift <= 30 {
			shift++
			m *= 2
		}
		if m >= math.MaxInt16+1 {
			return n.Errorf("input %s has scale %v; int16 input needs a scale below about %.4g", in, inScale, 32768.0/(4096*3))
		}
		p.multiplier, p.shift = int32(m), uint(shift)
	}
	if p.shift > 0 {
		p.round = 1 << (p.shift - 1)
	}
	return nil
}

// rescale maps an int16 input onto the table's scale.
func (p *int16Params) rescale(v int16) int32 {
	return (int32(v)*p.multiplier + p.round) >> p.shift
}

// Prepare implements ops.Kernel.
func (k *Logistic) Prepare(n *ops.Node) error {
	var err error
	k.in, k.out, err = unary(n, tensor.Float32, tensor.Int8, tensor.Int16)
	if err != nil {
		return err
	}
	switch k.in.Type {
	case tensor.Int8:
		outScale, outZP, err := n.PerTensorQuant("output", k.out)
		if err != nil {
			return err
		}
		if outScale != 1.0/256 || outZP != math.MinInt8 {
			return n.Errorf("output %s has scale %v and zero point %d; int8 output needs scale 1/256 and zero point -128", k.out, outScale, outZP)
		}
		if err := k.p8.prepareInt8(n, k.in); err != nil {
			return err
		}
		k.table.fill(k.int8)
	case tensor.Int16:
		return k.p16.prepareInt16(n, k.in, k.out, 0)
	}
	return nil
}

// int8 is TFLite's int8 logistic of one input: saturated beyond the input
// radius, else gemmlowp's fixed-point logistic of the input in Q4.27,
// rounded to Q0.8 and offset by -128.
func (k *Logistic) int8(q int32) int32 {
	p := &k.p8
	x := q - p.inZP
	switch {
	case x <= -p.radius:
		return math.MinInt8
	case x >= p.radius:
		return math.MaxInt8
	}
	inQ4 := quant.MultiplyByQuantizedMultiplier(x, p.multiplier, p.shift)
	r := quant.RoundingDivideByPOT(quant.Logistic(inQ4, 4), 31-8)
	return clampInt8(r + math.MinInt8)
}

// logisticInt16 is TFLite's int16 logistic of one input rescaled to
// 1/(3*4096): linear interpolation in the sigmoid table (9 fractional bits
// per entry), mirrored for negative inputs, rounded to Q0.15.
func logisticInt16(x int32) int16 {
	abs := uint32(x)
	if x < 0 {
		abs = uint32(-x)
	}
	var r uint32
	if h := abs >> 9; h >= 255 {
		r = 0x7fff << 10
	} else {
		a, b := sigmoidTable[h], sigmoidTable[h+1]
		r = a<<9 + (abs&0x1ff)*(b-a)
	}
	if x >= 0 {
		r += 1 << 9
	} else {
		r = 1<<(16+9) - r + 1<<9 - 1
	}
	return int16(r >> 10)
}

// Eval implements ops.Kernel.
func (k *Logistic) Eval(n *ops.Node) error {
	n.Pool.Run(k.in.NumElements(), grain, k)
	return nil
}

// Run computes elements [lo, hi).
func (k *Logistic) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		in, out := k.in.Float32()[lo:hi], k.out.Float32()[lo:hi]
		for i, v := range in {
			out[i] = logisticFloat(v)
		}
	case tensor.Int8:
		k.table.apply(k.in.Int8(), k.out.Int8(), lo, hi)
	case tensor.Int16:
		in, out := k.in.Int16()[lo:hi], k.out.Int16()[lo:hi]
		for i, v := range in {
			out[i] = logisticInt16(k.p16.rescale(v))
		}
	}
}

// logisticFloat is TFLite's float logistic, with its cutoffs: 1 above
// 16.619..., exp(x) below -9.
func logisticFloat(v float32) float32 {
	const upper, lower = 16.619047164916992188, -9
	switch {
	case v > upper:
		return 1
	case v < lower:
		return expf(v)
	}
	return 1 / (1 + expf(-v))
}
