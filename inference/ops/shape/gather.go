package shape

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Gather picks slices of its first input along axis at the positions held
// by its INT32 or INT64 indices input:
//
//	out[b, o, c, i] = in[b, o, indices[b, c], i]
//
// where b runs over the batch_dims leading axes shared by the input and the
// indices, o over the remaining axes before axis, c over the remaining
// index axes and i over the axes after axis. Negative axis and batch_dims
// count from the end. An index outside [0, in.Shape[axis]) makes Eval fail.
type Gather struct {
	in, indices, out *tensor.Tensor
	esize            int
	batch, outer     int
	coords, inner    int
	axisSize         int
	errRange         error // built at Prepare so that Eval does not allocate
}

// Prepare implements ops.Kernel.
func (k *Gather) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 2, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.GatherOptions](n, tflite.BuiltinOptionsGatherOptions)
	if err != nil {
		return err
	}
	k.in, k.indices, k.out = n.Input(0), n.Input(1), n.Output(0)
	if err := checkSameType(n, k.in, k.out); err != nil {
		return err
	}
	if err := n.CheckType("indices", k.indices, tensor.Int32, tensor.Int64); err != nil {
		return err
	}
	k.esize = k.in.Type.Size()
	rank, irank := k.in.Rank(), k.indices.Rank()
	axis, err := normAxis(n, int(opts.Axis()), rank)
	if err != nil {
		return err
	}
	bd := int(opts.BatchDims())
	if bd < 0 {
		bd += irank
	}
	if bd < 0 || bd > axis || bd > irank {
		return n.Errorf("batch_dims %d is out of range for axis %d and indices %s", opts.BatchDims(), axis, k.indices)
	}
	for i := range bd {
		if k.in.Shape[i] != k.indices.Shape[i] {
			return n.Errorf("input %s and indices %s differ in batch dimension %d", k.in, k.indices, i)
		}
	}
	want := append([]int(nil), k.in.Shape[:axis]...)
	want = append(want, k.indices.Shape[bd:]...)
	want = append(want, k.in.Shape[axis+1:]...)
	if err := checkShape(n, k.out, want); err != nil {
		return err
	}
	k.batch = product(k.in.Shape, 0, bd)
	k.outer = product(k.in.Shape, bd, axis)
	k.coords = product(k.indices.Shape, bd, irank)
	k.inner = product(k.in.Shape, axis+1, rank)
	k.axisSize = k.in.Shape[axis]
	k.errRange = n.Errorf("an index is outside [0, %d)", k.axisSize)
	return nil
}

// Eval implements ops.Kernel.
func (k *Gather) Eval(n *ops.Node) error {
	if k.indices.Type == tensor.Int64 {
		return gather(k, k.indices.Int64())
	}
	return gather(k, k.indices.Int32())
}

func gather[I int32 | int64](k *Gather, indices []I) error {
	chunk := k.inner * k.esize
	if chunk == 0 || k.outer == 0 || k.coords == 0 {
		return nil
	}
	src, dst := k.in.Data, k.out.Data
	o := 0
	for b := range k.batch {
		row := indices[b*k.coords : (b+1)*k.coords]
		for outer := range k.outer {
			base := (b*k.outer + outer) * k.axisSize
			for _, c := range row {
				if c < 0 || int64(c) >= int64(k.axisSize) {
					return k.errRange
				}
				s := (base + int(c)) * chunk
				o += copy(dst[o:o+chunk], src[s:s+chunk])
			}
		}
	}
	return nil
}
