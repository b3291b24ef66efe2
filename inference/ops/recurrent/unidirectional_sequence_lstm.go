package recurrent

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// The 24 inputs of UNIDIRECTIONAL_SEQUENCE_LSTM, in the schema's order.
const (
	lstmInput = 0
	// Input weights [cell, input], one per gate (see the gate constants).
	lstmInputWeights = 1
	// Recurrent weights [cell, output], one per gate.
	lstmRecurrentWeights = 5
	// Peephole weights [cell] for the input, forget and output gates.
	lstmCellToInput  = 9
	lstmCellToForget = 10
	lstmCellToOutput = 11
	// Gate biases [cell], one per gate.
	lstmGateBias = 12
	// Projection weights [output, cell] and bias [output].
	lstmProjectionWeights = 16
	lstmProjectionBias    = 17
	// Variable state tensors: hidden [batch, output] and cell [batch, cell].
	lstmOutputState = 18
	lstmCellState   = 19
	// Layer normalization coefficients [cell], one per gate.
	lstmLayerNorm = 20
	lstmInputs    = 24
)

// Gates, in the order of the weight and bias inputs.
const (
	gateInput = iota
	gateForget
	gateCell
	gateOutput
	numGates
)

var gateNames = [numGates]string{"input", "forget", "cell", "output"}

// UnidirectionalSequenceLSTM runs an LSTM over a sequence. For every time
// step t, with x the input row, h the hidden (output) state and c the cell
// state:
//
//	i = sigmoid(W_i x + R_i h + P_i ⊙ c + b_i)   (i = 1 - f with CIFG)
//	f = sigmoid(W_f x + R_f h + P_f ⊙ c + b_f)
//	g = act(W_c x + R_c h + b_c)
//	c = clip(f ⊙ c + i ⊙ g, cell_clip)
//	o = sigmoid(W_o x + R_o h + P_o ⊙ c + b_o)
//	h = clip(W_proj (o ⊙ act(c)) + b_proj, proj_clip)   (h = o ⊙ act(c) without projection)
//
// and output[t] = h. Peephole (P) and projection terms are optional, as is
// the input gate (CIFG). The states are variable tensors, so a sequence
// split over several Invoke calls continues where the last one stopped.
//
// Types: float32 throughout, or TFLite's integer "8x8_16" LSTM: int8
// input, weights, hidden state and output, int16 cell state (a power-of-two
// scale) and peephole weights, int32 biases, plus five intermediate tensors
// of which the fifth gives the quantization of o ⊙ tanh(c). Layer
// normalization and hybrid (float input, int8 weights) models are refused.
type UnidirectionalSequenceLSTM struct {
	in, out, outState, cellState *tensor.Tensor
	inW, recW, bias              [numGates]*tensor.Tensor
	peep                         [numGates]*tensor.Tensor // nil for the cell gate
	projW, projB                 *tensor.Tensor

	timeMajor               bool
	batches, steps          int
	nInput, nCell, nOutput  int
	rows                    int // batch rows per step: batches when time major, else 1
	cifg, peephole, project bool
	act                     tflite.ActivationFunctionType
	cellClip, projClip      float32
	gateScratch             [numGates]int
	hiddenScratch           int // o ⊙ act(c) before projection
	integer                 *lstmInteger
	ffast                   *lstmFloatPacked // float32 on a SIMD path (lstm_float.go), nil: plain Go
}

