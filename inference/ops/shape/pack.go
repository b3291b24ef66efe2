package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Pack stacks values_count tensors of one shape along a new axis (negative
// values count from the end of the output). Quantized INT8 and UINT8 inputs
// must share the output's quantization, as in TFLite.
type Pack struct {
	ins   []*tensor.Tensor
	out   *tensor.Tensor
	esize int
	plans []*copyPlan
}

// Prepare implements ops.Kernel.
func (k *Pack) Prepare(n *ops.Node) error {
	opts, err := ops.Options[tflite.PackOptions](n, tflite.BuiltinOptionsPackOptions)
	if err != nil {
		return err
	}
	count := int(opts.ValuesCount())
	if count < 1 {
		return n.Errorf("values_count %d must be positive", count)
	}
	if err := n.CheckIO(count, count, 1); err != nil {
		return err
	}
	k.ins, k.out = n.Inputs, n.Output(0)
	if err := checkSameType(n, append([]*tensor.Tensor{k.out}, k.ins...)...); err != nil {
		return err
	}
	k.esize = k.out.Type.Size()
	in0 := k.ins[0]
	rank := in0.Rank()
	axis, err := normAxis(n, int(opts.Axis()), rank+1)
	if err != nil {
		return err
	}
	for _, in := range k.ins {
		if !tensor.SameShape(in.Shape, in0.Shape) {
			return n.Errorf("input %s differs in shape from input %s", in, in0)
		}
		if err := checkQuantMatch(n, in, k.out); err != nil {
			return err
		}
	}
	want := make([]int, 0, rank+1)
	want = append(want, in0.Shape[:axis]...)
	want = append(want, count)
	want = append(want, in0.Shape[axis:]...)
	if err := checkShape(n, k.out, want); err != nil {
		return err
	}
	outer := product(in0.Shape, 0, axis)
	chunk := product(in0.Shape, axis, rank)
	for i := range k.ins {
		k.plans = append(k.plans, newCopyPlan([]axisSpec{
			{count: outer, src: chunk, dst: count * chunk},
			{count: chunk, src: 1, dst: 1},
		}, 0, i*chunk))
	}
	return nil
}

// Eval implements ops.Kernel.
func (k *Pack) Eval(n *ops.Node) error {
	for i, p := range k.plans {
		p.run(k.out.Data, k.ins[i].Data, k.esize)
	}
	return nil
}
