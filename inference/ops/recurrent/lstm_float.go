package recurrent

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// lstmFloatPacked is the float LSTM's path through the SIMD GEMM of
// inference/internal/fgemm. The input weights of every gate are packed as
// one matrix (gates one after the other, each gate's bias folded in), the
// recurrent weights as another (no bias), and the projection with its
// bias and clip: two matrix products per step compute every gate's
// bias + W x and R h, where the reference takes one dot product per gate
// and cell. fgemm sums each output in the reference's order (see
// stepFloat), so the bytes are the reference's.
type lstmFloatPacked struct {
	x, h  *fgemm.PackedFloat32 // [gates*cell, input] with the biases; [gates*cell, output]
	proj  *fgemm.PackedFloat32 // [output, cell] with the projection bias and clip; nil without projection
	slot  [numGates]int        // gate g's block of cells in x and h (-1: absent, CIFG's input gate)
	width int                  // gates * cell: the length of one row of xs and hs
	// xs and hs hold one step's products, rows × width each. The kernel
	// owns them: a node's Eval runs on one goroutine at a time.
	xs, hs []float32
}

// preparePackedFloat packs the gate weights, biases and projection for the
// SIMD path when the kernel path has one and all of them are constant.
func (k *UnidirectionalSequenceLSTM) preparePackedFloat(n *ops.Node) error {
	if n.Kernels == gemm.Generic || n.Kernels == "" || k.nInput == 0 || k.nOutput == 0 || k.nCell == 0 {
		return nil
	}
	for g := range numGates {
		if k.inW[g] != nil && (!k.inW[g].Const || !k.recW[g].Const || !k.bias[g].Const) {
			return nil
		}
	}
	if k.project && (!k.projW.Const || (k.projB != nil && !k.projB.Const)) {
		return nil
	}
	f := &lstmFloatPacked{}
	var wx, wh, bias []float32
	for g := range numGates {
		f.slot[g] = -1
		if k.inW[g] == nil {
			continue
		}
		f.slot[g] = f.width / k.nCell
		f.width += k.nCell
		wx = append(wx, k.inW[g].Float32()...)
		wh = append(wh, k.recW[g].Float32()...)
		bias = append(bias, k.bias[g].Float32()...)
	}
	inf := float32(math.Inf(1))
	var err error
	if f.x, err = fgemm.PackFloat32(n.Kernels, wx, f.width, k.nInput, bias, -inf, inf); err != nil {
		return n.Errorf("packing the input weights for %s: %v", n.Kernels, err)
	}
	if f.h, err = fgemm.PackFloat32(n.Kernels, wh, f.width, k.nOutput, nil, -inf, inf); err != nil {
		return n.Errorf("packing the recurrent weights for %s: %v", n.Kernels, err)
	}
	if k.project {
		var pb []float32
		if k.projB != nil {
			pb = k.projB.Float32()
		}
		lo, hi := k.projRange()
		if f.proj, err = fgemm.PackFloat32(n.Kernels, k.projW.Float32(), k.nOutput, k.nCell, pb, lo, hi); err != nil {
			return n.Errorf("packing the projection for %s: %v", n.Kernels, err)
		}
	}
	f.xs = make([]float32, k.rows*f.width)
	f.hs = make([]float32, k.rows*f.width)
	k.ffast = f
	if n.Discard != nil {
		// The packed path reads none of these again (the peephole weights
		// it still reads are not among them).
		for g := range numGates {
			if k.inW[g] != nil {
				n.Discard(k.inW[g])
				n.Discard(k.recW[g])
				n.Discard(k.bias[g])
			}
		}
		if k.project {
			n.Discard(k.projW)
			if k.projB != nil {
				n.Discard(k.projB)
			}
		}
	}
	return nil
}

// projRange returns the projection's clamp: ±proj_clip, or none.
func (k *UnidirectionalSequenceLSTM) projRange() (lo, hi float32) {
	if k.projClip > 0 {
		return -k.projClip, k.projClip
	}
	return float32(math.Inf(-1)), float32(math.Inf(1))
}

