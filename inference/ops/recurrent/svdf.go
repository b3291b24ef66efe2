package recurrent

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// SVDF input and output positions.
const (
	svdfInput = iota
	svdfWeightsFeature
	svdfWeightsTime
	svdfBias
	svdfState
	svdfInputs
)

// SVDF is a rank-r factorised fully connected layer with memory. Each of
// its filters first projects the input onto a feature vector, pushes the
// result into a per-filter queue of the last memory_size activations (the
// variable state tensor), then takes the dot product of that queue with a
// time filter. The rank consecutive filters of each unit are summed, the
// bias added and the fused activation applied:
//
//	state[b, f, :] = (state[b, f, 1:], input[b, :] · weights_feature[f, :])
//	output[b, u]   = act(bias[u] + sum_{f in unit u} state[b, f, :] · weights_time[f, :])
//
// Types: float32 throughout; or int8 input, feature weights and output
// with int32 bias and either int16 time weights and state (TFLite's
// full-integer SVDF) or int8 time weights and state (TFLite Micro only).
type SVDF struct {
	in, featureW, timeW, bias, state, out *tensor.Tensor

	rank, batches, inputSize, filters, units, memory int
	act                                              tflite.ActivationFunctionType

	// Scratch handles: the per-filter time dot products and, for the
	// integer kernel, the per-unit accumulators.
	filterScratch, unitScratch int

	// Integer requantisation: feature dot products to the state's scale
	// (1) and time dot products to the output's scale (2).
	mult1, mult2         int32
	shift1, shift2       int
	inZP, stateZP, outZP int32
	stateMin, stateMax   int32

	// fast runs the integer kernel on a SIMD kernel path (svdf_fast.go);
	// nil on the generic path, which runs evalSVDFInteger.
	fast *svdfFast
}

// Prepare implements ops.Kernel.
func (k *SVDF) Prepare(n *ops.Node) error {
	if len(n.Inputs) != svdfInputs || len(n.Outputs) != 1 {
		return n.Errorf("has %d inputs and %d outputs, want %d and 1", len(n.Inputs), len(n.Outputs), svdfInputs)
	}
	for _, i := range []int{svdfInput, svdfWeightsFeature, svdfWeightsTime, svdfState} {
		if n.Input(i) == nil {
			return n.Errorf("required input %d is missing", i)
		}
	}
	opts, err := ops.Options[tflite.SVDFOptions](n, tflite.BuiltinOptionsSVDFOptions)
	if err != nil {
		return err
	}
	k.in, k.featureW, k.timeW = n.Input(svdfInput), n.Input(svdfWeightsFeature), n.Input(svdfWeightsTime)
	k.bias, k.state, k.out = n.Input(svdfBias), n.Input(svdfState), n.Output(0)
	k.act = opts.FusedActivationFunction()
	if err := k.checkShapes(n, int(opts.Rank())); err != nil {
		return err
	}
	if !k.state.Variable {
		return n.Errorf("activation state %s is not a variable tensor", k.state)
	}
	switch k.in.Type {
	case tensor.Float32:
		err = k.prepareFloat(n)
	case tensor.Int8:
		err = k.prepareInteger(n)
	default:
		err = n.CheckType("input", k.in, tensor.Float32, tensor.Int8)
	}
	if err != nil {
		return err
	}
	k.filterScratch = n.RequestScratch(k.batches * k.filters * 4)
	return nil
}

// checkShapes checks the tensors against the layout
// input [batch, input], weights_feature [filters, input],
// weights_time [filters, memory], bias [units],
// state [batch, memory*filters], output [batch, units].
func (k *SVDF) checkShapes(n *ops.Node, rank int) error {
	for _, c := range []struct {
		what string
		t    *tensor.Tensor
	}{{"input", k.in}, {"weights_feature", k.featureW}, {"weights_time", k.timeW}, {"activation state", k.state}, {"output", k.out}} {
		if err := n.CheckRank(c.what, c.t, 2); err != nil {
			return err
		}
	}
	k.batches, k.inputSize = k.in.Shape[0], k.in.Shape[1]
	k.filters = k.featureW.Shape[0]
	k.memory = k.timeW.Shape[1]
	if rank <= 0 {
		return n.Errorf("rank %d must be positive", rank)
	}
	if k.filters%rank != 0 {
		return n.Errorf("weights_feature %s has %d filters, not a multiple of rank %d", k.featureW, k.filters, rank)
	}
	k.rank, k.units = rank, k.filters/rank
	if k.memory <= 0 {
		return n.Errorf("weights_time %s has memory size %d", k.timeW, k.memory)
	}
	if err := n.CheckShape("weights_feature", k.featureW, k.filters, k.inputSize); err != nil {
		return err
	}
	if err := n.CheckShape("weights_time", k.timeW, k.filters, k.memory); err != nil {
		return err
	}
	if k.bias != nil {
		if err := n.CheckShape("bias", k.bias, k.units); err != nil {
			return err
		}
	}
	if err := n.CheckShape("activation state", k.state, k.batches, k.memory*k.filters); err != nil {
		return err
	}
	return n.CheckShape("output", k.out, k.batches, k.units)
}

