// Options structs for the builtin operators, one per TFLite options table.

package builder

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// FullyConnectedOptions are the options of the operators that take tflite.FullyConnectedOptions.
type FullyConnectedOptions struct {
	FusedActivationFunction  Activation
	WeightsFormat            tflite.FullyConnectedOptionsWeightsFormat
	KeepNumDims              bool
	AsymmetricQuantizeInputs bool
	QuantizedBiasType        tensor.DType
}

// Encode implements Options.
func (o FullyConnectedOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.FullyConnectedOptionsStart(fb)
	tflite.FullyConnectedOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	tflite.FullyConnectedOptionsAddWeightsFormat(fb, o.WeightsFormat)
	tflite.FullyConnectedOptionsAddKeepNumDims(fb, o.KeepNumDims)
	tflite.FullyConnectedOptionsAddAsymmetricQuantizeInputs(fb, o.AsymmetricQuantizeInputs)
	tflite.FullyConnectedOptionsAddQuantizedBiasType(fb, tflite.TensorType(o.QuantizedBiasType))
	return tflite.BuiltinOptionsFullyConnectedOptions, tflite.FullyConnectedOptionsEnd(fb)
}

// Conv2DOptions are the options of the operators that take tflite.Conv2DOptions.
type Conv2DOptions struct {
	Padding                 Padding
	StrideW                 int32
	StrideH                 int32
	FusedActivationFunction Activation
	DilationWFactor         int32
	DilationHFactor         int32
	QuantizedBiasType       tensor.DType
}

// Encode implements Options.
func (o Conv2DOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.Conv2DOptionsStart(fb)
	tflite.Conv2DOptionsAddPadding(fb, tflite.Padding(o.Padding))
	tflite.Conv2DOptionsAddStrideW(fb, o.StrideW)
	tflite.Conv2DOptionsAddStrideH(fb, o.StrideH)
	tflite.Conv2DOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	tflite.Conv2DOptionsAddDilationWFactor(fb, o.DilationWFactor)
	tflite.Conv2DOptionsAddDilationHFactor(fb, o.DilationHFactor)
	tflite.Conv2DOptionsAddQuantizedBiasType(fb, tflite.TensorType(o.QuantizedBiasType))
	return tflite.BuiltinOptionsConv2DOptions, tflite.Conv2DOptionsEnd(fb)
}

// DepthwiseConv2DOptions are the options of the operators that take tflite.DepthwiseConv2DOptions.
type DepthwiseConv2DOptions struct {
	Padding                 Padding
	StrideW                 int32
	StrideH                 int32
	DepthMultiplier         int32
	FusedActivationFunction Activation
	DilationWFactor         int32
	DilationHFactor         int32
}

// Encode implements Options.
func (o DepthwiseConv2DOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.DepthwiseConv2DOptionsStart(fb)
	tflite.DepthwiseConv2DOptionsAddPadding(fb, tflite.Padding(o.Padding))
	tflite.DepthwiseConv2DOptionsAddStrideW(fb, o.StrideW)
	tflite.DepthwiseConv2DOptionsAddStrideH(fb, o.StrideH)
	tflite.DepthwiseConv2DOptionsAddDepthMultiplier(fb, o.DepthMultiplier)
	tflite.DepthwiseConv2DOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	tflite.DepthwiseConv2DOptionsAddDilationWFactor(fb, o.DilationWFactor)
	tflite.DepthwiseConv2DOptionsAddDilationHFactor(fb, o.DilationHFactor)
	return tflite.BuiltinOptionsDepthwiseConv2DOptions, tflite.DepthwiseConv2DOptionsEnd(fb)
}

// TransposeConvOptions are the options of the operators that take tflite.TransposeConvOptions.
type TransposeConvOptions struct {
	Padding                 Padding
	StrideW                 int32
	StrideH                 int32
	FusedActivationFunction Activation
	QuantizedBiasType       tensor.DType
}

// Encode implements Options.
func (o TransposeConvOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.TransposeConvOptionsStart(fb)
	tflite.TransposeConvOptionsAddPadding(fb, tflite.Padding(o.Padding))
	tflite.TransposeConvOptionsAddStrideW(fb, o.StrideW)
	tflite.TransposeConvOptionsAddStrideH(fb, o.StrideH)
	tflite.TransposeConvOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	tflite.TransposeConvOptionsAddQuantizedBiasType(fb, tflite.TensorType(o.QuantizedBiasType))
	return tflite.BuiltinOptionsTransposeConvOptions, tflite.TransposeConvOptionsEnd(fb)
}

// Pool2DOptions are the options of the operators that take tflite.Pool2DOptions.
type Pool2DOptions struct {
	Padding                 Padding
	StrideW                 int32
	StrideH                 int32
	FilterWidth             int32
	FilterHeight            int32
	FusedActivationFunction Activation
}

