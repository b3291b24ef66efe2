package builder

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
)

// Options writes an operator's builtin options table.
type Options interface {
	Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT)
}

// RawOptions writes an options table with a caller-supplied function, for
// options this package has no struct for (or deliberately wrong ones in tests).
type RawOptions struct {
	Type  tflite.BuiltinOptions
	Build func(fb *flatbuffers.Builder) flatbuffers.UOffsetT
}

// Encode implements Options.
func (o RawOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	return o.Type, o.Build(fb)
}

// ReshapeOptions are RESHAPE's options.
type ReshapeOptions struct{ NewShape []int }

// Encode implements Options.
func (o ReshapeOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	var v flatbuffers.UOffsetT
	if o.NewShape != nil {
		v = int32Vector(fb, o.NewShape)
	}
	tflite.ReshapeOptionsStart(fb)
	if o.NewShape != nil {
		tflite.ReshapeOptionsAddNewShape(fb, v)
	}
	return tflite.BuiltinOptionsReshapeOptions, tflite.ReshapeOptionsEnd(fb)
}

// SqueezeOptions are SQUEEZE's options.
type SqueezeOptions struct{ SqueezeDims []int }

// Encode implements Options.
func (o SqueezeOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	var v flatbuffers.UOffsetT
	if o.SqueezeDims != nil {
		v = int32Vector(fb, o.SqueezeDims)
	}
	tflite.SqueezeOptionsStart(fb)
	if o.SqueezeDims != nil {
		tflite.SqueezeOptionsAddSqueezeDims(fb, v)
	}
	return tflite.BuiltinOptionsSqueezeOptions, tflite.SqueezeOptionsEnd(fb)
}

// Code is a builtin operator code.
type Code = tflite.BuiltinOperator

// Activation is a fused activation function.
type Activation = tflite.ActivationFunctionType

// Padding is a windowed operator's padding scheme.
type Padding = tflite.Padding

// Fused activations.
const (
	ActNone  Activation = tflite.ActivationFunctionTypeNONE
	ActRelu  Activation = tflite.ActivationFunctionTypeRELU
	ActRelu6 Activation = tflite.ActivationFunctionTypeRELU6
	ActTanh  Activation = tflite.ActivationFunctionTypeTANH
)

// Paddings.
const (
	Same  Padding = tflite.PaddingSAME
	Valid Padding = tflite.PaddingVALID
)

// Operator codes for the builtin operators edge-agent runs.
const (
	Add                Code = tflite.BuiltinOperatorADD
	AveragePool2D      Code = tflite.BuiltinOperatorAVERAGE_POOL_2D
	Concatenation      Code = tflite.BuiltinOperatorCONCATENATION
	Conv2D             Code = tflite.BuiltinOperatorCONV_2D
	DepthwiseConv2D    Code = tflite.BuiltinOperatorDEPTHWISE_CONV_2D
	Dequantize         Code = tflite.BuiltinOperatorDEQUANTIZE
	FullyConnected     Code = tflite.BuiltinOperatorFULLY_CONNECTED
	Logistic           Code = tflite.BuiltinOperatorLOGISTIC
	MaxPool2D          Code = tflite.BuiltinOperatorMAX_POOL_2D
	Mul                Code = tflite.BuiltinOperatorMUL
	Relu               Code = tflite.BuiltinOperatorRELU
	Relu6              Code = tflite.BuiltinOperatorRELU6
	ReluN1To1          Code = tflite.BuiltinOperatorRELU_N1_TO_1
	Reshape            Code = tflite.BuiltinOperatorRESHAPE
	Softmax            Code = tflite.BuiltinOperatorSOFTMAX
	Tanh               Code = tflite.BuiltinOperatorTANH
	Quantize           Code = tflite.BuiltinOperatorQUANTIZE
	Mean               Code = tflite.BuiltinOperatorMEAN
	Sub                Code = tflite.BuiltinOperatorSUB
	Div                Code = tflite.BuiltinOperatorDIV
	Pad                Code = tflite.BuiltinOperatorPAD
	Transpose          Code = tflite.BuiltinOperatorTRANSPOSE
	StridedSlice       Code = tflite.BuiltinOperatorSTRIDED_SLICE
	Cast               Code = tflite.BuiltinOperatorCAST
	Maximum            Code = tflite.BuiltinOperatorMAXIMUM
	Minimum            Code = tflite.BuiltinOperatorMINIMUM
	SVDF               Code = tflite.BuiltinOperatorSVDF
	UnidirectionalLSTM Code = tflite.BuiltinOperatorUNIDIRECTIONAL_SEQUENCE_LSTM
	LeakyRelu          Code = tflite.BuiltinOperatorLEAKY_RELU
	TransposeConv      Code = tflite.BuiltinOperatorTRANSPOSE_CONV
	HardSwish          Code = tflite.BuiltinOperatorHARD_SWISH
	Squeeze            Code = tflite.BuiltinOperatorSQUEEZE
	ExpandDims         Code = tflite.BuiltinOperatorEXPAND_DIMS
	ArgMax             Code = tflite.BuiltinOperatorARG_MAX
	ResizeBilinear     Code = tflite.BuiltinOperatorRESIZE_BILINEAR
	ResizeNearest      Code = tflite.BuiltinOperatorRESIZE_NEAREST_NEIGHBOR
	Pack               Code = tflite.BuiltinOperatorPACK
	Unpack             Code = tflite.BuiltinOperatorUNPACK
	Split              Code = tflite.BuiltinOperatorSPLIT
	Gather             Code = tflite.BuiltinOperatorGATHER
	PadV2              Code = tflite.BuiltinOperatorPADV2
)