// Prepare implements ops.Kernel.
func (k *UnidirectionalSequenceLSTM) Prepare(n *ops.Node) error {
	if len(n.Inputs) != lstmInputs || len(n.Outputs) != 1 {
		return n.Errorf("has %d inputs and %d outputs, want %d and 1", len(n.Inputs), len(n.Outputs), lstmInputs)
	}
	opts, err := ops.Options[tflite.UnidirectionalSequenceLSTMOptions](n, tflite.BuiltinOptionsUnidirectionalSequenceLSTMOptions)
	if err != nil {
		return err
	}
	if opts.DiagonalRecurrentTensors() {
		return n.Errorf("diagonal recurrent tensors are not supported")
	}
	k.timeMajor, k.act = opts.TimeMajor(), opts.FusedActivationFunction()
	k.cellClip, k.projClip = opts.CellClip(), opts.ProjClip()
	if !(k.cellClip >= 0) || !(k.projClip >= 0) {
		return n.Errorf("cell clip %v and projection clip %v must be non-negative", k.cellClip, k.projClip)
	}
	k.in, k.out = n.Input(lstmInput), n.Output(0)
	k.outState, k.cellState = n.Input(lstmOutputState), n.Input(lstmCellState)
	for g := range numGates {
		k.inW[g], k.recW[g], k.bias[g] = n.Input(lstmInputWeights+g), n.Input(lstmRecurrentWeights+g), n.Input(lstmGateBias+g)
	}
	k.peep[gateInput], k.peep[gateForget], k.peep[gateOutput] = n.Input(lstmCellToInput), n.Input(lstmCellToForget), n.Input(lstmCellToOutput)
	k.projW, k.projB = n.Input(lstmProjectionWeights), n.Input(lstmProjectionBias)
	for g := range numGates {
		if n.Input(lstmLayerNorm+g) != nil {
			return n.Errorf("layer normalization (input %d) is not supported", lstmLayerNorm+g)
		}
	}
	if err := k.checkShapes(n); err != nil {
		return err
	}
	switch k.in.Type {
	case tensor.Float32:
		err = k.prepareFloat(n)
	case tensor.Int8:
		k.integer = &lstmInteger{}
		err = k.integer.prepare(n, k)
	default:
		err = n.CheckType("input", k.in, tensor.Float32, tensor.Int8)
	}
	if err != nil {
		return err
	}
	size := k.cellState.Type.Size() * k.rows * k.nCell
	for g := range numGates {
		if g != gateInput || !k.cifg {
			k.gateScratch[g] = n.RequestScratch(size)
		}
	}
	k.hiddenScratch = n.RequestScratch(k.in.Type.Size() * k.rows * k.nCell)
	return nil
}

// checkShapes checks the presence and shape of every tensor and derives
// the sizes. Optional tensors come in groups that are all present or all
// absent, as TFLite's CheckInputTensorDimensions requires.
func (k *UnidirectionalSequenceLSTM) checkShapes(n *ops.Node) error {
	required := []int{lstmInput, lstmOutputState, lstmCellState}
	for g := gateForget; g < numGates; g++ {
		required = append(required, lstmInputWeights+g, lstmRecurrentWeights+g, lstmGateBias+g)
	}
	for _, i := range required {
		if n.Input(i) == nil {
			return n.Errorf("required input %d is missing", i)
		}
	}
	if err := n.CheckRank("input", k.in, 3); err != nil {
		return err
	}
	if k.timeMajor {
		k.steps, k.batches, k.rows = k.in.Shape[0], k.in.Shape[1], k.in.Shape[1]
	} else {
		k.batches, k.steps, k.rows = k.in.Shape[0], k.in.Shape[1], 1
	}
	k.nInput = k.in.Shape[2]
	if err := n.CheckRank("input_to_output_weights", k.inW[gateOutput], 2); err != nil {
		return err
	}
	if err := n.CheckRank("recurrent_to_output_weights", k.recW[gateOutput], 2); err != nil {
		return err
	}
	k.nCell, k.nOutput = k.inW[gateOutput].Shape[0], k.recW[gateOutput].Shape[1]

	k.cifg = k.inW[gateInput] == nil
	if k.cifg != (k.recW[gateInput] == nil) || k.cifg != (k.bias[gateInput] == nil) {
		return n.Errorf("input gate weights and bias must be all present or all absent (CIFG)")
	}
	k.peephole = k.peep[gateForget] != nil
	if k.peephole != (k.peep[gateOutput] != nil) || (!k.cifg && k.peephole != (k.peep[gateInput] != nil)) || (k.cifg && k.peep[gateInput] != nil) {
		return n.Errorf("peephole weights must be all present or all absent")
	}
	k.project = k.projW != nil
	if !k.project && k.projB != nil {
		return n.Errorf("projection bias %s without projection weights", k.projB)
	}
	for g := range numGates {
		if k.inW[g] == nil {
			continue
		}
		if err := n.CheckShape("input_to_"+gateNames[g]+"_weights", k.inW[g], k.nCell, k.nInput); err != nil {
			return err
		}
		if err := n.CheckShape("recurrent_to_"+gateNames[g]+"_weights", k.recW[g], k.nCell, k.nOutput); err != nil {
			return err
		}
		if err := n.CheckShape(gateNames[g]+"_gate_bias", k.bias[g], k.nCell); err != nil {
			return err
		}
		if k.peep[g] != nil {
			if err := n.CheckShape("cell_to_"+gateNames[g]+"_weights", k.peep[g], k.nCell); err != nil {
				return err
			}
		}
	}
	if k.project {
		if err := n.CheckShape("projection_weights", k.projW, k.nOutput, k.nCell); err != nil {
			return err
		}
		if k.projB != nil {
			if err := n.CheckShape("projection_bias", k.projB, k.nOutput); err != nil {
				return err
			}
		}
	} else if k.nOutput != k.nCell {
		return n.Errorf("output size %d differs from cell size %d without projection", k.nOutput, k.nCell)
	}
	if got, want := k.outState.NumElements(), k.batches*k.nOutput; got != want {
		return n.Errorf("output state %s has %d elements, want %d", k.outState, got, want)
	}
	if got, want := k.cellState.NumElements(), k.batches*k.nCell; got != want {
		return n.Errorf("cell state %s has %d elements, want %d", k.cellState, got, want)
	}
	if !k.outState.Variable || !k.cellState.Variable {
		return n.Errorf("output state %s and cell state %s must be variable tensors", k.outState, k.cellState)
	}
	want := []int{k.in.Shape[0], k.in.Shape[1], k.nOutput}
	return n.CheckShape("output", k.out, want...)
}

