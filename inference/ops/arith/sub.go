package arith

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// Sub computes output = act(input1 - input2) with broadcasting, for FLOAT32,
// INT32 (wrapping) and quantized INT8 and INT16.
//
// The quantized paths are ADD's (see Add) with the rescaled second input
// subtracted. The real multipliers are computed in float64 as full
// TensorFlow Lite's PrepareGeneralSubOp does; TFLite Micro's
// CalculateOpDataSub computes them in float32, which can move a result by one
// step. The seanet conformance goldens (generated with TensorFlow Lite's
// reference kernels, and accepted by TFLite Micro's own test within one
// step) are matched bit for bit only with float64: float32 multipliers miss
// three elements of sub0 and sub3. The INT16 power-of-two path is selected as
// for ADD, following full TensorFlow Lite (TFLite Micro always takes the
// general path).
type Sub struct{ addSub }

// Prepare implements ops.Kernel.
func (k *Sub) Prepare(n *ops.Node) error {
	opts, err := ops.Options[tflite.SubOptions](n, tflite.BuiltinOptionsSubOptions)
	if err != nil {
		return err
	}
	k.sub = true
	// An operator without options reads pot_scale_int16 as false in TFLite's
	// parser (a zeroed params struct), not as the schema's default true.
	pot := opts.PotScaleInt16() && n.Op.OptionsType != tflite.BuiltinOptionsNONE
	return k.prepare(n, opts.FusedActivationFunction(), pot)
}
