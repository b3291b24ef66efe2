package shape

import (
	"github.com/edge-agent/edge-agent/inference/ops"
)

// ExpandDims inserts a dimension of size 1 at the position given by its
// constant axis input; a negative axis counts from the end of the output.
type ExpandDims struct{ byteCopy }

// Prepare implements ops.Kernel.
func (k *ExpandDims) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 2, 1); err != nil {
		return err
	}
	k.in, k.out = n.Input(0), n.Output(0)
	if err := checkSameType(n, k.in, k.out); err != nil {
		return err
	}
	axes, err := n.Int64Values("axis", n.Input(1))
	if err != nil {
		return err
	}
	if len(axes) != 1 {
		return n.Errorf("axis %s holds %d values, want 1", n.Input(1), len(axes))
	}
	a, err := normAxis(n, int(axes[0]), k.in.Rank()+1)
	if err != nil {
		return err
	}
	want := make([]int, 0, k.in.Rank()+1)
	want = append(want, k.in.Shape[:a]...)
	want = append(want, 1)
	want = append(want, k.in.Shape[a:]...)
	return checkShape(n, k.out, want)
}
