package recurrent

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Gate pre-activations are int16 in Q3.12: a scale of 2^-12.
const gateScale = 1.0 / 4096

// lstmInteger holds what TFLite's PopulateQuantizedLstmParams8x8_16 and
// PopulatePrecomputedZPTimesWeightsWithBias compute for the integer LSTM.
type lstmInteger struct {
	gates [numGates]intGate

	// Effective biases fold the zero points into the biases: bias[i] -
	// zp * sum_j w[i, j], so the matrix products run on raw int8 values.
	projBias            []int32
	projMult, hidMult   int32
	projShift, hidShift int
	hiddenZP            int32 // subtracted from o ⊙ tanh(c), as TFLite does
	outStateZP          int32

	cellShift int   // log2 of the cell state scale (<= -9)
	cellClip  int16 // 0: no clipping
	projClip  int8  // 0: no clipping

	// fast runs the steps on a SIMD kernel path (lstm_int_fast.go); nil
	// on the generic path, which runs step below.
	fast *lstmFast
}

// intGate holds one gate's weights and requantisation parameters.
type intGate struct {
	inW, recW         []int8
	inBias, recBias   []int32
	inMult, recMult   int32
	inShift, recShift int
	peep              []int16
	peepMult          int32
	peepShift         int
}

func (p *lstmInteger) prepare(n *ops.Node, k *UnidirectionalSequenceLSTM) error {
	if len(n.Intermediates) != 5 || n.Intermediates[4] == nil {
		return n.Errorf("has %d intermediate tensors, want 5 (the integer LSTM reads the hidden quantization from the fifth)", len(n.Intermediates))
	}
	if k.act != tflite.ActivationFunctionTypeTANH {
		return n.Errorf("fused activation %s is not supported for the integer LSTM (only TANH)", k.act)
	}
	check := func(what string, t *tensor.Tensor, dt tensor.DType, constant bool) error {
		if t == nil {
			return nil
		}
		if err := n.CheckType(what, t, dt); err != nil {
			return err
		}
		if constant && !t.Const {
			return n.Errorf("%s %s must be constant", what, t)
		}
		return nil
	}
	for g := range numGates {
		if err := check("input_to_"+gateNames[g]+"_weights", k.inW[g], tensor.Int8, true); err != nil {
			return err
		}
		if err := check("recurrent_to_"+gateNames[g]+"_weights", k.recW[g], tensor.Int8, true); err != nil {
			return err
		}
		if err := check(gateNames[g]+"_gate_bias", k.bias[g], tensor.Int32, true); err != nil {
			return err
		}
		if err := check("cell_to_"+gateNames[g]+"_weights", k.peep[g], tensor.Int16, true); err != nil {
			return err
		}
	}
	if err := check("projection_weights", k.projW, tensor.Int8, true); err != nil {
		return err
	}
	if err := check("projection_bias", k.projB, tensor.Int32, true); err != nil {
		return err
	}
	if err := check("output state", k.outState, tensor.Int8, false); err != nil {
		return err
	}
	if err := check("cell state", k.cellState, tensor.Int16, false); err != nil {
		return err
	}
	if err := check("output", k.out, tensor.Int8, false); err != nil {
		return err
	}

	inScale, inZP, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	stateScale, stateZP, err := n.PerTensorQuant("output state", k.outState)
	if err != nil {
		return err
	}
	outScale, outZP, err := n.PerTensorQuant("output", k.out)
	if err != nil {
		return err
	}
	if outScale != stateScale || outZP != stateZP {
		return n.Errorf("output %s quantization (%v, %d) differs from the output state's (%v, %d)", k.out, outScale, outZP, stateScale, stateZP)
	}
	cellScale, _, err := n.PerTensorQuant("cell state", k.cellState)
	if err != nil {
		return err
	}
	shift, ok := checkedLog2(cellScale)
	if !ok || shift > -9 || shift < -15 {
		return n.Errorf("cell state %s scale %v must be a power of two between 2^-15 and 2^-9", k.cellState, cellScale)
	}
	p.cellShift = shift
	hiddenScale, hiddenZP, err := n.PerTensorQuant("intermediate 4", n.Intermediates[4])
	if err != nil {
		return err
	}
	p.hiddenZP, p.outStateZP = hiddenZP, stateZP

	// Clips are computed in float32 and truncated, as in TFLite.
	if k.cellClip > 0 {
		p.cellClip = int16(min(max(k.cellClip/cellScale, -32768), 32767))
	}
	if k.projClip > 0 {
		p.projClip = int8(min(max(k.projClip/outScale, -128), 127))
	}

	// Effective scales are float32 expressions, widened to float64 for
	// QuantizeMultiplier.
	for g := range numGates {
		if k.inW[g] == nil {
			continue
		}
		gp := &p.gates[g]
		wScale, _, err := n.PerTensorQuant("input_to_"+gateNames[g]+"_weights", k.inW[g])
		if err != nil {
			return err
		}
		rScale, _, err := n.PerTensorQuant("recurrent_to_"+gateNames[g]+"_weights", k.recW[g])
		if err != nil {
			return err
		}
		gp.inMult, gp.inShift = quant.QuantizeMultiplier(float64(float32(wScale*inScale) / gateScale))
		gp.recMult, gp.recShift = quant.QuantizeMultiplier(float64(float32(rScale*stateScale) / gateScale))
		gp.inW, gp.recW = k.inW[g].Int8(), k.recW[g].Int8()
		gp.inBias = effectiveBias(gp.inW, k.nCell, k.nInput, -inZP, k.bias[g].Int32())
		gp.recBias = effectiveBias(gp.recW, k.nCell, k.nOutput, -stateZP, nil)
		if k.peep[g] != nil {
			pScale, _, err := n.PerTensorQuant("cell_to_"+gateNames[g]+"_weights", k.peep[g])
			if err != nil {
				return err
			}
			eff := float32(math.Pow(2, float64(shift)) * float64(pScale) / gateScale)
			gp.peepMult, gp.peepShift = quant.QuantizeMultiplier(float64(eff))
			gp.peep = k.peep[g].Int16()
		}
	}
	hid := float32(math.Pow(2, -15) / float64(hiddenScale) * math.Pow(2, -15))
	p.hidMult, p.hidShift = quant.QuantizeMultiplier(float64(hid))
	if k.project {
		projScale, _, err := n.PerTensorQuant("projection_weights", k.projW)
		if err != nil {
			return err
		}
		p.projMult, p.projShift = quant.QuantizeMultiplier(float64(float32(projScale*hiddenScale) / stateScale))
		var bias []int32
		if k.projB != nil {
			bias = k.projB.Int32()
		}
		p.projBias = effectiveBias(k.projW.Int8(), k.nOutput, k.nCell, hiddenZP, bias)
	}
	p.fast, err = newLSTMFast(n, k, p)
	return err
}

