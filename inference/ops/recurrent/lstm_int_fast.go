package recurrent

import (
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/internal/qmatvec"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
)

// lstmFast computes lstmInteger.step with the same arithmetic, reordered
// where the result cannot change:
//
//   - The input and recurrent products of all gates are two packed
//     matrix-vector products (package qmatvec) per batch row, computed at
//     the start of the step: they read x and the hidden state h of the
//     previous step, which the step only overwrites at its end. The zero
//     points are folded into the biases (effectiveBias), exact because
//     int32 sums wrap.
//   - Each gate's two products are rescaled to Q3.12 and added with int16
//     saturation in the reference order (input, then recurrent) in one
//     pass over all gates (products); the rest runs cell by cell (cells):
//     the peephole terms, the nonlinearities from exact tables
//     (lstm_int_tables.go), the new cell value, the output gate (whose
//     peephole reads the new cell value) and the hidden value. Cells and
//     batch rows are independent, so computing them one at a time instead
//     of gate by gate over all of them changes nothing.
//   - The projection is one more packed product.
//
// The reference (lstmInteger.step) stays the generic kernel path.
type lstmFast struct {
	nGates int               // gates present: 3 with CIFG, else 4
	slot   [numGates]int     // row block of each gate in the stacked matrices
	in     *qmatvec.Matrix   // [nGates*nCell, nInput], effective input biases
	rec    *qmatvec.Matrix   // [nGates*nCell, nOutput], effective recurrent biases
	proj   *qmatvec.Matrix   // [nOutput, nCell], nil without projection
	inRq   [numGates]rescale // input product to Q3.12
	recRq  [numGates]rescale // recurrent product to Q3.12
	peepRq [numGates]rescale // peephole product to Q3.12
	peep   [numGates][]int16 // nil without peephole
	hidRq  rescale           // o ⊙ tanh(c) to the hidden scale
	projRq rescale           // projection to the output state scale
	sig    *nlTable          // logistic of Q3.12
	tanhG  *nlTable          // tanh of Q3.12 (the cell gate)
	tanhC  *nlTable          // tanh of the cell state's format
	accIn  []int32           // nGates*nCell
	accRec []int32           // nGates*nCell
	hid    []int8            // nCell
	accOut []int32           // nOutput, the projection's sums
}

// newLSTMFast packs p's weights for the kernel path n.Kernels. It returns
// nil, nil when the generic path is asked for or the arithmetic has a case
// the fast form does not cover (a negative multiplier), so that the
// reference step runs.
func newLSTMFast(n *ops.Node, k *UnidirectionalSequenceLSTM, p *lstmInteger) (*lstmFast, error) {
	if n.Kernels == gemm.Generic || n.Kernels == "" {
		return nil, nil
	}
	f := &lstmFast{sig: logisticQ3(), tanhG: tanhTables[3](), tanhC: tanhTables[15+p.cellShift]()}
	var inW, recW []int8
	var inB, recB []int32
	for g := range numGates {
		f.slot[g] = -1
		gp := &p.gates[g]
		if gp.inW == nil {
			continue
		}
		f.slot[g] = f.nGates
		f.nGates++
		inW, recW = append(inW, gp.inW...), append(recW, gp.recW...)
		inB, recB = append(inB, gp.inBias...), append(recB, gp.recBias...)
		var ok [3]bool
		f.inRq[g], ok[0] = newRescale(gp.inMult, gp.inShift)
		f.recRq[g], ok[1] = newRescale(gp.recMult, gp.recShift)
		f.peepRq[g], ok[2] = newRescale(gp.peepMult, gp.peepShift)
		if !ok[0] || !ok[1] || !ok[2] {
			return nil, nil
		}
		f.peep[g] = gp.peep
	}
	var ok [2]bool
	f.hidRq, ok[0] = newRescale(p.hidMult, p.hidShift)
	f.projRq, ok[1] = newRescale(p.projMult, p.projShift)
	if !ok[0] || !ok[1] {
		return nil, nil
	}
	rows := f.nGates * k.nCell
	var err error
	if f.in, err = qmatvec.Pack(n.Kernels, inW, rows, k.nInput, inB); err != nil {
		return nil, n.Errorf("packing the input weights for %s: %v", n.Kernels, err)
	}
	if f.rec, err = qmatvec.Pack(n.Kernels, recW, rows, k.nOutput, recB); err != nil {
		return nil, n.Errorf("packing the recurrent weights for %s: %v", n.Kernels, err)
	}
	if k.project {
		if f.proj, err = qmatvec.Pack(n.Kernels, k.projW.Int8(), k.nOutput, k.nCell, p.projBias); err != nil {
			return nil, n.Errorf("packing the projection weights for %s: %v", n.Kernels, err)
		}
	}
	f.accIn, f.accRec = make([]int32, rows), make([]int32, rows)
	f.hid, f.accOut = make([]int8, k.nCell), make([]int32, k.nOutput)
	if n.Discard != nil {
		for g := range numGates {
			if k.inW[g] != nil {
				n.Discard(k.inW[g])
				n.Discard(k.recW[g])
			}
		}
		if k.project {
			n.Discard(k.projW)
		}
	}
	return f, nil
}

