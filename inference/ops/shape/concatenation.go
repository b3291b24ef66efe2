package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Concatenation joins its inputs along one axis (negative values count from
// the end). As in TFLite Micro, quantized values are copied unchanged: INT8
// inputs must share the output's scale and zero point, INT16 tensors must
// have zero points of 0, and no fused activation is supported.
type Concatenation struct {
	ins   []*tensor.Tensor
	out   *tensor.Tensor
	esize int
	plans []*copyPlan // one per input
}

// Prepare implements ops.Kernel.
func (k *Concatenation) Prepare(n *ops.Node) error {
	if err := n.CheckIO(1, max(1, len(n.Inputs)), 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.ConcatenationOptions](n, tflite.BuiltinOptionsConcatenationOptions)
	if err != nil {
		return err
	}
	if act := opts.FusedActivationFunction(); act != tflite.ActivationFunctionTypeNONE {
		return n.Errorf("fused activation %s is not supported", act)
	}
	k.ins, k.out = n.Inputs, n.Output(0)
	for i, in := range k.ins {
		if in == nil {
			return n.Errorf("input %d is missing", i)
		}
	}
	if err := checkSameType(n, append([]*tensor.Tensor{k.out}, k.ins...)...); err != nil {
		return err
	}
	k.esize = k.out.Type.Size()
	rank := k.out.Rank()
	axis, err := normAxis(n, int(opts.Axis()), rank)
	if err != nil {
		return err
	}
	total := 0
	for _, in := range k.ins {
		if in.Rank() != rank {
			return n.Errorf("input %s has rank %d, output %s has rank %d", in, in.Rank(), k.out, rank)
		}
		for d := range rank {
			if d != axis && in.Shape[d] != k.out.Shape[d] {
				return n.Errorf("input %s differs from output %s in dimension %d", in, k.out, d)
			}
		}
		total += in.Shape[axis]
		if err := k.checkQuant(n, in); err != nil {
			return err
		}
	}
	if total != k.out.Shape[axis] {
		return n.Errorf("inputs hold %d along axis %d, output %s holds %d", total, axis, k.out, k.out.Shape[axis])
	}
	outer := product(k.out.Shape, 0, axis)
	inner := product(k.out.Shape, axis+1, rank)
	outChunk := k.out.Shape[axis] * inner
	offset := 0
	for _, in := range k.ins {
		chunk := in.Shape[axis] * inner
		k.plans = append(k.plans, newCopyPlan([]axisSpec{
			{count: outer, src: chunk, dst: outChunk},
			{count: chunk, src: 1, dst: 1},
		}, 0, offset))
		offset += chunk
	}
	return nil
}

// checkQuant refuses inputs quantized unlike the output: copying their
// values unchanged would give wrong results. TFLite Micro refuses this for
// INT8 but copies INT16 inputs of any scale; edge-agent refuses both, and
// UINT8 (which full TFLite would rescale) too.
func (k *Concatenation) checkQuant(n *ops.Node, in *tensor.Tensor) error {
	switch k.out.Type {
	case tensor.Int8, tensor.Uint8, tensor.Int16:
		if !sameQuant(in, k.out) {
			return n.Errorf("input %s is quantized as (scale %v, zero point %d), output %s as (scale %v, zero point %d); rescaling is not supported",
				in, in.Scale(), in.ZeroPoint(), k.out, k.out.Scale(), k.out.ZeroPoint())
		}
	}
	if k.out.Type == tensor.Int16 && k.out.ZeroPoint() != 0 {
		return n.Errorf("INT16 output %s must have a zero point of 0", k.out)
	}
	return nil
}

// Eval implements ops.Kernel.
func (k *Concatenation) Eval(n *ops.Node) error {
	for i, p := range k.plans {
		p.run(k.out.Data, k.ins[i].Data, k.esize)
	}
	return nil
}