// effectiveBias returns bias[r] + zp * sum_c w[r, c] for every row r, with
// int32 wrap-around as in the reference.
func effectiveBias(w []int8, rows, cols int, zp int32, bias []int32) []int32 {
	out := make([]int32, rows)
	for r := range out {
		var sum int32
		for _, v := range w[r*cols : (r+1)*cols] {
			sum += int32(v)
		}
		if bias != nil {
			out[r] = bias[r]
		}
		out[r] += sum * zp
	}
	return out
}

// step is TFLite's LstmStepInteger8x8_16.
func (p *lstmInteger) step(k *UnidirectionalSequenceLSTM, inOff, outOff, hOff, cOff int, gates [numGates][]byte, hidden []byte) {
	if p.fast != nil {
		p.fast.step(k, p, inOff, outOff, hOff, cOff)
		return
	}
	x := k.in.Int8()[inOff : inOff+k.rows*k.nInput]
	h := k.outState.Int8()[hOff : hOff+k.rows*k.nOutput]
	c := k.cellState.Int16()[cOff : cOff+k.cellRows()]
	var ig []int16
	if !k.cifg {
		ig = int16s(gates[gateInput])
		p.gate(k, gateInput, x, h, c, ig)
		for j, v := range ig {
			ig[j] = quant.Logistic(v, 3)
		}
	}
	fg := int16s(gates[gateForget])
	p.gate(k, gateForget, x, h, c, fg)
	for j, v := range fg {
		fg[j] = quant.Logistic(v, 3)
	}
	cg := int16s(gates[gateCell])
	p.gate(k, gateCell, x, h, nil, cg)
	for j, v := range cg {
		cg[j] = quant.Tanh(v, 3)
	}

	// c = f ⊙ c + i ⊙ g: the first product stays in the cell scale
	// (f is Q0.15), the second goes from Q0.30 to the cell scale.
	for j := range c {
		fc := quant.RoundingDivideByPOT(int32(fg[j])*int32(c[j]), 15)
		in := math.MaxInt16 - fg[j]
		if !k.cifg {
			in = ig[j]
		}
		ic := int16(quant.RoundingDivideByPOT(int32(in)*int32(cg[j]), 30+p.cellShift))
		v := quant.Clamp(int32(int16(fc))+int32(ic), math.MinInt16, math.MaxInt16)
		if p.cellClip > 0 {
			v = quant.Clamp(v, -int32(p.cellClip), int32(p.cellClip))
		}
		c[j] = int16(v)
	}

	og := int16s(gates[gateOutput])
	p.gate(k, gateOutput, x, h, c, og)
	for j, v := range og {
		og[j] = quant.Logistic(v, 3)
	}

	// hidden = o ⊙ tanh(c), requantised to int8. TFLite subtracts the
	// hidden zero point here (and adds it back in the projection bias).
	hid := int8s(hidden)[:len(c)]
	tanhBits := 15 + p.cellShift
	for j, v := range c {
		t := quant.Tanh(v, tanhBits)
		r := quant.MultiplyByQuantizedMultiplier(int32(og[j])*int32(t), p.hidMult, p.hidShift) - p.hiddenZP
		hid[j] = int8(quant.Clamp(r, math.MinInt8, math.MaxInt8))
	}
	if k.project {
		w := k.projW.Int8()
		for b := 0; b < k.rows; b++ {
			row := hid[b*k.nCell : (b+1)*k.nCell]
			for o := 0; o < k.nOutput; o++ {
				acc := p.projBias[o] + dotInt8(w[o*k.nCell:(o+1)*k.nCell], row)
				r := quant.MultiplyByQuantizedMultiplier(acc, p.projMult, p.projShift) + p.outStateZP
				r = quant.Clamp(r, math.MinInt8, math.MaxInt8)
				if p.projClip > 0 {
					r = quant.Clamp(r, -int32(p.projClip), int32(p.projClip))
				}
				h[b*k.nOutput+o] = int8(r)
			}
		}
	} else {
		copy(h, hid)
	}
	copy(k.out.Int8()[outOff:outOff+len(h)], h)
}