// prepareFloat checks the types of a float32 LSTM.
func (k *UnidirectionalSequenceLSTM) prepareFloat(n *ops.Node) error {
	for i, t := range n.Inputs {
		if t == nil || i == lstmInput {
			continue
		}
		if t.Type != tensor.Float32 {
			return n.Errorf("input %d %s has type %s in a FLOAT32 LSTM (hybrid models are not supported)", i, t, t.Type)
		}
	}
	if err := n.CheckType("output", k.out, tensor.Float32); err != nil {
		return err
	}
	if err := checkFloatActivation(n, k.act); err != nil {
		return err
	}
	return k.preparePackedFloat(n)
}

// Eval implements ops.Kernel.
func (k *UnidirectionalSequenceLSTM) Eval(n *ops.Node) error {
	var gates [numGates][]byte
	for g := range numGates {
		if g != gateInput || !k.cifg {
			gates[g] = n.Scratch(k.gateScratch[g])
		}
	}
	hidden := n.Scratch(k.hiddenScratch)
	inRow, outRow := k.rows*k.nInput, k.rows*k.nOutput
	if k.timeMajor {
		for t := range k.steps {
			k.step(t*inRow, t*outRow, 0, 0, gates, hidden)
		}
		return nil
	}
	for b := range k.batches {
		for t := range k.steps {
			idx := b*k.steps + t
			k.step(idx*inRow, idx*outRow, b*k.nOutput, b*k.nCell, gates, hidden)
		}
	}
	return nil
}

// step runs one time step on k.rows batch rows: the input rows start at
// element inOff, the output rows at outOff, the hidden and cell state rows
// at hOff and cOff.
func (k *UnidirectionalSequenceLSTM) step(inOff, outOff, hOff, cOff int, gates [numGates][]byte, hidden []byte) {
	if k.integer != nil {
		k.integer.step(k, inOff, outOff, hOff, cOff, gates, hidden)
		return
	}
	k.stepFloat(inOff, outOff, hOff, cOff, gates, float32s(hidden))
}

// cellRows returns the number of cell state elements one step updates.
func (k *UnidirectionalSequenceLSTM) cellRows() int { return k.rows * k.nCell }

// checkedLog2 returns the integer base-2 logarithm of x and whether x is a
// power of two to within TFLite's tolerance (CheckedLog2).
func checkedLog2(x float32) (int, bool) {
	l := float32(math.Log(float64(x))) * float32(1/math.Log(2))
	r := float32(math.Round(float64(l)))
	return int(r), math.Abs(float64(l-r)) < 1e-3
}