// Encode implements Options.
func (o Pool2DOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.Pool2DOptionsStart(fb)
	tflite.Pool2DOptionsAddPadding(fb, tflite.Padding(o.Padding))
	tflite.Pool2DOptionsAddStrideW(fb, o.StrideW)
	tflite.Pool2DOptionsAddStrideH(fb, o.StrideH)
	tflite.Pool2DOptionsAddFilterWidth(fb, o.FilterWidth)
	tflite.Pool2DOptionsAddFilterHeight(fb, o.FilterHeight)
	tflite.Pool2DOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	return tflite.BuiltinOptionsPool2DOptions, tflite.Pool2DOptionsEnd(fb)
}

// SoftmaxOptions are the options of the operators that take tflite.SoftmaxOptions.
type SoftmaxOptions struct {
	Beta float32
}

// Encode implements Options.
func (o SoftmaxOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.SoftmaxOptionsStart(fb)
	tflite.SoftmaxOptionsAddBeta(fb, o.Beta)
	return tflite.BuiltinOptionsSoftmaxOptions, tflite.SoftmaxOptionsEnd(fb)
}

// AddOptions are the options of the operators that take tflite.AddOptions.
type AddOptions struct {
	FusedActivationFunction Activation
	PotScaleInt16           *bool // nil: the schema default, true
}

// Encode implements Options.
func (o AddOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.AddOptionsStart(fb)
	tflite.AddOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	if o.PotScaleInt16 != nil {
		tflite.AddOptionsAddPotScaleInt16(fb, *o.PotScaleInt16)
	}
	return tflite.BuiltinOptionsAddOptions, tflite.AddOptionsEnd(fb)
}

// SubOptions are the options of the operators that take tflite.SubOptions.
type SubOptions struct {
	FusedActivationFunction Activation
	PotScaleInt16           *bool // nil: the schema default, true
}

// Encode implements Options.
func (o SubOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.SubOptionsStart(fb)
	tflite.SubOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	if o.PotScaleInt16 != nil {
		tflite.SubOptionsAddPotScaleInt16(fb, *o.PotScaleInt16)
	}
	return tflite.BuiltinOptionsSubOptions, tflite.SubOptionsEnd(fb)
}

// MulOptions are the options of the operators that take tflite.MulOptions.
type MulOptions struct {
	FusedActivationFunction Activation
}

// Encode implements Options.
func (o MulOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.MulOptionsStart(fb)
	tflite.MulOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	return tflite.BuiltinOptionsMulOptions, tflite.MulOptionsEnd(fb)
}

// DivOptions are the options of the operators that take tflite.DivOptions.
type DivOptions struct {
	FusedActivationFunction Activation
}

// Encode implements Options.
func (o DivOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.DivOptionsStart(fb)
	tflite.DivOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	return tflite.BuiltinOptionsDivOptions, tflite.DivOptionsEnd(fb)
}

// ReducerOptions are the options of the operators that take tflite.ReducerOptions.
type ReducerOptions struct {
	KeepDims bool
}

// Encode implements Options.
func (o ReducerOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.ReducerOptionsStart(fb)
	tflite.ReducerOptionsAddKeepDims(fb, o.KeepDims)
	return tflite.BuiltinOptionsReducerOptions, tflite.ReducerOptionsEnd(fb)
}

// PadOptions are the options of the operators that take tflite.PadOptions.
type PadOptions struct {
}

// Encode implements Options.
func (o PadOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.PadOptionsStart(fb)
	return tflite.BuiltinOptionsPadOptions, tflite.PadOptionsEnd(fb)
}

// PadV2Options are the options of the operators that take tflite.PadV2Options.
type PadV2Options struct {
}

// Encode implements Options.
func (o PadV2Options) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.PadV2OptionsStart(fb)
	return tflite.BuiltinOptionsPadV2Options, tflite.PadV2OptionsEnd(fb)
}

// TransposeOptions are the options of the operators that take tflite.TransposeOptions.
type TransposeOptions struct {
}

// Encode implements Options.
func (o TransposeOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.TransposeOptionsStart(fb)
	return tflite.BuiltinOptionsTransposeOptions, tflite.TransposeOptionsEnd(fb)
}

// ConcatenationOptions are the options of the operators that take tflite.ConcatenationOptions.
type ConcatenationOptions struct {
	Axis                    int32
	FusedActivationFunction Activation
}

// Encode implements Options.
func (o ConcatenationOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.ConcatenationOptionsStart(fb)
	tflite.ConcatenationOptionsAddAxis(fb, o.Axis)
	tflite.ConcatenationOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	return tflite.BuiltinOptionsConcatenationOptions, tflite.ConcatenationOptionsEnd(fb)
}