// gate computes one gate's int16 pre-activation for every batch row: the
// input and recurrent products, each rescaled to Q3.12 and added with
// int16 saturation, then the peephole term when c is not nil.
func (p *lstmInteger) gate(k *UnidirectionalSequenceLSTM, g int, x, h []int8, c, out []int16) {
	gp := &p.gates[g]
	for b := 0; b < k.rows; b++ {
		xb := x[b*k.nInput : (b+1)*k.nInput]
		hb := h[b*k.nOutput : (b+1)*k.nOutput]
		for i := 0; i < k.nCell; i++ {
			acc := gp.inBias[i] + dotInt8(gp.inW[i*k.nInput:(i+1)*k.nInput], xb)
			v := quant.Clamp(quant.MultiplyByQuantizedMultiplier(acc, gp.inMult, gp.inShift), math.MinInt16, math.MaxInt16)
			acc = gp.recBias[i] + dotInt8(gp.recW[i*k.nOutput:(i+1)*k.nOutput], hb)
			v = quant.Clamp(quant.MultiplyByQuantizedMultiplier(acc, gp.recMult, gp.recShift)+v, math.MinInt16, math.MaxInt16)
			if gp.peep != nil && c != nil {
				prod := int32(gp.peep[i]) * int32(c[b*k.nCell+i])
				v = quant.Clamp(quant.MultiplyByQuantizedMultiplier(prod, gp.peepMult, gp.peepShift)+v, math.MinInt16, math.MaxInt16)
			}
			out[b*k.nCell+i] = int16(v)
		}
	}
}

// dotInt8 sums a[i]*b[i] in int32.
func dotInt8(a, b []int8) int32 {
	var s int32
	for i, v := range b {
		s += int32(a[i]) * int32(v)
	}
	return s
}
