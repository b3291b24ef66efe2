package model

import (
	"errors"
	"fmt"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference/internal/fbverify"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Limits bound what Load accepts, so that a hostile file cannot make the
// interpreter allocate without bound.
type Limits struct {
	MaxTensorBytes int // largest tensor (default 1 GiB, 256 MiB on 32-bit)
	MaxRank        int // most dimensions of a tensor (default 8)
	MaxTensors     int // most tensors in a subgraph (default 1,000,000)
	MaxOperators   int // most operators in a subgraph (default 1,000,000)
}

func (l *Limits) fill() {
	if l.MaxTensorBytes <= 0 {
		l.MaxTensorBytes = 1 << 30
		if math.MaxInt == math.MaxInt32 {
			l.MaxTensorBytes = 256 << 20
		}
	}
	if l.MaxRank <= 0 {
		l.MaxRank = 8
	}
	if l.MaxTensors <= 0 {
		l.MaxTensors = 1_000_000
	}
	if l.MaxOperators <= 0 {
		l.MaxOperators = 1_000_000
	}
}

// ErrInvalid is wrapped by every error Load returns for a malformed file.
var ErrInvalid = errors.New("invalid model")

// Load checks and reads a TFLite flatbuffer with default limits. The model
// keeps references into data, which must not change afterwards.
func Load(data []byte) (*Model, error) { return LoadWithLimits(data, Limits{}) }

// LoadWithLimits is Load with explicit limits.
func LoadWithLimits(data []byte, lim Limits) (m *Model, err error) {
	lim.fill()
	// Every table a well-formed file references is stored once and takes at
	// least four bytes, so more visits than that means offsets that point
	// back at shared tables to make the walk explode.
	vopt := fbverify.Options{Identifier: "TFL3", MaxTables: len(data)/4 + 64}
	if err := fbverify.Verify(data, tflite.Schema, vopt); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	// The verifier guarantees that no accessor below reads outside data. This
	// recover is a last line of defence that turns a verifier gap into an
	// error instead of a crash; the fuzz test treats reaching it as a failure.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: internal error reading the flatbuffer: %v", ErrInvalid, r)
		}
	}()
	l := &loader{data: data, lim: lim}
	return l.load()
}