func (k *SVDF) prepareFloat(n *ops.Node) error {
	for _, c := range []struct {
		what string
		t    *tensor.Tensor
	}{{"weights_feature", k.featureW}, {"weights_time", k.timeW}, {"bias", k.bias}, {"activation state", k.state}, {"output", k.out}} {
		if c.t == nil {
			continue
		}
		if err := n.CheckType(c.what, c.t, tensor.Float32); err != nil {
			return err
		}
	}
	return checkFloatActivation(n, k.act)
}

// prepareInteger computes the two requantisation multipliers as TFLite
// does: each effective scale is a float32 product and quotient of the
// tensor scales, widened to float64 before QuantizeMultiplier.
func (k *SVDF) prepareInteger(n *ops.Node) error {
	if err := n.CheckType("weights_feature", k.featureW, tensor.Int8); err != nil {
		return err
	}
	if err := n.CheckType("weights_time", k.timeW, tensor.Int16, tensor.Int8); err != nil {
		return err
	}
	if k.state.Type != k.timeW.Type {
		return n.Errorf("activation state %s has type %s, but weights_time is %s", k.state, k.state.Type, k.timeW.Type)
	}
	if err := n.CheckType("output", k.out, tensor.Int8); err != nil {
		return err
	}
	if k.bias != nil {
		if err := n.CheckType("bias", k.bias, tensor.Int32); err != nil {
			return err
		}
	}
	// The integer reference kernels clamp to the int8 range only; the
	// converter folds RELU into the output quantization.
	if k.act != tflite.ActivationFunctionTypeNONE && k.act != tflite.ActivationFunctionTypeRELU {
		return n.Errorf("fused activation %s is not supported for integer SVDF", k.act)
	}
	inScale, inZP, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	fwScale, _, err := n.PerTensorQuant("weights_feature", k.featureW)
	if err != nil {
		return err
	}
	twScale, _, err := n.PerTensorQuant("weights_time", k.timeW)
	if err != nil {
		return err
	}
	stateScale, stateZP, err := n.PerTensorQuant("activation state", k.state)
	if err != nil {
		return err
	}
	outScale, outZP, err := n.PerTensorQuant("output", k.out)
	if err != nil {
		return err
	}
	if k.bias != nil && k.bias.Quant != nil && len(k.bias.Quant.Scale) > 0 {
		want := float64(float32(stateScale * twScale))
		if math.Abs(float64(k.bias.Quant.Scale[0])-want) >= 1e-5 {
			return n.Errorf("bias scale %v differs from activation state scale * weights_time scale %v", k.bias.Quant.Scale[0], want)
		}
	}
	k.mult1, k.shift1 = quant.QuantizeMultiplier(float64(float32(inScale*fwScale) / stateScale))
	k.mult2, k.shift2 = quant.QuantizeMultiplier(float64(float32(stateScale*twScale) / outScale))
	k.inZP, k.stateZP, k.outZP = inZP, stateZP, outZP
	k.stateMin, k.stateMax = ops.TypeRange(k.state.Type)
	k.unitScratch = n.RequestScratch(k.batches * k.units * 4)
	k.fast, err = newSVDFFast(n, k)
	return err
}

// Eval implements ops.Kernel.
func (k *SVDF) Eval(n *ops.Node) error {
	scratch := int32s(n.Scratch(k.filterScratch))
	switch {
	case k.in.Type == tensor.Float32:
		k.evalFloat(float32s(n.Scratch(k.filterScratch)))
	case k.fast != nil && k.state.Type == tensor.Int16:
		evalSVDFFast(k, k.fast, k.state.Int16(), k.timeW.Int16(), scratch, timeProducts16)
	case k.fast != nil:
		evalSVDFFast(k, k.fast, k.state.Int8(), k.timeW.Int8(), scratch, timeProducts8)
	case k.state.Type == tensor.Int16:
		evalSVDFInteger(k, k.state.Int16(), k.timeW.Int16(), scratch, int32s(n.Scratch(k.unitScratch)))
	default:
		evalSVDFInteger(k, k.state.Int8(), k.timeW.Int8(), scratch, int32s(n.Scratch(k.unitScratch)))
	}
	return nil
}