// step is lstmInteger.step (TFLite's LstmStepInteger8x8_16) for the
// k.rows batch rows at the given offsets. The products cannot fail: their
// vector and output sizes were fixed when the matrices were packed.
func (f *lstmFast) step(k *UnidirectionalSequenceLSTM, p *lstmInteger, inOff, outOff, hOff, cOff int) {
	nCell, nOut := k.nCell, k.nOutput
	in, hs, cs, out := k.in.Int8(), k.outState.Int8(), k.cellState.Int16(), k.out.Int8()
	for b := 0; b < k.rows; b++ {
		x := in[inOff+b*k.nInput : inOff+(b+1)*k.nInput]
		h := hs[hOff+b*nOut : hOff+(b+1)*nOut]
		c := cs[cOff+b*nCell : cOff+(b+1)*nCell]
		_ = f.in.MulVec(f.accIn, x)
		_ = f.rec.MulVec(f.accRec, h)
		f.cells(p, c)
		if f.proj != nil {
			_ = f.proj.MulVec(f.accOut, f.hid)
			for o, acc := range f.accOut[:nOut] {
				r := sat8(f.projRq.apply(acc) + p.outStateZP)
				if p.projClip > 0 {
					r = min(max(r, -int32(p.projClip)), int32(p.projClip))
				}
				h[o] = int8(r)
			}
		} else {
			copy(h, f.hid)
		}
		copy(out[outOff+b*nOut:outOff+(b+1)*nOut], h)
	}
}

// products rescales every gate's input and recurrent products to Q3.12
// and adds them with int16 saturation, in that order, leaving the sums in
// accIn.
func (f *lstmFast) products(nCell int) {
	for g := range numGates {
		s := f.slot[g]
		if s < 0 {
			continue
		}
		inRq, recRq := f.inRq[g], f.recRq[g]
		ai := f.accIn[s*nCell : (s+1)*nCell]
		ar := f.accRec[s*nCell : (s+1)*nCell]
		ar = ar[:len(ai)]
		for i, a := range ai {
			ai[i] = sat16(recRq.apply(ar[i]) + sat16(inRq.apply(a)))
		}
	}
}

// gate returns gate g's sums from products for the nCell cells (nil for
// the input gate with CIFG).
func (f *lstmFast) gate(g, nCell int) []int32 {
	if f.slot[g] < 0 {
		return nil
	}
	return f.accIn[f.slot[g]*nCell:][:nCell]
}

// peephole adds gate g's peephole term on cell value c to the
// pre-activation v of cell i, with int16 saturation.
func (f *lstmFast) peephole(g, i int, v int32, c int16) int32 {
	if pw := f.peep[g]; pw != nil {
		v = sat16(f.peepRq[g].apply(int32(pw[i])*int32(c)) + v)
	}
	return v
}

// cells updates one batch row's cell state c from the gate sums of
// products and writes the hidden values o ⊙ tanh(c) to f.hid.
func (f *lstmFast) cells(p *lstmInteger, c []int16) {
	nCell := len(c)
	f.products(nCell)
	hid := f.hid[:nCell]
	pf, pc, po := f.gate(gateForget, nCell), f.gate(gateCell, nCell), f.gate(gateOutput, nCell)
	pi := f.gate(gateInput, nCell)
	ccShift := 30 + p.cellShift
	clip := int32(p.cellClip)
	for i, ci := range c {
		fg := int32(f.sig.logistic(int16(f.peephole(gateForget, i, pf[i], ci))))
		cg := int32(f.tanhG.tanh(int16(pc[i])))
		ig := 32767 - fg
		if pi != nil {
			ig = int32(f.sig.logistic(int16(f.peephole(gateInput, i, pi[i], ci))))
		}
		fc := quant.RoundingDivideByPOT(fg*int32(ci), 15)
		ic := int16(quant.RoundingDivideByPOT(ig*cg, ccShift))
		v := sat16(int32(int16(fc)) + int32(ic))
		if clip > 0 {
			v = min(max(v, -clip), clip)
		}
		ci = int16(v)
		c[i] = ci
		og := int32(f.sig.logistic(int16(f.peephole(gateOutput, i, po[i], ci))))
		t := int32(f.tanhC.tanh(ci))
		hid[i] = int8(sat8(f.hidRq.apply(og*t) - p.hiddenZP))
	}
}
