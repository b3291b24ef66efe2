package activation

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Softmax computes, along the last dimension,
// output[c] = exp(beta * (input[c] - max)) / sum_c' exp(beta * (input[c'] - max)),
// for float32 -> float32, int8 -> int8, int8 -> int16 and int16 -> int16.
//
// The quantized outputs must use the scales and zero points TFLite Micro
// requires: 1/256 and -128 for int8, 1/65536 and -32768 for int16 from int8
// input, 1/32768 and 0 for int16 from int16 input (whose zero point must be 0).
type Softmax struct {
	in, out      *tensor.Tensor
	rows, depth  int
	beta         float32
	multiplier   int32
	shift        int
	diffMin      int32
	exps         [256]int32 // int8: Q0.31 exp of each input difference -d, 0 below diffMin
	expLUT, recp lut16      // int16: exp on [-10, 0] and 1/(1+x) on [0, 1)
}

// Fixed-point formats of the int8 kernel: input differences scaled to Q5.26,
// the sum of exponentials accumulated in Q12.19.
const (
	softmaxDiffIntBits  = 5
	softmaxAccumIntBits = 12
)

// Prepare implements ops.Kernel.
func (k *Softmax) Prepare(n *ops.Node) error {
	if err := n.CheckIO(1, 1, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.SoftmaxOptions](n, tflite.BuiltinOptionsSoftmaxOptions)
	if err != nil {
		return err
	}
	k.beta = opts.Beta()
	k.in, k.out = n.Input(0), n.Output(0)
	if err := n.CheckType("input", k.in, tensor.Float32, tensor.Int8, tensor.Int16); err != nil {
		return err
	}
	if k.in.Rank() < 1 {
		return n.Errorf("input %s has rank 0", k.in)
	}
	if err := n.CheckShape("output", k.out, k.in.Shape...); err != nil {
		return err
	}
	k.depth = k.in.Shape[k.in.Rank()-1]
	if k.depth > 0 {
		k.rows = k.in.NumElements() / k.depth
	}
	switch {
	case k.in.Type == tensor.Float32 && k.out.Type == tensor.Float32:
		return nil
	case k.in.Type == tensor.Int8 && k.out.Type == tensor.Int8:
		return k.prepareInt8(n, 1.0/256, -128)
	case k.in.Type == tensor.Int8 && k.out.Type == tensor.Int16:
		return k.prepareInt8(n, 1.0/65536, -32768)
	case k.in.Type == tensor.Int16 && k.out.Type == tensor.Int16:
		return k.prepareInt16(n)
	}
	return n.Errorf("input type %s with output type %s is not supported", k.in.Type, k.out.Type)
}

// checkOutputQuant requires the output scale and zero point TFLite Micro
// requires. An exact scale is required for int8 output, as in TFLite.
func (k *Softmax) checkOutputQuant(n *ops.Node, scale float32, zp int32) error {
	s, z, err := n.PerTensorQuant("output", k.out)
	if err != nil {
		return err
	}
	ok := s == scale
	if k.out.Type == tensor.Int16 {
		ok = float32(math.Abs(float64(s-scale))) <= 0.001*scale
	}
	if !ok || z != zp {
		return n.Errorf("output %s has scale %v and zero point %d; %s softmax output needs scale %v and zero point %d",
			k.out, s, z, k.out.Type, scale, zp)
	}
	return nil
}

// prepareInt8 computes the input multiplier as TFLite's
// PreprocessSoftmaxScaling does (beta and the input scale multiplied in
// double, in Q5.26), the smallest input difference that still contributes,
// and the exponential of every possible input difference.
func (k *Softmax) prepareInt8(n *ops.Node, outScale float32, outZP int32) error {
	inScale, _, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	if err := k.checkOutputQuant(n, outScale, outZP); err != nil {
		return err
	}
	m := min(float64(k.beta)*float64(inScale)*(1<<(31-softmaxDiffIntBits)), (1<<31)-1.0)
	if !(m > 1) {
		return n.Errorf("beta %v times input scale %v is too small for the int8 kernel", k.beta, inScale)
	}
	k.multiplier, k.shift = quant.QuantizeMultiplier(m)
	k.diffMin = -inputRadius(softmaxDiffIntBits, k.shift, 31)
	// Input differences of int8 values lie in [-255, 0].
	for d := int32(0); d < 256; d++ {
		if -d < k.diffMin {
			k.exps[d] = 0
			continue
		}
		scaled := quant.MultiplyByQuantizedMultiplierGreaterThanOne(-d, k.multiplier, k.shift)
		k.exps[d] = quant.ExpOnNegativeValues(scaled, softmaxDiffIntBits)
	}
	return nil
}