type loader struct {
	data    []byte
	lim     Limits
	fb      *tflite.Model
	codes   []OpCode
	buffers [][]byte
	copied  int
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func (l *loader) load() (*Model, error) {
	l.fb = tflite.GetRootAsModel(l.data, 0)
	m := &Model{Version: l.fb.Version(), Description: string(l.fb.Description()), Size: len(l.data)}
	if m.Version != 3 {
		return nil, invalid("schema version %d is not supported (want 3)", m.Version)
	}
	if err := l.readCodes(); err != nil {
		return nil, err
	}
	if err := l.readBuffers(); err != nil {
		return nil, err
	}
	var md tflite.Metadata
	for i := 0; i < l.fb.MetadataLength(); i++ {
		if l.fb.Metadata(&md, i) {
			m.Metadata = append(m.Metadata, string(md.Name()))
		}
	}
	n := l.fb.SubgraphsLength()
	if n == 0 {
		return nil, invalid("model has no subgraphs")
	}
	var sg tflite.SubGraph
	for i := 0; i < n; i++ {
		l.fb.Subgraphs(&sg, i)
		s, err := l.readSubgraph(&sg, i)
		if err != nil {
			return nil, err
		}
		m.Subgraphs = append(m.Subgraphs, s)
	}
	m.CopiedBytes = l.copied
	return m, nil
}

func (l *loader) readCodes() error {
	var oc tflite.OperatorCode
	for i := 0; i < l.fb.OperatorCodesLength(); i++ {
		l.fb.OperatorCodes(&oc, i)
		// Builtin code = max(deprecated_builtin_code, builtin_code): older files
		// leave builtin_code at 0 (ADD) and put the code in the deprecated field.
		code := tflite.BuiltinOperator(oc.DeprecatedBuiltinCode())
		if bc := oc.BuiltinCode(); bc > code {
			code = bc
		}
		if code < 0 {
			return invalid("operator_codes[%d]: negative builtin code %d", i, code)
		}
		c := OpCode{Builtin: code, Version: oc.Version()}
		if code == tflite.BuiltinOperatorCUSTOM {
			c.Custom = string(oc.CustomCode())
			if c.Custom == "" {
				return invalid("operator_codes[%d]: custom operator without a name", i)
			}
		}
		l.codes = append(l.codes, c)
	}
	return nil
}

func (l *loader) readBuffers() error {
	var b tflite.Buffer
	for i := 0; i < l.fb.BuffersLength(); i++ {
		l.fb.Buffers(&b, i)
		data := b.DataBytes()
		if off, size := b.Offset(), b.Size(); off > 1 {
			// Large models keep buffer data after the flatbuffer, at a file offset.
			if len(data) != 0 {
				return invalid("buffers[%d]: has both inline data and an external offset", i)
			}
			if off > uint64(len(l.data)) || size > uint64(len(l.data))-off {
				return invalid("buffers[%d]: external data at offset %d, size %d, lies outside the %d-byte file", i, off, size, len(l.data))
			}
			data = l.data[off : off+size]
		}
		l.buffers = append(l.buffers, data)
	}
	return nil
}

func (l *loader) readSubgraph(sg *tflite.SubGraph, si int) (*Subgraph, error) {
	s := &Subgraph{Name: string(sg.Name())}
	nt := sg.TensorsLength()
	if nt > l.lim.MaxTensors {
		return nil, invalid("subgraph %d: %d tensors exceed the limit of %d", si, nt, l.lim.MaxTensors)
	}
	var t tflite.Tensor
	for i := 0; i < nt; i++ {
		sg.Tensors(&t, i)
		mt, err := l.readTensor(&t, i)
		if err != nil {
			return nil, fmt.Errorf("subgraph %d: %w", si, err)
		}
		s.Tensors = append(s.Tensors, mt)
	}
	var err error
	if s.Inputs, err = indices(sg.InputsLength(), sg.Inputs, nt, false); err != nil {
		return nil, invalid("subgraph %d: inputs: %v", si, err)
	}
	if s.Outputs, err = indices(sg.OutputsLength(), sg.Outputs, nt, false); err != nil {
		return nil, invalid("subgraph %d: outputs: %v", si, err)
	}
	no := sg.OperatorsLength()
	if no > l.lim.MaxOperators {
		return nil, invalid("subgraph %d: %d operators exceed the limit of %d", si, no, l.lim.MaxOperators)
	}
	var op tflite.Operator
	for i := 0; i < no; i++ {
		sg.Operators(&op, i)
		mo, err := l.readOperator(&op, i, nt)
		if err != nil {
			return nil, fmt.Errorf("subgraph %d: %w", si, err)
		}
		s.Operators = append(s.Operators, mo)
	}
	return s, nil
}

func (l *loader) readTensor(t *tflite.Tensor, i int) (*Tensor, error) {
	mt := &Tensor{Index: i, Name: string(t.Name()), Type: tensor.DType(t.Type()), IsVariable: t.IsVariable()}
	where := func(format string, args ...any) error {
		return invalid("tensor %d (%q): %s", i, mt.Name, fmt.Sprintf(format, args...))
	}
	if t.Sparsity(nil) != nil {
		return nil, where("sparse tensors are not supported")
	}
	rank := t.ShapeLength()
	if rank > l.lim.MaxRank {
		return nil, where("rank %d exceeds the limit of %d", rank, l.lim.MaxRank)
	}
	mt.Shape = make([]int, rank)
	for d := 0; d < rank; d++ {
		v := t.Shape(d)
		if v < 0 {
			return nil, where("dimension %d is %d", d, v)
		}
		mt.Shape[d] = int(v)
	}
	if n := t.ShapeSignatureLength(); n > 0 {
		if n != rank {
			return nil, where("shape_signature has %d dimensions, shape has %d", n, rank)
		}
		mt.ShapeSignature = make([]int, n)
		for d := 0; d < n; d++ {
			mt.ShapeSignature[d] = int(t.ShapeSignature(d))
		}
	}
	esize := mt.Type.Size()
	if esize == 0 {
		return nil, where("type %s is not supported", mt.Type)
	}
	// Element count, with overflow checks against the byte limit.
	bytes := esize
	for _, d := range mt.Shape {
		if d != 0 && bytes > l.lim.MaxTensorBytes/d {
			return nil, where("shape %v of %s is larger than the limit of %d bytes", mt.Shape, mt.Type, l.lim.MaxTensorBytes)
		}
		bytes *= d
	}
	if q := t.Quantization(nil); q != nil {
		quant, err := readQuant(q, mt.Shape)
		if err != nil {
			return nil, where("quantization: %v", err)
		}
		mt.Quant = quant
	}
	b := int(t.Buffer())
	if b >= len(l.buffers) && !(b == 0 && len(l.buffers) == 0) {
		return nil, where("buffer index %d out of range (%d buffers)", b, len(l.buffers))
	}
	if b > 0 && l.buffers[b] != nil && len(l.buffers[b]) == 0 && bytes == 0 {
		mt.Data = l.buffers[b] // a constant with no elements (e.g. an empty axis list)
	} else if b > 0 && len(l.buffers[b]) > 0 {
		data := l.buffers[b]
		if len(data) != bytes {
			return nil, where("buffer %d holds %d bytes, shape %v of %s needs %d", b, len(data), mt.Shape, mt.Type, bytes)
		}
		if !tensor.Aligned(data, esize) {
			aligned := tensor.AlignedBytes(len(data), 64)
			copy(aligned, data)
			data = aligned
			l.copied += len(data)
		}
		mt.Data = data
	}
	return mt, nil
}

func readQuant(q *tflite.QuantizationParameters, shape []int) (*tensor.Quantization, error) {
	ns, nz := q.ScaleLength(), q.ZeroPointLength()
	if ns == 0 && nz == 0 {
		return nil, nil // min/max only, or details we do not use: not quantized
	}
	if ns != nz {
		return nil, fmt.Errorf("%d scales but %d zero points", ns, nz)
	}
	qt := &tensor.Quantization{Scale: make([]float32, ns), ZeroPoint: make([]int64, nz), Dim: int(q.QuantizedDimension())}
	for i := 0; i < ns; i++ {
		s := q.Scale(i)
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) || s < 0 {
			return nil, fmt.Errorf("scale[%d] is %v", i, s)
		}
		qt.Scale[i] = s
		qt.ZeroPoint[i] = q.ZeroPoint(i)
	}
	if qt.Dim < 0 {
		return nil, fmt.Errorf("quantized_dimension is %d", qt.Dim)
	}
	if ns > 1 {
		switch {
		case qt.Dim < len(shape) && shape[qt.Dim] == ns:
		case len(shape) == 1 && shape[0] == ns:
			// 1-D per-channel biases whose quantized_dimension was copied from
			// the 4-D filter (person_detect.tflite): TFLite Micro ignores it.
			qt.Dim = 0
		default:
			return nil, fmt.Errorf("%d scales do not match dimension %d of shape %v", ns, qt.Dim, shape)
		}
	}
	return qt, nil
}