// StridedSliceOptions are the options of the operators that take tflite.StridedSliceOptions.
type StridedSliceOptions struct {
	BeginMask      int32
	EndMask        int32
	EllipsisMask   int32
	NewAxisMask    int32
	ShrinkAxisMask int32
	Offset         bool
}

// Encode implements Options.
func (o StridedSliceOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.StridedSliceOptionsStart(fb)
	tflite.StridedSliceOptionsAddBeginMask(fb, o.BeginMask)
	tflite.StridedSliceOptionsAddEndMask(fb, o.EndMask)
	tflite.StridedSliceOptionsAddEllipsisMask(fb, o.EllipsisMask)
	tflite.StridedSliceOptionsAddNewAxisMask(fb, o.NewAxisMask)
	tflite.StridedSliceOptionsAddShrinkAxisMask(fb, o.ShrinkAxisMask)
	tflite.StridedSliceOptionsAddOffset(fb, o.Offset)
	return tflite.BuiltinOptionsStridedSliceOptions, tflite.StridedSliceOptionsEnd(fb)
}

// QuantizeOptions are the options of the operators that take tflite.QuantizeOptions.
type QuantizeOptions struct {
}

// Encode implements Options.
func (o QuantizeOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.QuantizeOptionsStart(fb)
	return tflite.BuiltinOptionsQuantizeOptions, tflite.QuantizeOptionsEnd(fb)
}

// DequantizeOptions are the options of the operators that take tflite.DequantizeOptions.
type DequantizeOptions struct {
}

// Encode implements Options.
func (o DequantizeOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.DequantizeOptionsStart(fb)
	return tflite.BuiltinOptionsDequantizeOptions, tflite.DequantizeOptionsEnd(fb)
}

// CastOptions are the options of the operators that take tflite.CastOptions.
type CastOptions struct {
	InDataType  tensor.DType
	OutDataType tensor.DType
}

// Encode implements Options.
func (o CastOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.CastOptionsStart(fb)
	tflite.CastOptionsAddInDataType(fb, tflite.TensorType(o.InDataType))
	tflite.CastOptionsAddOutDataType(fb, tflite.TensorType(o.OutDataType))
	return tflite.BuiltinOptionsCastOptions, tflite.CastOptionsEnd(fb)
}

// MaximumMinimumOptions are the options of the operators that take tflite.MaximumMinimumOptions.
type MaximumMinimumOptions struct {
}

// Encode implements Options.
func (o MaximumMinimumOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.MaximumMinimumOptionsStart(fb)
	return tflite.BuiltinOptionsMaximumMinimumOptions, tflite.MaximumMinimumOptionsEnd(fb)
}

// SVDFOptions are the options of the operators that take tflite.SVDFOptions.
type SVDFOptions struct {
	Rank                     int32
	FusedActivationFunction  Activation
	AsymmetricQuantizeInputs bool
}

// Encode implements Options.
func (o SVDFOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.SVDFOptionsStart(fb)
	tflite.SVDFOptionsAddRank(fb, o.Rank)
	tflite.SVDFOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	tflite.SVDFOptionsAddAsymmetricQuantizeInputs(fb, o.AsymmetricQuantizeInputs)
	return tflite.BuiltinOptionsSVDFOptions, tflite.SVDFOptionsEnd(fb)
}

// UnidirectionalSequenceLSTMOptions are the options of the operators that take tflite.UnidirectionalSequenceLSTMOptions.
type UnidirectionalSequenceLSTMOptions struct {
	FusedActivationFunction  Activation
	CellClip                 float32
	ProjClip                 float32
	TimeMajor                bool
	AsymmetricQuantizeInputs bool
	DiagonalRecurrentTensors bool
}

// Encode implements Options.
func (o UnidirectionalSequenceLSTMOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.UnidirectionalSequenceLSTMOptionsStart(fb)
	tflite.UnidirectionalSequenceLSTMOptionsAddFusedActivationFunction(fb, tflite.ActivationFunctionType(o.FusedActivationFunction))
	tflite.UnidirectionalSequenceLSTMOptionsAddCellClip(fb, o.CellClip)
	tflite.UnidirectionalSequenceLSTMOptionsAddProjClip(fb, o.ProjClip)
	tflite.UnidirectionalSequenceLSTMOptionsAddTimeMajor(fb, o.TimeMajor)
	tflite.UnidirectionalSequenceLSTMOptionsAddAsymmetricQuantizeInputs(fb, o.AsymmetricQuantizeInputs)
	tflite.UnidirectionalSequenceLSTMOptionsAddDiagonalRecurrentTensors(fb, o.DiagonalRecurrentTensors)
	return tflite.BuiltinOptionsUnidirectionalSequenceLSTMOptions, tflite.UnidirectionalSequenceLSTMOptionsEnd(fb)
}

// LeakyReluOptions are the options of the operators that take tflite.LeakyReluOptions.
type LeakyReluOptions struct {
	Alpha float32
}

