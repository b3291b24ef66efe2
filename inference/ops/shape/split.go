package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Split cuts its second input into num_splits equal parts along the axis
// given by its first input, a constant scalar (negative values count from
// the end).
type Split struct {
	in    *tensor.Tensor
	outs  []*tensor.Tensor
	esize int
	plans []*copyPlan
}

// Prepare implements ops.Kernel.
func (k *Split) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 2, -1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.SplitOptions](n, tflite.BuiltinOptionsSplitOptions)
	if err != nil {
		return err
	}
	k.in, k.outs = n.Input(1), n.Outputs
	if err := checkSameType(n, append([]*tensor.Tensor{k.in}, k.outs...)...); err != nil {
		return err
	}
	k.esize = k.in.Type.Size()
	num := int(opts.NumSplits())
	if num < 1 || len(k.outs) != num {
		return n.Errorf("num_splits %d must be positive and equal the %d outputs", num, len(k.outs))
	}
	axes, err := n.Int64Values("axis", n.Input(0))
	if err != nil {
		return err
	}
	if len(axes) != 1 {
		return n.Errorf("axis %s holds %d values, want 1", n.Input(0), len(axes))
	}
	rank := k.in.Rank()
	axis, err := normAxis(n, int(axes[0]), rank)
	if err != nil {
		return err
	}
	if k.in.Shape[axis]%num != 0 {
		return n.Errorf("input %s's size %d along axis %d is not divisible into %d splits", k.in, k.in.Shape[axis], axis, num)
	}
	want := append([]int(nil), k.in.Shape...)
	want[axis] /= num
	outer := product(k.in.Shape, 0, axis)
	chunk := product(want, axis, rank)
	for i, out := range k.outs {
		if err := checkShape(n, out, want); err != nil {
			return err
		}
		k.plans = append(k.plans, newCopyPlan([]axisSpec{
			{count: outer, src: num * chunk, dst: chunk},
			{count: chunk, src: 1, dst: 1},
		}, i*chunk, 0))
	}
	return nil
}

// Eval implements ops.Kernel.
func (k *Split) Eval(n *ops.Node) error {
	for i, p := range k.plans {
		p.run(k.outs[i].Data, k.in.Data, k.esize)
	}
	return nil
}
