// Package reduce implements MEAN and ARG_MAX, the operators that reduce
// tensors along constant axes.
//
// MEAN follows TensorFlow Lite Micro's reference: float32 sums each output's
// inputs in increasing input order and divides by the count; int8 and int16
// sum raw values in an int32 scratch accumulator, subtract the input zero
// point times the count, and requantize with the input/output scale ratio
// folded together with 1/count into one fixed-point multiplier.
// ARG_MAX returns the index of the largest value along one axis, the first
// one on ties.
package reduce

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorMEAN, func() ops.Kernel { return &Mean{} })
	r.AddBuiltin(tflite.BuiltinOperatorARG_MAX, func() ops.Kernel { return &ArgMax{} })
}

// resolveAxes turns axis values into dimension indices of a rank-rank
// tensor: negative axes count from the end and duplicates are dropped, in
// first-seen order, as TFLite's ResolveAxis does.
func resolveAxes(n *ops.Node, values []int64, rank int) ([]int, error) {
	var axes []int
	for _, v := range values {
		a := v
		if a < 0 {
			a += int64(rank)
		}
		if a < 0 || a >= int64(rank) {
			return nil, n.Errorf("axis %d is out of range for rank %d", v, rank)
		}
		dup := false
		for _, b := range axes {
			if b == int(a) {
				dup = true
			}
		}
		if !dup {
			axes = append(axes, int(a))
		}
	}
	return axes, nil
}
