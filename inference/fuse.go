package inference

import (
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// fusePads folds each int8 PAD whose output only a CONV_2D or
// DEPTHWISE_CONV_2D reads into that convolution: the convolution reads the
// PAD's input with the padding added to its own (ops.Node.InputPad), and the
// PAD's output is never materialised. Converters emit such PADs before
// every strided depthwise convolution of MobileNet v2 (explicit padding in
// PyTorch), where the padded tensor is the largest of the model.
//
// The bytes are the same: a convolution's int8 kernels treat taps outside
// the input as input zero points ((zp - zp) * w adds nothing), and the PAD
// writes exactly the zero point there, so only a PAD whose input and output
// share one scale and zero point, padding height and width only, is folded.
// outputs are the graph's output tensors, which are never folded away.
func (it *Interpreter) fusePads(outputs []int) {
	readers := make([]int, len(it.tensors))
	for _, n := range it.nodes {
		for _, t := range n.Inputs {
			if t != nil {
				readers[t.Index]++
			}
		}
	}
	for _, i := range outputs {
		readers[i]++ // a graph output must stay
	}
	keep := make([]bool, len(it.nodes))
	for i := range keep {
		keep[i] = true
	}
	for i, n := range it.nodes {
		if n.Name() != "PAD" || len(n.Inputs) != 2 || len(n.Outputs) != 1 {
			continue
		}
		x, t := n.Inputs[0], n.Outputs[0]
		if x == nil || t == nil || readers[t.Index] != 1 {
			continue
		}
		var conv *ops.Node
		for _, c := range it.nodes[i+1:] {
			if len(c.Inputs) > 0 && c.Inputs[0] == t {
				conv = c
				break
			}
		}
		if conv == nil || conv.InputPad != nil || (conv.Name() != "CONV_2D" && conv.Name() != "DEPTHWISE_CONV_2D") {
			continue
		}
		pad, ok := foldablePad(x, n.Inputs[1], t)
		if !ok {
			continue
		}
		conv.Inputs[0] = x
		conv.InputPad = pad
		keep[i] = false
		it.fused++
	}
	nodes, kernels := it.nodes[:0], it.kernels[:0]
	for i, n := range it.nodes {
		if keep[i] {
			nodes = append(nodes, n)
			kernels = append(kernels, it.kernels[i])
		}
	}
	clear(it.nodes[len(nodes):])
	clear(it.kernels[len(kernels):])
	it.nodes, it.kernels = nodes, kernels
}

// foldablePad returns the padding of a PAD from x to t with constant
// paddings p when a convolution can apply it instead: int8 NHWC tensors of
// one scale and zero point, non-negative amounts on height and width only,
// and t's shape exactly x's padded.
func foldablePad(x, p, t *tensor.Tensor) (*ops.InputPad, bool) {
	if x.Type != tensor.Int8 || t.Type != tensor.Int8 || x.Rank() != 4 || t.Rank() != 4 || p == nil || !p.Const {
		return nil, false
	}
	if !x.Quant.PerTensor() || !t.Quant.PerTensor() || x.Quant.Scale[0] != t.Quant.Scale[0] || x.Quant.ZeroPoint[0] != t.Quant.ZeroPoint[0] {
		return nil, false
	}
	if p.Rank() != 2 || p.Shape[0] != 4 || p.Shape[1] != 2 {
		return nil, false
	}
	var v [8]int64
	switch p.Type {
	case tensor.Int32:
		for i, a := range p.Int32() {
			v[i] = int64(a)
		}
	case tensor.Int64:
		copy(v[:], p.Int64())
	default:
		return nil, false
	}
	for _, a := range v {
		if a < 0 || a > 1<<16 {
			return nil, false
		}
	}
	if v[0] != 0 || v[1] != 0 || v[6] != 0 || v[7] != 0 {
		return nil, false // batch or channel padding
	}
	pad := &ops.InputPad{Top: int(v[2]), Bottom: int(v[3]), Left: int(v[4]), Right: int(v[5])}
	if t.Shape[0] != x.Shape[0] || t.Shape[3] != x.Shape[3] ||
		t.Shape[1] != x.Shape[1]+pad.Top+pad.Bottom || t.Shape[2] != x.Shape[2]+pad.Left+pad.Right {
		return nil, false
	}
	return pad, true
}

// FusedOperators returns how many of the model's operators were folded into
// others (a PAD into the convolution that reads it), and so are not among
// Nodes.
func (it *Interpreter) FusedOperators() int { return it.fused }
