package reduce

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// ArgMax writes, for each position outside the (constant) axis, the index
// along the axis of the largest input value. Ties give the first index; a
// float NaN never compares greater, so it is only chosen when it comes first
// and nothing later exceeds it (TFLite Micro's strict greater-than scan).
type ArgMax struct {
	in, out *tensor.Tensor

	outer, axisSize, inner int
}

// Prepare implements ops.Kernel.
func (k *ArgMax) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 2, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.ArgMaxOptions](n, tflite.BuiltinOptionsArgMaxOptions)
	if err != nil {
		return err
	}
	k.in, k.out = n.Input(0), n.Output(0)
	if err := n.CheckType("input", k.in, tensor.Float32, tensor.Int8, tensor.Int16, tensor.Int32); err != nil {
		return err
	}
	if err := n.CheckType("output", k.out, tensor.Int32, tensor.Int64); err != nil {
		return err
	}
	// An absent output_type reads as FLOAT32 (the schema default); otherwise
	// it must name the output tensor's type.
	switch ot := tensor.DType(opts.OutputType()); ot {
	case tensor.Float32:
	case tensor.Int32, tensor.Int64:
		if ot != k.out.Type {
			return n.Errorf("output_type %s differs from output %s", ot, k.out)
		}
	default:
		return n.Errorf("output_type %s is not INT32 or INT64", ot)
	}
	axisT := n.Input(1)
	values, err := n.Int64Values("axis", axisT)
	if err != nil {
		return err
	}
	if len(values) != 1 {
		return n.Errorf("axis %s has %d values, want 1", axisT, len(values))
	}
	rank := k.in.Rank()
	if rank < 1 {
		return n.Errorf("input %s is a scalar", k.in)
	}
	axes, err := resolveAxes(n, values, rank)
	if err != nil {
		return err
	}
	axis := axes[0]
	want := make([]int, 0, rank-1)
	want = append(want, k.in.Shape[:axis]...)
	want = append(want, k.in.Shape[axis+1:]...)
	if err := n.CheckShape("output", k.out, want...); err != nil {
		return err
	}
	k.axisSize = k.in.Shape[axis]
	if k.axisSize == 0 {
		return n.Errorf("input %s is empty along axis %d", k.in, axis)
	}
	k.outer = tensor.NumElements(k.in.Shape[:axis])
	k.inner = tensor.NumElements(k.in.Shape[axis+1:])
	return nil
}

// Eval implements ops.Kernel.
func (k *ArgMax) Eval(n *ops.Node) error {
	if k.out.Type == tensor.Int32 {
		evalArgMax(k, k.out.Int32())
	} else {
		evalArgMax(k, k.out.Int64())
	}
	return nil
}

func evalArgMax[I int32 | int64](k *ArgMax, out []I) {
	switch k.in.Type {
	case tensor.Float32:
		argMax(k.in.Float32(), out, k.outer, k.axisSize, k.inner)
	case tensor.Int8:
		argMax(k.in.Int8(), out, k.outer, k.axisSize, k.inner)
	case tensor.Int16:
		argMax(k.in.Int16(), out, k.outer, k.axisSize, k.inner)
	case tensor.Int32:
		argMax(k.in.Int32(), out, k.outer, k.axisSize, k.inner)
	}
}

// argMax scans each axis line of in (stride inner) for its first maximum.
func argMax[T int8 | int16 | int32 | float32, I int32 | int64](in []T, out []I, outer, axisSize, inner int) {
	for o := 0; o < outer; o++ {
		base := o * axisSize * inner
		for j := 0; j < inner; j++ {
			best, at := in[base+j], 0
			for i := 1; i < axisSize; i++ {
				if v := in[base+i*inner+j]; v > best {
					best, at = v, i
				}
			}
			out[o*inner+j] = I(at)
		}
	}
}
