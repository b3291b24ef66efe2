package activation

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Tanh computes tanh(x) for float32, int8 and int16.
//
// int8 output must have scale 1/128 and zero point 0. int16 input and
// output must have zero point 0 and the output scale must be 2^-15.
type Tanh struct {
	in, out *tensor.Tensor
	p8      int8Params
	p16     int16Params
	table   int8Table
}

// Prepare implements ops.Kernel.
func (k *Tanh) Prepare(n *ops.Node) error {
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
		if outScale != 1.0/128 || outZP != 0 {
			return n.Errorf("output %s has scale %v and zero point %d; int8 output needs scale 1/128 and zero point 0", k.out, outScale, outZP)
		}
		if err := k.p8.prepareInt8(n, k.in); err != nil {
			return err
		}
		k.table.fill(k.int8)
	case tensor.Int16:
		return k.p16.prepareInt16(n, k.in, k.out, 0, 1)
	}
	return nil
}

// int8 is TFLite's int8 tanh of one input: saturated beyond the input
// radius, else gemmlowp's fixed-point tanh of the input in Q4.27, rounded
// to Q0.7.
func (k *Tanh) int8(q int32) int32 {
	p := &k.p8
	x := q - p.inZP
	switch {
	case x <= -p.radius:
		return math.MinInt8
	case x >= p.radius:
		return math.MaxInt8
	}
	inQ4 := quant.MultiplyByQuantizedMultiplier(x, p.multiplier, p.shift)
	return clampInt8(quant.RoundingDivideByPOT(quant.Tanh(inQ4, 4), 31-7))
}

// tanhInt16 is TFLite's int16 tanh of one input rescaled to 1/(3*4096),
// through tanh(x) = 2*sigmoid(2x) - 1: linear interpolation in the sigmoid
// table (8 fractional bits per entry), mirrored for negative inputs,
// rounded to Q0.15.
func tanhInt16(x int32) int16 {
	abs := uint32(x)
	if x < 0 {
		abs = uint32(-x)
	}
	var r int32
	if h := abs >> 8; h >= 255 {
		r = 0xffff << 8
	} else {
		a, b := sigmoidTable[h], sigmoidTable[h+1]
		r = int32(a<<8 + (abs&0xff)*(b-a))
	}
	if x >= 0 {
		r = r - 1<<(14+9) + 1<<(9-2)
	} else {
		r = -r + 1<<(14+9) + 1<<(9-2) - 1
	}
	return int16(r >> (9 - 1))
}

// Eval implements ops.Kernel.
func (k *Tanh) Eval(n *ops.Node) error {
	n.Pool.Run(k.in.NumElements(), grain, k)
	return nil
}

// Run computes elements [lo, hi).
func (k *Tanh) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		in, out := k.in.Float32()[lo:hi], k.out.Float32()[lo:hi]
		for i, v := range in {
			out[i] = float32(math.Tanh(float64(v)))
		}
	case tensor.Int8:
		k.table.apply(k.in.Int8(), k.out.Int8(), lo, hi)
	case tensor.Int16:
		in, out := k.in.Int16()[lo:hi], k.out.Int16()[lo:hi]
		for i, v := range in {
			out[i] = tanhInt16(k.p16.rescale(v))
		}
	}
}
