// Package ops holds the interpreter's kernels, one operator per file, and the
// Resolver that maps a model's operator codes to them.
//
// Each kernel has two stages, as in TensorFlow Lite Micro:
//   - Prepare runs once, when the interpreter is built. It checks the types
//     and shapes of the node's tensors (output shapes come from the model
//     file and must agree with the inputs), reads the operator's options and
//     computes everything that does not depend on tensor values: quantized
//     multipliers, lookup tables, index strides. It may ask for scratch memory.
//   - Eval runs the operator on the current tensor data. It must not allocate.
//
// Integer kernels follow TFLite's reference kernels operation for operation,
// so their outputs are bit-identical; float kernels follow the same order of
// accumulation where it is cheap to do so. Every SIMD kernel path (Node.Kernels)
// gives the bytes of the plain-Go path: for FULLY_CONNECTED, CONV_2D and the
// LSTM in float32 too, on every architecture, since products and sums are
// rounded separately in a fixed order (never fused) and NaNs are made
// canonical (inference/internal/fgemm).
package ops

import (
	"fmt"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/parallel"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Kernel runs one operator node.
type Kernel interface {
	// Prepare checks the node and precomputes what Eval needs.
	Prepare(n *Node) error
	// Eval computes the node's outputs from its inputs. It must not allocate.
	Eval(n *Node) error
}

// Node is one operator instance with its tensors.
type Node struct {
	Op            *model.Operator
	Inputs        []*tensor.Tensor // nil entries for omitted optional inputs
	Outputs       []*tensor.Tensor
	Intermediates []*tensor.Tensor
	// Pool runs independent ranges of work in parallel; nil means one thread.
	Pool *parallel.Pool
	// Kernels is the kernel path: the plain-Go reference kernels
	// (gemm.Generic, or "") or a SIMD path of this CPU whose packed
	// kernels the operators that have one use.
	Kernels gemm.Path
	// Discard, when set, is told about a constant a kernel packed into its
	// own layout at Prepare and will not read again: a model mapped from
	// its file drops those pages from memory.
	Discard func(t *tensor.Tensor)
	// InputPad, when set, pads the node's first input: the interpreter
	// folded a PAD operator into this node (a convolution), which must
	// then read Inputs[0] as if padded by these amounts with its zero
	// point. Only the kernels that accept it (CONV_2D and
	// DEPTHWISE_CONV_2D, int8) are given one.
	InputPad *InputPad

	scratchSizes []int
	scratch      [][]byte
}

// InputPad is the padding of a node's first input, in rows and columns.
type InputPad struct {
	Top, Bottom, Left, Right int
}

// Name returns the operator's name, e.g. "CONV_2D".
func (n *Node) Name() string { return n.Op.Code.Name() }

// Input returns input i, or nil when it is omitted or out of range.
func (n *Node) Input(i int) *tensor.Tensor {
	if i < 0 || i >= len(n.Inputs) {
		return nil
	}
	return n.Inputs[i]
}

// Output returns output i, or nil when out of range.
func (n *Node) Output(i int) *tensor.Tensor {
	if i < 0 || i >= len(n.Outputs) {
		return nil
	}
	return n.Outputs[i]
}

// Errorf returns an error that names the node.
func (n *Node) Errorf(format string, args ...any) error {
	return fmt.Errorf("operator %d (%s): %s", n.Op.Index, n.Name(), fmt.Sprintf(format, args...))
}

// RequestScratch asks, during Prepare, for size bytes of scratch memory that
// is valid during Eval only. It returns the handle to pass to Scratch.
func (n *Node) RequestScratch(size int) int {
	n.scratchSizes = append(n.scratchSizes, size)
	return len(n.scratchSizes) - 1
}

// ScratchSizes returns the sizes requested during Prepare.
func (n *Node) ScratchSizes() []int { return n.scratchSizes }

// SetScratch gives the node its scratch buffers, in request order. The
// interpreter calls it after planning memory.
func (n *Node) SetScratch(bufs [][]byte) { n.scratch = bufs }

// Scratch returns the scratch buffer with handle h.
func (n *Node) Scratch(h int) []byte { return n.scratch[h] }

// CheckIO checks the number of inputs (counting omitted ones) and outputs.
func (n *Node) CheckIO(minIn, maxIn, outs int) error {
	if len(n.Inputs) < minIn || len(n.Inputs) > maxIn {
		if minIn == maxIn {
			return n.Errorf("has %d inputs, want %d", len(n.Inputs), minIn)
		}
		return n.Errorf("has %d inputs, want %d to %d", len(n.Inputs), minIn, maxIn)
	}
	for i := 0; i < minIn; i++ {
		if n.Inputs[i] == nil {
			return n.Errorf("required input %d is missing", i)
		}
	}
	if outs >= 0 && len(n.Outputs) != outs {
		return n.Errorf("has %d outputs, want %d", len(n.Outputs), outs)
	}
	return nil
}

// Options reads the node's builtin options table of type want into dst,
// which must be a pointer to the generated type for that table (for example
// *tflite.Conv2DOptions). A node without options reads as all defaults.
func Options[T any, PT interface {
	*T
	Init([]byte, flatbuffers.UOffsetT)
}](n *Node, want tflite.BuiltinOptions) (PT, error) {
	tab, err := n.Op.BuiltinOptions(want)
	if err != nil {
		return nil, n.Errorf("%v", err)
	}
	var v PT = new(T)
	v.Init(tab.Bytes, tab.Pos)
	return v, nil
}

// Factory makes a new kernel instance for one node.
type Factory func() Kernel

// Resolver maps operator codes to kernels. Register only the operators an
// application needs and the linker leaves the others out.
type Resolver struct {
	builtins map[tflite.BuiltinOperator]Factory
	custom   map[string]Factory
}

// NewResolver returns an empty resolver.
func NewResolver() *Resolver {
	return &Resolver{builtins: map[tflite.BuiltinOperator]Factory{}, custom: map[string]Factory{}}
}

// AddBuiltin registers the kernel for a builtin operator.
func (r *Resolver) AddBuiltin(code tflite.BuiltinOperator, f Factory) { r.builtins[code] = f }

// AddCustom registers the kernel for a custom operator name.
func (r *Resolver) AddCustom(name string, f Factory) { r.custom[name] = f }

// Lookup returns the factory for an operator code.
func (r *Resolver) Lookup(c model.OpCode) (Factory, bool) {
	if c.Builtin == tflite.BuiltinOperatorCUSTOM {
		f, ok := r.custom[c.Custom]
		return f, ok
	}
	f, ok := r.builtins[c.Builtin]
	return f, ok
}
