// Package builder writes TensorFlow Lite flatbuffers.
//
// It exists so that every kernel can be tested on single-operator models with
// hand-computed expectations, and so that edge-agent can build its own demo
// model without fetching anything. It writes what TFLite's converter writes
// for the features it covers: schema version 3, the "TFL3" identifier, buffer
// 0 as the empty sentinel, 16-byte aligned constant data, and both the
// builtin_code and deprecated_builtin_code fields of each operator code.
//
//	b := builder.New()
//	in := b.Tensor("in", tensor.Float32, []int{1, 4}, nil)
//	w := b.Const("w", tensor.Float32, []int{2, 4}, nil, []float32{...})
//	out := b.Tensor("out", tensor.Float32, []int{1, 2}, nil)
//	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{out}, builder.FullyConnectedOptions{})
//	b.Inputs(in)
//	b.Outputs(out)
//	data, err := b.Finish()
package builder

import (
	"encoding/binary"
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Quant is a tensor's affine quantization: real = Scale * (q - ZeroPoint).
type Quant struct {
	Scale     []float32
	ZeroPoint []int64
	Dim       int // quantized dimension for per-channel parameters
}

// PerTensor returns per-tensor quantization parameters.
func PerTensor(scale float32, zeroPoint int64) *Quant {
	return &Quant{Scale: []float32{scale}, ZeroPoint: []int64{zeroPoint}}
}

// PerChannel returns per-channel quantization parameters along dim, with zero points of 0.
func PerChannel(dim int, scales ...float32) *Quant {
	return &Quant{Scale: scales, ZeroPoint: make([]int64, len(scales)), Dim: dim}
}

type tensorSpec struct {
	name     string
	dtype    tensor.DType
	shape    []int
	quant    *Quant
	buffer   int
	variable bool
}

type opSpec struct {
	code          int
	inputs        []int
	outputs       []int
	intermediates []int
	options       Options
	custom        []byte
}

// Builder accumulates one subgraph and writes it as a model.
type Builder struct {
	tensors     []tensorSpec
	buffers     [][]byte
	codes       []codeKey
	codeIndex   map[codeKey]int
	ops         []opSpec
	inputs      []int
	outputs     []int
	description string
	err         error
}

type codeKey struct {
	builtin tflite.BuiltinOperator
	custom  string
}

// New returns an empty builder.
func New() *Builder {
	return &Builder{buffers: [][]byte{nil}, codeIndex: map[codeKey]int{}, description: "edge-agent builder"}
}

// Describe sets the model's description string.
func (b *Builder) Describe(s string) { b.description = s }

// Tensor adds a tensor without data (an activation) and returns its index.
func (b *Builder) Tensor(name string, dt tensor.DType, shape []int, q *Quant) int {
	b.tensors = append(b.tensors, tensorSpec{name: name, dtype: dt, shape: shape, quant: q})
	return len(b.tensors) - 1
}

// Variable adds a variable (state) tensor and returns its index.
func (b *Builder) Variable(name string, dt tensor.DType, shape []int, q *Quant) int {
	b.tensors = append(b.tensors, tensorSpec{name: name, dtype: dt, shape: shape, quant: q, variable: true})
	return len(b.tensors) - 1
}

// Const adds a constant tensor. values is a slice of the element type
// ([]int8, []uint8, []int16, []int32, []int64, []float32, []bool ...) or
// []byte holding the raw little-endian bytes.
func (b *Builder) Const(name string, dt tensor.DType, shape []int, q *Quant, values any) int {
	var data []byte
	switch v := values.(type) {
	case []byte:
		data = append([]byte{}, v...)
	default:
		var err error
		data, err = binary.Append([]byte{}, binary.LittleEndian, values)
		if err != nil && b.err == nil {
			b.err = fmt.Errorf("const %q: %w", name, err)
		}
	}
	want := tensor.NumElements(shape) * dt.Size()
	if len(data) != want && b.err == nil {
		b.err = fmt.Errorf("const %q: %d bytes of data for shape %v of %s (%d bytes)", name, len(data), shape, dt, want)
	}
	b.buffers = append(b.buffers, data)
	b.tensors = append(b.tensors, tensorSpec{name: name, dtype: dt, shape: shape, quant: q, buffer: len(b.buffers) - 1})
	return len(b.tensors) - 1
}

func (b *Builder) code(k codeKey) int {
	if i, ok := b.codeIndex[k]; ok {
		return i
	}
	b.codes = append(b.codes, k)
	b.codeIndex[k] = len(b.codes) - 1
	return len(b.codes) - 1
}

// Op adds a builtin operator. Inputs may hold -1 for omitted optional inputs;
// opts may be nil for operators without options. It returns the operator's index.
func (b *Builder) Op(code Code, inputs, outputs []int, opts Options) int {
	b.ops = append(b.ops, opSpec{code: b.code(codeKey{builtin: code}), inputs: inputs, outputs: outputs, options: opts})
	return len(b.ops) - 1
}

// CustomOp adds a custom operator with raw custom options.
func (b *Builder) CustomOp(name string, inputs, outputs []int, customOptions []byte) int {
	b.ops = append(b.ops, opSpec{code: b.code(codeKey{builtin: tflite.BuiltinOperatorCUSTOM, custom: name}), inputs: inputs, outputs: outputs, custom: customOptions})
	return len(b.ops) - 1
}

// Intermediates sets the intermediate tensors of operator op.
func (b *Builder) Intermediates(op int, tensors ...int) { b.ops[op].intermediates = tensors }

// Inputs sets the graph's input tensors.
func (b *Builder) Inputs(ids ...int) { b.inputs = ids }

// Outputs sets the graph's output tensors.
func (b *Builder) Outputs(ids ...int) { b.outputs = ids }

func int32Vector(fb *flatbuffers.Builder, v []int) flatbuffers.UOffsetT {
	fb.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		fb.PrependInt32(int32(v[i]))
	}
	return fb.EndVector(len(v))
}

