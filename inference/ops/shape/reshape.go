package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Reshape copies its input to an output of another shape with the same
// number of elements. The new shape comes from the second input when it is
// a constant 1-D tensor, otherwise from the new_shape option; either may
// hold one -1 that stands for the remaining elements. When the shape input
// is computed at run time, the output's declared shape is trusted once its
// element count matches.
type Reshape struct{ byteCopy }

// Prepare implements ops.Kernel.
func (k *Reshape) Prepare(n *ops.Node) error {
	if err := n.CheckIO(1, 2, 1); err != nil {
		return err
	}
	k.in, k.out = n.Input(0), n.Output(0)
	if err := checkSameType(n, k.in, k.out); err != nil {
		return err
	}
	if k.in.NumElements() != k.out.NumElements() {
		return n.Errorf("input %s has %d elements, output %s has %d", k.in, k.in.NumElements(), k.out, k.out.NumElements())
	}
	shape, ok, err := k.requested(n)
	if err != nil || !ok {
		return err
	}
	want, err := resolveShape(n, shape, k.in.NumElements())
	if err != nil {
		return err
	}
	if !tensor.SameShape(want, k.out.Shape) {
		return n.Errorf("output %s has shape %v, but the requested shape %v gives %v", k.out, k.out.Shape, shape, want)
	}
	return nil
}

// requested returns the shape the node asks for, and false when it names
// none that is known before run time.
func (k *Reshape) requested(n *ops.Node) ([]int64, bool, error) {
	if st := n.Input(1); st != nil && st.Rank() == 1 {
		if !st.Const {
			return nil, false, nil
		}
		v, err := n.Int64Values("shape", st)
		return v, err == nil, err
	}
	if n.Op.OptionsType != tflite.BuiltinOptionsReshapeOptions {
		return nil, false, nil
	}
	opts, err := ops.Options[tflite.ReshapeOptions](n, tflite.BuiltinOptionsReshapeOptions)
	if err != nil {
		return nil, false, err
	}
	if opts.NewShapeLength() == 0 {
		// An absent or empty new_shape on a node without a shape input is
		// ambiguous in old converters; the declared output decides.
		return nil, false, nil
	}
	v := make([]int64, opts.NewShapeLength())
	for i := range v {
		v[i] = int64(opts.NewShape(i))
	}
	return v, true, nil
}

// resolveShape replaces a single -1 in shape by what makes count elements.
func resolveShape(n *ops.Node, shape []int64, count int) ([]int, error) {
	out := make([]int, len(shape))
	stretch, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && stretch < 0:
			stretch = i
		case d < 0:
			return nil, n.Errorf("requested shape %v is invalid", shape)
		default:
			if d > int64(count) && count > 0 {
				return nil, n.Errorf("requested shape %v does not fit %d elements", shape, count)
			}
			out[i] = int(d)
			known *= int(d)
		}
	}
	if stretch >= 0 {
		if known == 0 || count%known != 0 {
			return nil, n.Errorf("requested shape %v cannot hold %d elements", shape, count)
		}
		out[stretch] = count / known
	}
	return out, nil
}
