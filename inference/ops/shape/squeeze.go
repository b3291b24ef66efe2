package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// Squeeze removes dimensions of size 1: those listed in squeeze_dims
// (negative values count from the end), or every one when the list is empty.
type Squeeze struct{ byteCopy }

// Prepare implements ops.Kernel.
func (k *Squeeze) Prepare(n *ops.Node) error {
	if err := n.CheckIO(1, 1, 1); err != nil {
		return err
	}
	k.in, k.out = n.Input(0), n.Output(0)
	if err := checkSameType(n, k.in, k.out); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.SqueezeOptions](n, tflite.BuiltinOptionsSqueezeOptions)
	if err != nil {
		return err
	}
	rank := k.in.Rank()
	drop := make([]bool, rank)
	if opts.SqueezeDimsLength() == 0 {
		for i, d := range k.in.Shape {
			drop[i] = d == 1
		}
	}
	for i := 0; i < opts.SqueezeDimsLength(); i++ {
		a, err := normAxis(n, int(opts.SqueezeDims(i)), rank)
		if err != nil {
			return err
		}
		if k.in.Shape[a] != 1 {
			return n.Errorf("cannot squeeze dimension %d of input %s: its size is %d, not 1", a, k.in, k.in.Shape[a])
		}
		drop[a] = true
	}
	var want []int
	for i, d := range k.in.Shape {
		if !drop[i] {
			want = append(want, d)
		}
	}
	return checkShape(n, k.out, want)
}
