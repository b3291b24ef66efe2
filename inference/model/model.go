// Package model reads TensorFlow Lite flatbuffers into checked, Go-native
// descriptions of their graphs.
//
// Load verifies the whole flatbuffer against the TFLite schema before reading
// it (see inference/internal/fbverify), then checks every index, shape, type,
// buffer and quantization parameter the interpreter will rely on. A corrupt,
// truncated or hostile file gives an error that names what is wrong; Load
// never panics and never reads outside the file.
//
// Constant tensor data is not copied: Tensor.Data aliases the file's bytes,
// which the caller must therefore keep unchanged while the model is in use.
package model

import (
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Model is a loaded TFLite model.
type Model struct {
	Version     uint32
	Description string
	Subgraphs   []*Subgraph
	Size        int // bytes in the file
	// CopiedBytes counts constant bytes that had to be copied because the
	// file did not align them for their element type (normally 0).
	CopiedBytes int
	// Metadata names the model's metadata entries (e.g. "min_runtime_version").
	Metadata []string

	mem *mapping // LoadFile's file mapping; nil for Load
}

// Subgraph is one graph of a model; Subgraphs[0] is the one that runs.
type Subgraph struct {
	Name      string
	Tensors   []*Tensor
	Inputs    []int
	Outputs   []int
	Operators []*Operator
}

// Tensor describes one tensor of a subgraph.
type Tensor struct {
	Index          int
	Name           string
	Type           tensor.DType
	Shape          []int
	ShapeSignature []int // may hold -1 for dynamic dimensions; nil when absent
	Quant          *tensor.Quantization
	Data           []byte // constant data (aliases the file), nil when not constant
	IsVariable     bool
}

// Const reports whether the tensor holds constant data.
func (t *Tensor) Const() bool { return t.Data != nil }

// OpCode identifies an operator: a builtin code, or a custom name.
type OpCode struct {
	Builtin tflite.BuiltinOperator
	Custom  string // set when Builtin is CUSTOM
	Version int32
}

// Name returns the operator's name, e.g. "CONV_2D" or "CUSTOM:SignalFft".
func (c OpCode) Name() string {
	if c.Builtin == tflite.BuiltinOperatorCUSTOM {
		return "CUSTOM:" + c.Custom
	}
	return c.Builtin.String()
}

// Operator is one node of a subgraph.
type Operator struct {
	Index         int
	Code          OpCode
	Inputs        []int // -1 marks an omitted optional input
	Outputs       []int
	Intermediates []int
	// OptionsType is the type tag of the builtin options union.
	OptionsType tflite.BuiltinOptions
	// Options is the builtin options table (verified); empty when absent.
	Options       flatbuffers.Table
	CustomOptions []byte
}

// emptyTable is a valid flatbuffer table with no fields: every generated
// accessor on it returns the schema's default.
var emptyTable = []byte{
	4, 0, 4, 0, // vtable: 4 bytes, table of 4 bytes, no fields
	4, 0, 0, 0, // table at byte 4: soffset 4 back to the vtable
}

// BuiltinOptions returns the operator's options table when its type is want,
// an empty table (all defaults) when the operator has none, and an error
// when it carries options of another type.
func (op *Operator) BuiltinOptions(want tflite.BuiltinOptions) (flatbuffers.Table, error) {
	switch op.OptionsType {
	case want:
		return op.Options, nil
	case tflite.BuiltinOptionsNONE:
		return flatbuffers.Table{Bytes: emptyTable, Pos: 4}, nil
	}
	return flatbuffers.Table{}, fmt.Errorf("options are %s, want %s", op.OptionsType, want)
}