// prepareInt16 checks the int16 quantization, computes the multiplier that
// maps input differences onto [-65535, 0] for [-10, 0] and builds the
// exp and 1/(1+x) tables, as TFLite Micro does.
func (k *Softmax) prepareInt16(n *ops.Node) error {
	inScale, inZP, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	if inZP != 0 {
		return n.Errorf("input %s has zero point %d; int16 softmax needs 0", k.in, inZP)
	}
	if err := k.checkOutputQuant(n, 1.0/32768, 0); err != nil {
		return err
	}
	k.multiplier, k.shift = quant.QuantizeMultiplier(float64(inScale) * float64(k.beta) / (10.0 / 65535.0))
	const span = math.MaxInt16 - math.MinInt16
	k.expLUT.populate(10.0/float32(span), math.MaxInt16, 2.0/float32(span), 0, expf)
	k.recp.populate(1.0/float32(span), math.MinInt16, 2.0/float32(span), 0,
		func(x float32) float32 { return 1 / (1 + x) })
	return nil
}

// Eval implements ops.Kernel.
func (k *Softmax) Eval(n *ops.Node) error {
	n.Pool.Run(k.rows, max(1, grain/max(1, k.depth)), k)
	return nil
}

// Run computes rows [lo, hi).
func (k *Softmax) Run(_, lo, hi int) {
	d := k.depth
	switch {
	case k.in.Type == tensor.Float32:
		in, out := k.in.Float32(), k.out.Float32()
		for r := lo; r < hi; r++ {
			k.rowFloat(in[r*d:(r+1)*d], out[r*d:(r+1)*d])
		}
	case k.in.Type == tensor.Int16:
		in, out := k.in.Int16(), k.out.Int16()
		for r := lo; r < hi; r++ {
			k.rowInt16(in[r*d:(r+1)*d], out[r*d:(r+1)*d])
		}
	case k.out.Type == tensor.Int8:
		in, out := k.in.Int8(), k.out.Int8()
		for r := lo; r < hi; r++ {
			softmaxRowInt8(k, in[r*d:(r+1)*d], out[r*d:(r+1)*d], 8)
		}
	default:
		in, out := k.in.Int8(), k.out.Int16()
		for r := lo; r < hi; r++ {
			softmaxRowInt8(k, in[r*d:(r+1)*d], out[r*d:(r+1)*d], 16)
		}
	}
}

// rowFloat is TFLite's float softmax on one row, in float32.
func (k *Softmax) rowFloat(in, out []float32) {
	m := float32(-math.MaxFloat32)
	for _, v := range in {
		m = max(m, v)
	}
	var sum float32
	for c, v := range in {
		e := expf(float32((v - m) * k.beta))
		out[c] = e
		sum += e
	}
	for c := range out {
		out[c] /= sum
	}
}

// softmaxRowInt8 is TFLite's quantized softmax on one row of int8 input:
// exponentials of the scaled differences to the row maximum in Q0.31, their
// sum in Q12.19, its reciprocal, and each output as exp * reciprocal shifted
// down to the output type (bits wide) and offset by the type's minimum.
func softmaxRowInt8[T int8 | int16](k *Softmax, in []int8, out []T, bits int) {
	m := int32(math.MinInt8)
	for _, v := range in {
		m = max(m, int32(v))
	}
	var sum int32 // Q12.19; wraps as gemmlowp's addition does
	for _, v := range in {
		sum += quant.RoundingDivideByPOT(k.exps[m-int32(v)], softmaxAccumIntBits)
	}
	recip, bitsOverUnit := quant.GetReciprocal(sum, softmaxAccumIntBits)
	lowest, highest := int32(-1)<<(bits-1), int32(1)<<(bits-1)-1
	exponent := bitsOverUnit + 31 - bits
	for c, v := range in {
		d := m - int32(v)
		if -d < k.diffMin {
			out[c] = T(lowest)
			continue
		}
		r := quant.RoundingDivideByPOT(quant.SaturatingRoundingDoublingHighMul(recip, k.exps[d]), exponent)
		out[c] = T(min(max(r+lowest, lowest), highest))
	}
}

// rowInt16 is TFLite's int16 softmax on one row: exponentials of the scaled
// differences to the row maximum from a table (cached in out), the
// reciprocal of their sum from a second table, and their product rescaled to
// Q0.15.
func (k *Softmax) rowInt16(in, out []int16) {
	m := int16(math.MinInt16)
	for _, v := range in {
		m = max(m, v)
	}
	var sum int32 // Q16.15
	for c, v := range in {
		scaled := quant.MultiplyByQuantizedMultiplier(int32(v)-int32(m), k.multiplier, k.shift)
		e := k.expLUT.lookup(int16(clampInt16(scaled + math.MaxInt16)))
		out[c] = e
		sum += int32(e)
	}
	headroomPlusOne := quant.CountLeadingZeros32(uint32(sum))
	shifted := int32((int64(sum)<<uint(headroomPlusOne-1) + 1<<13) >> 14)
	// 1/(1+x) takes x = sum - 1, recentred from [0, 65535] to [-32768, 32767].
	recip := int64(k.recp.lookup(int16(clampInt16(shifted - (1<<15 + 1<<16)))))
	rightShift := uint(31 - headroomPlusOne)
	round := int64(int32(1) << (rightShift - 1))
	for c, e := range out {
		r := int32((int64(e)*recip + round) >> rightShift)
		out[c] = int16(min(max(r, 0), math.MaxInt16))
	}
}
