package shape

import (
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Transpose permutes dimensions: output dimension i is input dimension
// perm[i], perm being a constant input.
type Transpose struct {
	in, out *tensor.Tensor
	esize   int
	plan    *copyPlan
}

// Prepare implements ops.Kernel.
func (k *Transpose) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 2, 1); err != nil {
		return err
	}
	k.in, k.out = n.Input(0), n.Output(0)
	if err := checkSameType(n, k.in, k.out); err != nil {
		return err
	}
	k.esize = k.in.Type.Size()
	perm, err := n.Int64Values("perm", n.Input(1))
	if err != nil {
		return err
	}
	rank := k.in.Rank()
	if n.Input(1).Rank() != 1 || len(perm) != rank {
		return n.Errorf("perm %s must be a vector of %d axes", n.Input(1), rank)
	}
	seen := make([]bool, rank)
	want := make([]int, rank)
	for i, p := range perm {
		if p < 0 || p >= int64(rank) || seen[p] {
			return n.Errorf("perm %v is not a permutation of the %d input axes", perm, rank)
		}
		seen[p] = true
		want[i] = k.in.Shape[p]
	}
	if err := checkShape(n, k.out, want); err != nil {
		return err
	}
	inStrides, outStrides := strides(k.in.Shape), strides(k.out.Shape)
	loops := make([]axisSpec, rank)
	for i, p := range perm {
		loops[i] = axisSpec{count: want[i], src: inStrides[p], dst: outStrides[i]}
	}
	k.plan = newCopyPlan(loops, 0, 0)
	return nil
}

// Eval implements ops.Kernel.
func (k *Transpose) Eval(n *ops.Node) error {
	k.plan.run(k.out.Data, k.in.Data, k.esize)
	return nil
}