// Encode implements Options.
func (o LeakyReluOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.LeakyReluOptionsStart(fb)
	tflite.LeakyReluOptionsAddAlpha(fb, o.Alpha)
	return tflite.BuiltinOptionsLeakyReluOptions, tflite.LeakyReluOptionsEnd(fb)
}

// HardSwishOptions are the options of the operators that take tflite.HardSwishOptions.
type HardSwishOptions struct {
}

// Encode implements Options.
func (o HardSwishOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.HardSwishOptionsStart(fb)
	return tflite.BuiltinOptionsHardSwishOptions, tflite.HardSwishOptionsEnd(fb)
}

// ExpandDimsOptions are the options of the operators that take tflite.ExpandDimsOptions.
type ExpandDimsOptions struct {
}

// Encode implements Options.
func (o ExpandDimsOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.ExpandDimsOptionsStart(fb)
	return tflite.BuiltinOptionsExpandDimsOptions, tflite.ExpandDimsOptionsEnd(fb)
}

// ArgMaxOptions are the options of the operators that take tflite.ArgMaxOptions.
type ArgMaxOptions struct {
	OutputType tensor.DType
}

// Encode implements Options.
func (o ArgMaxOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.ArgMaxOptionsStart(fb)
	tflite.ArgMaxOptionsAddOutputType(fb, tflite.TensorType(o.OutputType))
	return tflite.BuiltinOptionsArgMaxOptions, tflite.ArgMaxOptionsEnd(fb)
}

// ResizeBilinearOptions are the options of the operators that take tflite.ResizeBilinearOptions.
type ResizeBilinearOptions struct {
	AlignCorners     bool
	HalfPixelCenters bool
}

// Encode implements Options.
func (o ResizeBilinearOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.ResizeBilinearOptionsStart(fb)
	tflite.ResizeBilinearOptionsAddAlignCorners(fb, o.AlignCorners)
	tflite.ResizeBilinearOptionsAddHalfPixelCenters(fb, o.HalfPixelCenters)
	return tflite.BuiltinOptionsResizeBilinearOptions, tflite.ResizeBilinearOptionsEnd(fb)
}

// ResizeNearestNeighborOptions are the options of the operators that take tflite.ResizeNearestNeighborOptions.
type ResizeNearestNeighborOptions struct {
	AlignCorners     bool
	HalfPixelCenters bool
}

// Encode implements Options.
func (o ResizeNearestNeighborOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.ResizeNearestNeighborOptionsStart(fb)
	tflite.ResizeNearestNeighborOptionsAddAlignCorners(fb, o.AlignCorners)
	tflite.ResizeNearestNeighborOptionsAddHalfPixelCenters(fb, o.HalfPixelCenters)
	return tflite.BuiltinOptionsResizeNearestNeighborOptions, tflite.ResizeNearestNeighborOptionsEnd(fb)
}

// PackOptions are the options of the operators that take tflite.PackOptions.
type PackOptions struct {
	ValuesCount int32
	Axis        int32
}

// Encode implements Options.
func (o PackOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.PackOptionsStart(fb)
	tflite.PackOptionsAddValuesCount(fb, o.ValuesCount)
	tflite.PackOptionsAddAxis(fb, o.Axis)
	return tflite.BuiltinOptionsPackOptions, tflite.PackOptionsEnd(fb)
}

// UnpackOptions are the options of the operators that take tflite.UnpackOptions.
type UnpackOptions struct {
	Num  int32
	Axis int32
}

// Encode implements Options.
func (o UnpackOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.UnpackOptionsStart(fb)
	tflite.UnpackOptionsAddNum(fb, o.Num)
	tflite.UnpackOptionsAddAxis(fb, o.Axis)
	return tflite.BuiltinOptionsUnpackOptions, tflite.UnpackOptionsEnd(fb)
}

// SplitOptions are the options of the operators that take tflite.SplitOptions.
type SplitOptions struct {
	NumSplits int32
}

// Encode implements Options.
func (o SplitOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.SplitOptionsStart(fb)
	tflite.SplitOptionsAddNumSplits(fb, o.NumSplits)
	return tflite.BuiltinOptionsSplitOptions, tflite.SplitOptionsEnd(fb)
}

// GatherOptions are the options of the operators that take tflite.GatherOptions.
type GatherOptions struct {
	Axis      int32
	BatchDims int32
}

// Encode implements Options.
func (o GatherOptions) Encode(fb *flatbuffers.Builder) (tflite.BuiltinOptions, flatbuffers.UOffsetT) {
	tflite.GatherOptionsStart(fb)
	tflite.GatherOptionsAddAxis(fb, o.Axis)
	tflite.GatherOptionsAddBatchDims(fb, o.BatchDims)
	return tflite.BuiltinOptionsGatherOptions, tflite.GatherOptionsEnd(fb)
}
