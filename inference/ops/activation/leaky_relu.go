package activation

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// LeakyRelu computes x for x > 0 and alpha * x otherwise, for float32, int8
// and int16. Quantized values are requantized with one multiplier for each
// side of the input zero point, as TFLite does; alpha may be negative.
type LeakyRelu struct {
	in, out *tensor.Tensor
	alpha   float32

	inZP, outZP        int32
	identityMultiplier int32
	identityShift      int
	alphaMultiplier    int32 // magnitude; alphaNegative carries the sign
	alphaShift         int
	alphaNegative      bool
	typeMin, typeMax   int32
	table              int8Table
}

// Prepare implements ops.Kernel.
func (k *LeakyRelu) Prepare(n *ops.Node) error {
	var err error
	k.in, k.out, err = unary(n, tensor.Float32, tensor.Int8, tensor.Int16)
	if err != nil {
		return err
	}
	opts, err := ops.Options[tflite.LeakyReluOptions](n, tflite.BuiltinOptionsLeakyReluOptions)
	if err != nil {
		return err
	}
	k.alpha = opts.Alpha()
	if k.in.Type == tensor.Float32 {
		return nil
	}
	inScale, inZP, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	outScale, outZP, err := n.PerTensorQuant("output", k.out)
	if err != nil {
		return err
	}
	k.inZP, k.outZP = inZP, outZP
	// TFLite forms both ratios in float32 before quantizing them.
	k.alphaMultiplier, k.alphaShift = quant.QuantizeMultiplier(float64(inScale * k.alpha / outScale))
	k.identityMultiplier, k.identityShift = quant.QuantizeMultiplier(float64(inScale / outScale))
	if k.alphaMultiplier < 0 {
		k.alphaMultiplier, k.alphaNegative = -k.alphaMultiplier, true
	}
	k.typeMin, k.typeMax = ops.TypeRange(k.out.Type)
	if k.in.Type == tensor.Int8 {
		k.table.fill(k.quantized)
	}
	return nil
}

// quantized is TFLite's QuantizeLeakyRelu for one value.
func (k *LeakyRelu) quantized(q int32) int32 {
	x := q - k.inZP
	v := k.outZP
	if x >= 0 {
		v += quant.MultiplyByQuantizedMultiplier(x, k.identityMultiplier, k.identityShift)
	} else if s := quant.MultiplyByQuantizedMultiplier(x, k.alphaMultiplier, k.alphaShift); k.alphaNegative {
		v -= s
	} else {
		v += s
	}
	return min(max(v, k.typeMin), k.typeMax)
}

// Eval implements ops.Kernel.
func (k *LeakyRelu) Eval(n *ops.Node) error {
	n.Pool.Run(k.in.NumElements(), grain, k)
	return nil
}

// Run computes elements [lo, hi).
func (k *LeakyRelu) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		in, out := k.in.Float32()[lo:hi], k.out.Float32()[lo:hi]
		for i, v := range in {
			if v > 0 {
				out[i] = v
			} else {
				out[i] = v * k.alpha
			}
		}
	case tensor.Int8:
		k.table.apply(k.in.Int8(), k.out.Int8(), lo, hi)
	case tensor.Int16:
		in, out := k.in.Int16()[lo:hi], k.out.Int16()[lo:hi]
		for i, v := range in {
			out[i] = int16(k.quantized(int32(v)))
		}
	}
}