func offsetVector(fb *flatbuffers.Builder, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	fb.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		fb.PrependUOffsetT(v[i])
	}
	return fb.EndVector(len(v))
}

// Finish writes the model.
func (b *Builder) Finish() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	fb := flatbuffers.NewBuilder(1024)

	bufs := make([]flatbuffers.UOffsetT, len(b.buffers))
	for i, data := range b.buffers {
		var dv flatbuffers.UOffsetT
		if data != nil { // constants carry a data vector, even an empty one
			fb.StartVector(1, len(data), 16)
			for j := len(data) - 1; j >= 0; j-- {
				fb.PrependByte(data[j])
			}
			dv = fb.EndVector(len(data))
		}
		tflite.BufferStart(fb)
		if data != nil {
			tflite.BufferAddData(fb, dv)
		}
		bufs[i] = tflite.BufferEnd(fb)
	}

	tens := make([]flatbuffers.UOffsetT, len(b.tensors))
	for i, t := range b.tensors {
		name := fb.CreateString(t.name)
		shape := int32Vector(fb, t.shape)
		var q flatbuffers.UOffsetT
		if t.quant != nil {
			tflite.QuantizationParametersStartScaleVector(fb, len(t.quant.Scale))
			for j := len(t.quant.Scale) - 1; j >= 0; j-- {
				fb.PrependFloat32(t.quant.Scale[j])
			}
			sv := fb.EndVector(len(t.quant.Scale))
			tflite.QuantizationParametersStartZeroPointVector(fb, len(t.quant.ZeroPoint))
			for j := len(t.quant.ZeroPoint) - 1; j >= 0; j-- {
				fb.PrependInt64(t.quant.ZeroPoint[j])
			}
			zv := fb.EndVector(len(t.quant.ZeroPoint))
			tflite.QuantizationParametersStart(fb)
			tflite.QuantizationParametersAddScale(fb, sv)
			tflite.QuantizationParametersAddZeroPoint(fb, zv)
			tflite.QuantizationParametersAddQuantizedDimension(fb, int32(t.quant.Dim))
			q = tflite.QuantizationParametersEnd(fb)
		}
		tflite.TensorStart(fb)
		tflite.TensorAddShape(fb, shape)
		tflite.TensorAddType(fb, tflite.TensorType(t.dtype))
		tflite.TensorAddBuffer(fb, uint32(t.buffer))
		tflite.TensorAddName(fb, name)
		if t.quant != nil {
			tflite.TensorAddQuantization(fb, q)
		}
		if t.variable {
			tflite.TensorAddIsVariable(fb, true)
		}
		tens[i] = tflite.TensorEnd(fb)
	}

	opOffsets := make([]flatbuffers.UOffsetT, len(b.ops))
	for i, op := range b.ops {
		in := int32Vector(fb, op.inputs)
		out := int32Vector(fb, op.outputs)
		var inter, custom, opts flatbuffers.UOffsetT
		var optType tflite.BuiltinOptions
		if len(op.intermediates) > 0 {
			inter = int32Vector(fb, op.intermediates)
		}
		if op.custom != nil {
			custom = fb.CreateByteVector(op.custom)
		}
		if op.options != nil {
			optType, opts = op.options.Encode(fb)
		}
		tflite.OperatorStart(fb)
		tflite.OperatorAddOpcodeIndex(fb, uint32(op.code))
		tflite.OperatorAddInputs(fb, in)
		tflite.OperatorAddOutputs(fb, out)
		if op.options != nil {
			tflite.OperatorAddBuiltinOptionsType(fb, optType)
			tflite.OperatorAddBuiltinOptions(fb, opts)
		}
		if op.custom != nil {
			tflite.OperatorAddCustomOptions(fb, custom)
		}
		if len(op.intermediates) > 0 {
			tflite.OperatorAddIntermediates(fb, inter)
		}
		opOffsets[i] = tflite.OperatorEnd(fb)
	}

	tv := offsetVector(fb, tens)
	iv := int32Vector(fb, b.inputs)
	ov := int32Vector(fb, b.outputs)
	opv := offsetVector(fb, opOffsets)
	sgName := fb.CreateString("main")
	tflite.SubGraphStart(fb)
	tflite.SubGraphAddTensors(fb, tv)
	tflite.SubGraphAddInputs(fb, iv)
	tflite.SubGraphAddOutputs(fb, ov)
	tflite.SubGraphAddOperators(fb, opv)
	tflite.SubGraphAddName(fb, sgName)
	sg := tflite.SubGraphEnd(fb)

	codes := make([]flatbuffers.UOffsetT, len(b.codes))
	for i, c := range b.codes {
		var cs flatbuffers.UOffsetT
		if c.custom != "" {
			cs = fb.CreateString(c.custom)
		}
		tflite.OperatorCodeStart(fb)
		dep := c.builtin
		if dep > tflite.BuiltinOperatorPLACEHOLDER_FOR_GREATER_OP_CODES {
			dep = tflite.BuiltinOperatorPLACEHOLDER_FOR_GREATER_OP_CODES
		}
		tflite.OperatorCodeAddDeprecatedBuiltinCode(fb, int8(dep))
		tflite.OperatorCodeAddBuiltinCode(fb, c.builtin)
		if c.custom != "" {
			tflite.OperatorCodeAddCustomCode(fb, cs)
		}
		tflite.OperatorCodeAddVersion(fb, 1)
		codes[i] = tflite.OperatorCodeEnd(fb)
	}

	desc := fb.CreateString(b.description)
	cv := offsetVector(fb, codes)
	sgv := offsetVector(fb, []flatbuffers.UOffsetT{sg})
	bv := offsetVector(fb, bufs)
	tflite.ModelStart(fb)
	tflite.ModelAddVersion(fb, 3)
	tflite.ModelAddOperatorCodes(fb, cv)
	tflite.ModelAddSubgraphs(fb, sgv)
	tflite.ModelAddDescription(fb, desc)
	tflite.ModelAddBuffers(fb, bv)
	m := tflite.ModelEnd(fb)
	fb.FinishWithFileIdentifier(m, []byte("TFL3"))
	return fb.FinishedBytes(), nil
}
