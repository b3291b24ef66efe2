package recurrent

// stepFloat is one float LSTM step, in the order of TFLite's LstmStepFloat:
// each gate starts from its bias, adds the input product, then the
// recurrent product (each dot product summed from zero first), then the
// peephole term.
func (k *UnidirectionalSequenceLSTM) stepFloat(inOff, outOff, hOff, cOff int, gates [numGates][]byte, hidden []float32) {
	x := k.in.Float32()[inOff : inOff+k.rows*k.nInput]
	h := k.outState.Float32()[hOff : hOff+k.rows*k.nOutput]
	c := k.cellState.Float32()[cOff : cOff+k.cellRows()]
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
	if k.project {
		w := k.projW.Float32()
		for b := 0; b < k.rows; b++ {
			row := hid[b*k.nCell : (b+1)*k.nCell]
			for o := 0; o < k.nOutput; o++ {
				var v float32
				if k.projB != nil {
					v = k.projB.Float32()[o]
				}
				v += dotFloat(w[o*k.nCell:(o+1)*k.nCell], row)
				if k.projClip > 0 {
					v = min(max(v, -k.projClip), k.projClip)
				}
				h[b*k.nOutput+o] = v
			}
		}
	} else {
		copy(h, hid)
	}
	copy(k.out.Float32()[outOff:outOff+len(h)], h)
}

// gateFloat computes one gate's pre-activation for every batch row into
// out. c is nil when the gate has no peephole term.
func (k *UnidirectionalSequenceLSTM) gateFloat(g int, x, h, c, out []float32) {
	wx, wh, bias := k.inW[g].Float32(), k.recW[g].Float32(), k.bias[g].Float32()
	var peep []float32
	if k.peephole && c != nil {
		peep = k.peep[g].Float32()
	}
	for b := 0; b < k.rows; b++ {
		xb := x[b*k.nInput : (b+1)*k.nInput]
		hb := h[b*k.nOutput : (b+1)*k.nOutput]
		for i := 0; i < k.nCell; i++ {
			v := bias[i]
			v += dotFloat(wx[i*k.nInput:(i+1)*k.nInput], xb)
			v += dotFloat(wh[i*k.nOutput:(i+1)*k.nOutput], hb)
			if peep != nil {
				v += float32(peep[i] * c[b*k.nCell+i])
			}
			out[b*k.nCell+i] = v
		}
	}
}

// dotFloat sums a[i]*b[i] in order, rounding every product (no fused
// multiply-add) as the portable reference does.
func dotFloat(a, b []float32) float32 {
	var s float32
	for i, v := range b {
		s += float32(a[i] * v)
	}
	return s
}

func applySigmoid(v []float32) {
	for i, x := range v {
		v[i] = sigmoid(x)
	}
}
