package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Unpack splits its input along one axis (negative values count from the
// end) into num tensors without that axis. Quantized INT8 and UINT8 outputs
// must share the input's quantization, as in TFLite.
type Unpack struct {
	in    *tensor.Tensor
	outs  []*tensor.Tensor
	esize int
	plans []*copyPlan
}

// Prepare implements ops.Kernel.
func (k *Unpack) Prepare(n *ops.Node) error {
	if err := n.CheckIO(1, 1, -1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.UnpackOptions](n, tflite.BuiltinOptionsUnpackOptions)
	if err != nil {
		return err
	}
	k.in, k.outs = n.Input(0), n.Outputs
	if err := checkSameType(n, append([]*tensor.Tensor{k.in}, k.outs...)...); err != nil {
		return err
	}
	k.esize = k.in.Type.Size()
	rank := k.in.Rank()
	axis, err := normAxis(n, int(opts.Axis()), rank)
	if err != nil {
		return err
	}
	count := k.in.Shape[axis]
	if num := int(opts.Num()); num != count && num != 0 {
		return n.Errorf("num %d differs from input %s's size %d along axis %d", num, k.in, count, axis)
	}
	if len(k.outs) != count {
		return n.Errorf("has %d outputs, want %d (input %s along axis %d)", len(k.outs), count, k.in, axis)
	}
	want := make([]int, 0, rank-1)
	want = append(want, k.in.Shape[:axis]...)
	want = append(want, k.in.Shape[axis+1:]...)
	outer := product(k.in.Shape, 0, axis)
	chunk := product(k.in.Shape, axis+1, rank)
	for i, out := range k.outs {
		if err := checkShape(n, out, want); err != nil {
			return err
		}
		if err := checkQuantMatch(n, out, k.in); err != nil {
			return err
		}
		k.plans = append(k.plans, newCopyPlan([]axisSpec{
			{count: outer, src: count * chunk, dst: chunk},
			{count: chunk, src: 1, dst: 1},
		}, i*chunk, 0))
	}
	return nil
}

// Eval implements ops.Kernel.
func (k *Unpack) Eval(n *ops.Node) error {
	for i, p := range k.plans {
		p.run(k.outs[i].Data, k.in.Data, k.esize)
	}
	return nil
}
