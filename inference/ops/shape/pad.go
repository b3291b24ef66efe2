package shape

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Pad implements PAD and PADV2: it surrounds the input with constant values,
// paddings[d] = (before, after) elements along dimension d. The value is
// PADV2's third input when present; otherwise zero, which for quantized
// INT8, UINT8 and INT16 tensors is the output's zero point (the real 0, as
// TFLite pads quantized activations).
type Pad struct {
	in, value, out *tensor.Tensor
	esize          int
	pad            [2]uint64 // the pad value's bytes, when known at Prepare
	plan           *copyPlan // input into the interior of the output
}

// Prepare implements ops.Kernel.
func (k *Pad) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 3, 1); err != nil {
		return err
	}
	k.in, k.value, k.out = n.Input(0), n.Input(2), n.Output(0)
	if err := checkSameType(n, k.in, k.out); err != nil {
		return err
	}
	k.esize = k.in.Type.Size()
	rank := k.in.Rank()
	if k.out.Rank() != rank {
		return n.Errorf("output %s has rank %d, input %s has rank %d", k.out, k.out.Rank(), k.in, rank)
	}
	paddings, err := n.Int64Values("paddings", n.Input(1))
	if err != nil {
		return err
	}
	if len(paddings) != 2*rank {
		return n.Errorf("paddings %s holds %d values, want %d (a [%d, 2] tensor)", n.Input(1), len(paddings), 2*rank, rank)
	}
	want := make([]int, rank)
	for d := range want {
		lo, hi := paddings[2*d], paddings[2*d+1]
		if lo < 0 || hi < 0 || lo > math.MaxInt32 || hi > math.MaxInt32 {
			return n.Errorf("paddings %v of dimension %d are not supported (negative or too large)", paddings[2*d:2*d+2], d)
		}
		want[d] = k.in.Shape[d] + int(lo) + int(hi)
	}
	if err := checkShape(n, k.out, want); err != nil {
		return err
	}
	if err := k.prepareValue(n); err != nil {
		return err
	}
	inStrides, outStrides := strides(k.in.Shape), strides(k.out.Shape)
	loops := make([]axisSpec, rank)
	base := 0
	for d := range loops {
		loops[d] = axisSpec{count: k.in.Shape[d], src: inStrides[d], dst: outStrides[d]}
		base += int(paddings[2*d]) * outStrides[d]
	}
	k.plan = newCopyPlan(loops, 0, base)
	return nil
}

// prepareValue works out the pad value, or checks the value input.
func (k *Pad) prepareValue(n *ops.Node) error {
	quantized := k.out.Quant != nil && len(k.out.Quant.Scale) > 0
	if k.value == nil {
		switch k.out.Type {
		case tensor.Int8, tensor.Uint8, tensor.Int16:
			zp := int64(k.out.ZeroPoint())
			lo, hi := ops.TypeRange(k.out.Type)
			if zp < int64(lo) || zp > int64(hi) {
				return n.Errorf("output %s has zero point %d outside its type's range", k.out, zp)
			}
			k.pad[0] = uint64(zp) // two's complement: the low bytes hold the value
		}
		return nil
	}
	if err := checkSameType(n, k.in, k.value); err != nil {
		return err
	}
	if k.value.NumElements() != 1 {
		return n.Errorf("constant value %s holds %d values, want 1", k.value, k.value.NumElements())
	}
	if quantized && (k.out.Type == tensor.Int8 || k.out.Type == tensor.Uint8) && !sameQuant(k.value, k.out) {
		return n.Errorf("constant value %s is quantized as (scale %v, zero point %d), output %s as (scale %v, zero point %d)",
			k.value, k.value.Scale(), k.value.ZeroPoint(), k.out, k.out.Scale(), k.out.ZeroPoint())
	}
	if k.value.Const {
		k.pad = loadValue(k.value.Data, k.esize)
		k.value = nil
	}
	return nil
}

// Eval implements ops.Kernel.
func (k *Pad) Eval(n *ops.Node) error {
	v := k.pad
	if k.value != nil {
		v = loadValue(k.value.Data, k.esize)
	}
	fill(k.out.Data, k.esize, v)
	k.plan.run(k.out.Data, k.in.Data, k.esize)
	return nil
}