// stepFloat is one float LSTM step, in the order of TFLite's LstmStepFloat:
// each gate starts from its bias, adds the input product, then the
// recurrent product (each dot product summed from zero first, every
// product rounded), then the peephole term. The packed path computes
// bias + W x and R h of every gate with two fgemm products, which sum in
// that same order and return NaNs as fgemm's canonical NaN; the reference
// canonicalizes at the same two points, so both give the same bytes.
func (k *UnidirectionalSequenceLSTM) stepFloat(inOff, outOff, hOff, cOff int, gates [numGates][]byte, hidden []float32) {
	x := k.in.Float32()[inOff : inOff+k.rows*k.nInput]
	h := k.outState.Float32()[hOff : hOff+k.rows*k.nOutput]
	c := k.cellState.Float32()[cOff : cOff+k.cellRows()]
	if f := k.ffast; f != nil {
		// Errors are impossible here: Prepare checked the shapes. The
		// recurrent product reads h before this step overwrites it.
		_ = f.x.Run(f.xs, f.width, x, k.nInput, k.rows, 0, f.width)
		_ = f.h.Run(f.hs, f.width, h, k.nOutput, k.rows, 0, f.width)
	}
	var ig []float32
	if !k.cifg {
		ig = float32s(gates[gateInput])
		k.gateFloat(gateInput, x, h, c, ig)
		applySigmoid(ig)
	}
	fg := float32s(gates[gateForget])
	k.gateFloat(gateForget, x, h, c, fg)
	applySigmoid(fg)
	cg := float32s(gates[gateCell])
	k.gateFloat(gateCell, x, h, nil, cg)
	for i, v := range cg {
		cg[i] = activateFloat(k.act, v)
	}

	// c = f ⊙ c + i ⊙ g, with i = 1 - f for CIFG.
	for j := range c {
		v := float32(fg[j] * c[j])
		in := float32(1) - fg[j]
		if !k.cifg {
			in = ig[j]
		}
		v += float32(in * cg[j])
		if k.cellClip > 0 {
			v = min(max(v, -k.cellClip), k.cellClip)
		}
		c[j] = v
	}

	og := float32s(gates[gateOutput])
	k.gateFloat(gateOutput, x, h, c, og)
	applySigmoid(og)
	hid := hidden[:len(c)]
	for j, v := range c {
		hid[j] = float32(og[j] * activateFloat(k.act, v))
	}
	switch {
	case k.ffast != nil && k.project:
		_ = k.ffast.proj.Run(h, k.nOutput, hid, k.nCell, k.rows, 0, k.nOutput)
	case k.project:
		k.projectFloat(hid, h)
	default:
		copy(h, hid)
	}
	copy(k.out.Float32()[outOff:outOff+len(h)], h)
}

// projectFloat is the reference projection: h = clip(projB + W_proj hid),
// the dot product summed from zero and added to the bias (or to 0), then
// clamped by fgemm.Clamp like the packed projection.
func (k *UnidirectionalSequenceLSTM) projectFloat(hid, h []float32) {
	w := k.projW.Float32()
	lo, hi := k.projRange()
	for b := 0; b < k.rows; b++ {
		row := hid[b*k.nCell : (b+1)*k.nCell]
		for o := 0; o < k.nOutput; o++ {
			var v float32
			if k.projB != nil {
				v = k.projB.Float32()[o]
			}
			v += fgemm.Dot(w[o*k.nCell:(o+1)*k.nCell], row)
			h[b*k.nOutput+o] = fgemm.Clamp(v, lo, hi)
		}
	}
}

// gateFloat computes one gate's pre-activation for every batch row into
// out. c is nil when the gate has no peephole term.
func (k *UnidirectionalSequenceLSTM) gateFloat(g int, x, h, c, out []float32) {
	var peep []float32
	if k.peephole && c != nil {
		peep = k.peep[g].Float32()
	}
	if k.ffast != nil {
		k.gatePacked(g, c, peep, out)
		return
	}
	k.gateReference(g, x, h, c, peep, out)
}

// gatePacked finishes a gate from the step's packed products: bias + W x
// plus R h, plus the peephole term.
func (k *UnidirectionalSequenceLSTM) gatePacked(g int, c, peep, out []float32) {
	f := k.ffast
	base := f.slot[g] * k.nCell
	for b := 0; b < k.rows; b++ {
		xs := f.xs[b*f.width+base : b*f.width+base+k.nCell]
		hs := f.hs[b*f.width+base : b*f.width+base+k.nCell]
		o := out[b*k.nCell : (b+1)*k.nCell]
		for i := range o {
			v := xs[i] + hs[i]
			if peep != nil {
				v += float32(peep[i] * c[b*k.nCell+i])
			}
			o[i] = v
		}
	}
}

// gateReference is the plain-Go gate: per cell, the bias plus the input
// dot product, plus the recurrent dot product, plus the peephole term.
func (k *UnidirectionalSequenceLSTM) gateReference(g int, x, h, c, peep, out []float32) {
	wx, wh, bias := k.inW[g].Float32(), k.recW[g].Float32(), k.bias[g].Float32()
	for b := 0; b < k.rows; b++ {
		xb := x[b*k.nInput : (b+1)*k.nInput]
		hb := h[b*k.nOutput : (b+1)*k.nOutput]
		for i := 0; i < k.nCell; i++ {
			v := bias[i]
			v = canonical(v + fgemm.Dot(wx[i*k.nInput:(i+1)*k.nInput], xb))
			v += canonical(fgemm.Dot(wh[i*k.nOutput:(i+1)*k.nOutput], hb))
			if peep != nil {
				v += float32(peep[i] * c[b*k.nCell+i])
			}
			out[b*k.nCell+i] = v
		}
	}
}

// canonical returns v, or fgemm's canonical NaN when v is NaN, as the
// packed products return their sums.
func canonical(v float32) float32 {
	if v != v {
		return fgemm.CanonicalNaN()
	}
	return v
}

func applySigmoid(v []float32) {
	for i, x := range v {
		v[i] = sigmoid(x)
	}
}
