package arith

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// Add computes output = act(input1 + input2) with broadcasting, for FLOAT32,
// INT32 (wrapping) and quantized INT8 and INT16.
//
// Quantized inputs are rescaled to twice the larger input scale after a left
// shift of 20 bits (INT8) or 15 bits (INT16), with multipliers computed in
// float64 as TFLite Micro's CalculateOpDataAdd does, then added and rescaled
// to the output.
//
// INT16 with the pot_scale_int16 option set, zero zero
// points and power-of-two scales where one input has the output's scale and
// the other a smaller one takes full TensorFlow Lite's power-of-two path
// instead: a rounding right shift of the finer input and a saturating add.
// TFLite Micro ignores pot_scale_int16 and always uses the general path,
// which can differ by one step on ties; every other INT16 model uses the
// general path, as TFLite Micro does.
//
// INT32 applies the fused activation, as full TensorFlow Lite does (TFLite
// Micro's INT32 ADD ignores it).
type Add struct{ addSub }

// Prepare implements ops.Kernel.
func (k *Add) Prepare(n *ops.Node) error {
	opts, err := ops.Options[tflite.AddOptions](n, tflite.BuiltinOptionsAddOptions)
	if err != nil {
		return err
	}
	k.sub = false
	// An operator without options reads pot_scale_int16 as false in TFLite's
	// parser (a zeroed params struct), not as the schema's default true.
	pot := opts.PotScaleInt16() && n.Op.OptionsType != tflite.BuiltinOptionsNONE
	return k.prepare(n, opts.FusedActivationFunction(), pot)
}