func indices(n int, at func(int) int32, numTensors int, optional bool) ([]int, error) {
	out := make([]int, n)
	for j := 0; j < n; j++ {
		v := int(at(j))
		if v == -1 && optional {
			out[j] = -1
			continue
		}
		if v < 0 || v >= numTensors {
			return nil, fmt.Errorf("[%d] = %d, out of range (%d tensors)", j, v, numTensors)
		}
		out[j] = v
	}
	return out, nil
}

func (l *loader) readOperator(op *tflite.Operator, i, nt int) (*Operator, error) {
	ci := int(op.OpcodeIndex())
	if ci >= len(l.codes) {
		return nil, invalid("operator %d: opcode_index %d out of range (%d operator codes)", i, ci, len(l.codes))
	}
	mo := &Operator{Index: i, Code: l.codes[ci], OptionsType: op.BuiltinOptionsType()}
	where := func(format string, args ...any) error {
		return invalid("operator %d (%s): %s", i, mo.Code.Name(), fmt.Sprintf(format, args...))
	}
	var err error
	if mo.Inputs, err = indices(op.InputsLength(), op.Inputs, nt, true); err != nil {
		return nil, where("inputs%v", err)
	}
	if mo.Outputs, err = indices(op.OutputsLength(), op.Outputs, nt, false); err != nil {
		return nil, where("outputs%v", err)
	}
	if mo.Intermediates, err = indices(op.IntermediatesLength(), op.Intermediates, nt, true); err != nil {
		return nil, where("intermediates%v", err)
	}
	if mo.OptionsType != tflite.BuiltinOptionsNONE {
		var tab flatbuffers.Table
		if !op.BuiltinOptions(&tab) {
			mo.OptionsType = tflite.BuiltinOptionsNONE
		} else {
			mo.Options = tab
		}
	}
	mo.CustomOptions = op.CustomOptionsBytes()
	if off, size := op.LargeCustomOptionsOffset(), op.LargeCustomOptionsSize(); off > 1 && size > 0 {
		if off > uint64(len(l.data)) || size > uint64(len(l.data))-off {
			return nil, where("large custom options at offset %d, size %d, lie outside the %d-byte file", off, size, len(l.data))
		}
		mo.CustomOptions = l.data[off : off+size]
	}
	return mo, nil
}