func (k *SVDF) evalFloat(scratch []float32) {
	state := k.state.Float32()
	in, fw, tw, out := k.in.Float32(), k.featureW.Float32(), k.timeW.Float32(), k.out.Float32()
	// Drop the oldest activation of every queue. Shifting the whole
	// buffer by one moves each filter's oldest value into the previous
	// filter's newest slot, which the feature projection overwrites next.
	copy(state, state[1:])
	for b := 0; b < k.batches; b++ {
		x := in[b*k.inputSize : (b+1)*k.inputSize]
		queues := state[b*k.filters*k.memory:]
		for f := 0; f < k.filters; f++ {
			row := fw[f*k.inputSize : (f+1)*k.inputSize]
			var dot float32
			for c, v := range x {
				dot += float32(row[c] * v)
			}
			queues[f*k.memory+k.memory-1] = dot
		}
		for f := 0; f < k.filters; f++ {
			q := queues[f*k.memory : (f+1)*k.memory]
			w := tw[f*k.memory : (f+1)*k.memory]
			var dot float32
			for j, v := range q {
				dot += float32(w[j] * v)
			}
			scratch[b*k.filters+f] = dot
		}
	}
	for b := 0; b < k.batches; b++ {
		o := out[b*k.units : (b+1)*k.units]
		if k.bias != nil {
			copy(o, k.bias.Float32())
		} else {
			clear(o)
		}
		s := scratch[b*k.filters : (b+1)*k.filters]
		for u := range o {
			for r := 0; r < k.rank; r++ {
				o[u] += s[u*k.rank+r]
			}
		}
		for u, v := range o {
			o[u] = activateFloat(k.act, v)
		}
	}
}

// evalSVDFInteger is TFLite Micro's EvalIntegerSvdfReference for int16 or
// int8 state and time weights. With a state zero point of 0 (as TFLite
// requires for int16 state) it equals TFLite's EvalIntegerSVDF.
func evalSVDFInteger[T int8 | int16](k *SVDF, state, tw []T, scratch, acc []int32) {
	in, fw, out := k.in.Int8(), k.featureW.Int8(), k.out.Int8()
	copy(state, state[1:])
	for b := 0; b < k.batches; b++ {
		x := in[b*k.inputSize : (b+1)*k.inputSize]
		queues := state[b*k.filters*k.memory:]
		for f := 0; f < k.filters; f++ {
			row := fw[f*k.inputSize : (f+1)*k.inputSize]
			var dot int32
			for c, v := range x {
				dot += int32(row[c]) * (int32(v) - k.inZP)
			}
			dot = quant.MultiplyByQuantizedMultiplier(dot, k.mult1, k.shift1)
			dot = quant.Clamp(dot, k.stateMin, k.stateMax)
			// Like the reference, the zero point is added after the clamp
			// and the sum stored with a wrapping conversion.
			queues[f*k.memory+k.memory-1] = T(k.stateZP + dot)
		}
		for f := 0; f < k.filters; f++ {
			q := queues[f*k.memory : (f+1)*k.memory]
			w := tw[f*k.memory : (f+1)*k.memory]
			var dot int32
			for j, v := range q {
				dot += int32(w[j]) * (int32(v) - k.stateZP)
			}
			scratch[b*k.filters+f] = dot
		}
	}
	for b := 0; b < k.batches; b++ {
		a := acc[b*k.units : (b+1)*k.units]
		if k.bias != nil {
			copy(a, k.bias.Int32())
		} else {
			clear(a)
		}
		s := scratch[b*k.filters : (b+1)*k.filters]
		for u := range a {
			for r := 0; r < k.rank; r++ {
				a[u] += s[u*k.rank+r]
			}
		}
		o := out[b*k.units : (b+1)*k.units]
		for u, v := range a {
			r := quant.MultiplyByQuantizedMultiplier(v, k.mult2, k.shift2) + k.outZP
			o[u] = int8(quant.Clamp(r, math.MinInt8, math.MaxInt8))
		}
	}
}
