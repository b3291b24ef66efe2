package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// StridedSlice extracts input[begin:end:stride] along every axis, with
// numpy-style negative indices and strides. Bit i of the masks applies to
// entry i of begin, end and strides (the "spec"):
//   - begin_mask / end_mask: ignore begin[i] / end[i] and take the whole
//     range in the stride's direction;
//   - shrink_axis_mask: take the single element at begin[i] and drop the axis;
//   - new_axis_mask: insert an axis of size 1 in the output (the entry
//     consumes no input axis);
//   - ellipsis_mask: the entry stands for as many whole input axes as the
//     other entries leave over (at most one such entry);
//   - offset: end[i] counts from the resolved begin[i].
//
// Input axes the spec does not reach are taken whole. The begin, end and
// strides inputs must be constant INT32 or INT64 vectors, as in TFLite
// Micro; the slice geometry is resolved once, at Prepare, following TFLite's
// StridedSliceStartForAxis / StridedSliceEndForAxis clamping rules.
type StridedSlice struct {
	in, out *tensor.Tensor
	esize   int
	plan    *copyPlan
}

// sliceAxis is one axis of the expanded spec.
type sliceAxis struct {
	newAxis            bool
	in                 int // input axis; unused for new axes
	begin, end, stride int64
	beginMask, endMask bool
	shrink             bool
}

// Prepare implements ops.Kernel.
func (k *StridedSlice) Prepare(n *ops.Node) error {
	if err := n.CheckIO(4, 4, 1); err != nil {
		return err
	}
	k.in, k.out = n.Input(0), n.Output(0)
	if err := checkSameType(n, k.in, k.out); err != nil {
		return err
	}
	k.esize = k.in.Type.Size()
	opts, err := ops.Options[tflite.StridedSliceOptions](n, tflite.BuiltinOptionsStridedSliceOptions)
	if err != nil {
		return err
	}
	var spec [3][]int64
	for i, what := range []string{"begin", "end", "strides"} {
		t := n.Input(1 + i)
		if spec[i], err = n.Int64Values(what, t); err != nil {
			return err
		}
		if t.Rank() != 1 {
			return n.Errorf("%s %s must be a vector", what, t)
		}
	}
	if len(spec[1]) != len(spec[0]) || len(spec[2]) != len(spec[0]) {
		return n.Errorf("begin, end and strides hold %d, %d and %d values, want the same count", len(spec[0]), len(spec[1]), len(spec[2]))
	}
	axes, err := expandSpec(n, k.in.Rank(), spec[0], spec[1], spec[2], opts)
	if err != nil {
		return err
	}
	return k.resolve(n, axes, opts.Offset())
}

// expandSpec resolves the ellipsis and new axes of a slice spec into one
// entry per output-or-shrunk axis, in output order.
func expandSpec(n *ops.Node, rank int, begin, end, stride []int64, opts *tflite.StridedSliceOptions) ([]sliceAxis, error) {
	bit := func(mask int32, i int) bool { return i < 32 && mask&(1<<i) != 0 }
	ellipsis, newAxes := -1, 0
	for i := range begin {
		switch {
		case bit(opts.EllipsisMask(), i):
			if ellipsis >= 0 {
				return nil, n.Errorf("ellipsis_mask %#x has more than one bit set", opts.EllipsisMask())
			}
			ellipsis = i
		case bit(opts.NewAxisMask(), i):
			newAxes++
		}
	}
	used := len(begin) - newAxes // spec entries that consume input axes
	if ellipsis >= 0 {
		used--
	}
	if used > rank {
		return nil, n.Errorf("slice spec of %d entries indexes %d axes of a rank-%d input", len(begin), used, rank)
	}
	whole := func(a int) sliceAxis { return sliceAxis{in: a, stride: 1, beginMask: true, endMask: true} }
	var axes []sliceAxis
	a := 0
	for i := range begin {
		switch {
		case i == ellipsis:
			for range rank - used {
				axes = append(axes, whole(a))
				a++
			}
		case bit(opts.NewAxisMask(), i):
			axes = append(axes, sliceAxis{newAxis: true})
		default:
			axes = append(axes, sliceAxis{in: a, begin: begin[i], end: end[i], stride: stride[i],
				beginMask: bit(opts.BeginMask(), i), endMask: bit(opts.EndMask(), i), shrink: bit(opts.ShrinkAxisMask(), i)})
			a++
		}
	}
	for ; a < rank; a++ {
		axes = append(axes, whole(a))
	}
	return axes, nil
}

// clampIndex bounds an index far outside any dimension so that the int64
// arithmetic below cannot overflow; clamping gives the same result.
func clampIndex(v int64) int64 { return max(-1<<40, min(1<<40, v)) }

// resolve resolves every axis's range, checks the declared output shape and
// builds the copy plan.
func (k *StridedSlice) resolve(n *ops.Node, axes []sliceAxis, offset bool) error {
	inStrides := strides(k.in.Shape)
	var want []int
	loops := make([]axisSpec, 0, len(axes))
	base := 0
	for _, ax := range axes {
		if ax.newAxis {
			want = append(want, 1)
			continue
		}
		size := int64(k.in.Shape[ax.in])
		stride := clampIndex(ax.stride)
		if stride == 0 {
			return n.Errorf("stride of axis %d is 0", ax.in)
		}
		// Start: wrap negatives, clamp to the range the direction can
		// reach, then let begin_mask take the whole range.
		start := clampIndex(ax.begin)
		if start < 0 {
			start += size
		}
		if stride > 0 {
			start = max(0, min(size, start))
		} else {
			start = max(-1, min(size-1, start))
		}
		if ax.beginMask {
			start = 0
			if stride < 0 {
				start = size - 1
			}
		}
		if ax.shrink {
			if start < 0 || start >= size {
				return n.Errorf("shrunk axis %d indexes %d, outside [0, %d)", ax.in, ax.begin, size)
			}
			base += int(start) * inStrides[ax.in]
			continue
		}
		stop := clampIndex(ax.end)
		if offset {
			stop += start
		}
		if stop < 0 {
			stop += size
		}
		if stride > 0 {
			stop = max(0, min(size, stop))
		} else {
			stop = max(-1, min(size-1, stop))
		}
		if ax.endMask {
			stop = size
			if stride < 0 {
				stop = -1
			}
		}
		var count int64
		if stride > 0 && stop > start {
			count = (stop - start + stride - 1) / stride
		} else if stride < 0 && start > stop {
			count = (start - stop - stride - 1) / -stride
		}
		want = append(want, int(count))
		if count > 0 {
			base += int(start) * inStrides[ax.in]
		}
		src := 0
		if count > 1 {
			src = int(stride) * inStrides[ax.in]
		}
		loops = append(loops, axisSpec{count: int(count), src: src})
	}
	if err := checkShape(n, k.out, want); err != nil {
		return err
	}
	acc := 1
	for i := len(loops) - 1; i >= 0; i-- {
		loops[i].dst = acc
		acc *= loops[i].count
	}
	k.plan = newCopyPlan(loops, base, 0)
	return nil
}

// Eval implements ops.Kernel.
func (k *StridedSlice) Eval(n *ops.Node) error {
	k.plan.run(k.out.Data, k.in.Data, k.esize)
	return nil
}
