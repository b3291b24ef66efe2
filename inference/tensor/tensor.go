// Package tensor defines the tensors the interpreter and its kernels share:
// element types, shapes, quantization parameters and typed views of the bytes.
//
// A Tensor's bytes are either a constant buffer of the model file, used in
// place, or a slice of the interpreter's arena. The typed views (Int8,
// Float32, ...) reinterpret those bytes without copying or allocating; the
// interpreter guarantees that every tensor's bytes are aligned for its type.
// Data is little-endian, as in the TFLite file format; edge-agent targets
// little-endian CPUs only (amd64, arm64, arm).
package tensor

import (
	"fmt"
	"strings"
	"unsafe"
)

// DType is an element type. Its values are those of the TFLite schema's TensorType.
type DType int8

// The element types of the TFLite schema.
const (
	Float32    DType = 0
	Float16    DType = 1
	Int32      DType = 2
	Uint8      DType = 3
	Int64      DType = 4
	String     DType = 5
	Bool       DType = 6
	Int16      DType = 7
	Complex64  DType = 8
	Int8       DType = 9
	Float64    DType = 10
	Complex128 DType = 11
	Uint64     DType = 12
	Resource   DType = 13
	Variant    DType = 14
	Uint32     DType = 15
	Uint16     DType = 16
	Int4       DType = 17
	BFloat16   DType = 18
)

var dtypeNames = map[DType]string{
	Float32: "FLOAT32", Float16: "FLOAT16", Int32: "INT32", Uint8: "UINT8", Int64: "INT64",
	String: "STRING", Bool: "BOOL", Int16: "INT16", Complex64: "COMPLEX64", Int8: "INT8",
	Float64: "FLOAT64", Complex128: "COMPLEX128", Uint64: "UINT64", Resource: "RESOURCE",
	Variant: "VARIANT", Uint32: "UINT32", Uint16: "UINT16", Int4: "INT4", BFloat16: "BFLOAT16",
}

func (d DType) String() string {
	if s, ok := dtypeNames[d]; ok {
		return s
	}
	return fmt.Sprintf("TYPE(%d)", int(d))
}

// Size returns the size of one element in bytes, or 0 for types the
// interpreter cannot hold in a tensor (strings, resources, packed 4-bit ...).
func (d DType) Size() int {
	switch d {
	case Int8, Uint8, Bool:
		return 1
	case Int16, Uint16, Float16, BFloat16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Int64, Uint64, Float64, Complex64:
		return 8
	case Complex128:
		return 16
	}
	return 0
}

// Quantization holds affine quantization parameters: real = Scale * (q - ZeroPoint).
// Per-channel tensors carry one scale and zero point per index of dimension Dim.
type Quantization struct {
	Scale     []float32
	ZeroPoint []int64
	Dim       int
}

// PerTensor reports whether q holds exactly one scale.
func (q *Quantization) PerTensor() bool { return q != nil && len(q.Scale) == 1 }

// Tensor is one tensor of a model.
type Tensor struct {
	Index    int    // index in the subgraph's tensor list
	Name     string // name from the model file
	Type     DType
	Shape    []int
	Quant    *Quantization // nil when the tensor is not quantized
	Const    bool          // Data is a constant buffer of the model file
	Variable bool          // state kept across invocations (LSTM, SVDF)
	Data     []byte        // little-endian element bytes; set once memory is planned
}

// NumElements returns the product of the dimensions (1 for a scalar).
func (t *Tensor) NumElements() int { return NumElements(t.Shape) }

// Bytes returns the tensor's size in bytes.
func (t *Tensor) Bytes() int { return t.NumElements() * t.Type.Size() }

// Rank returns the number of dimensions.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Dim returns dimension i, or 1 when i is out of range (as for broadcasting).
func (t *Tensor) Dim(i int) int {
	if i < 0 || i >= len(t.Shape) {
		return 1
	}
	return t.Shape[i]
}

// Scale returns the first quantization scale, or 0 when not quantized.
func (t *Tensor) Scale() float32 {
	if t.Quant == nil || len(t.Quant.Scale) == 0 {
		return 0
	}
	return t.Quant.Scale[0]
}

// ZeroPoint returns the first zero point, or 0 when not quantized.
func (t *Tensor) ZeroPoint() int32 {
	if t.Quant == nil || len(t.Quant.ZeroPoint) == 0 {
		return 0
	}
	return int32(t.Quant.ZeroPoint[0])
}

// String describes the tensor, e.g. `"conv1" INT8[1 96 96 8]`.
func (t *Tensor) String() string {
	return fmt.Sprintf("%q %s%v", t.Name, t.Type, t.Shape)
}

// NumElements returns the product of shape's dimensions (1 for an empty shape).
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// SameShape reports whether a and b have the same dimensions.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ShapeString formats a shape as "[1 2 3]".
func ShapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(']')
	return b.String()
}

func view[T any](b []byte) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) < size {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)
}

// Int8 views the data as int8 values.
func (t *Tensor) Int8() []int8 { return view[int8](t.Data) }

// Uint8 views the data as uint8 values.
func (t *Tensor) Uint8() []uint8 { return t.Data }

// Bool views the data as bool values (one byte each, 0 or 1).
func (t *Tensor) Bool() []bool { return view[bool](t.Data) }

// Int16 views the data as int16 values.
func (t *Tensor) Int16() []int16 { return view[int16](t.Data) }

// Uint16 views the data as uint16 values.
func (t *Tensor) Uint16() []uint16 { return view[uint16](t.Data) }

// Int32 views the data as int32 values.
func (t *Tensor) Int32() []int32 { return view[int32](t.Data) }

// Uint32 views the data as uint32 values.
func (t *Tensor) Uint32() []uint32 { return view[uint32](t.Data) }

// Int64 views the data as int64 values.
func (t *Tensor) Int64() []int64 { return view[int64](t.Data) }

// Uint64 views the data as uint64 values.
func (t *Tensor) Uint64() []uint64 { return view[uint64](t.Data) }

// Float32 views the data as float32 values.
func (t *Tensor) Float32() []float32 { return view[float32](t.Data) }

// Float64 views the data as float64 values.
func (t *Tensor) Float64() []float64 { return view[float64](t.Data) }

// Aligned reports whether b's first byte is aligned to n bytes.
func Aligned(b []byte, n int) bool {
	if len(b) == 0 || n <= 1 {
		return true
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))%uintptr(n) == 0
}

// AlignedBytes returns a zeroed slice of n bytes whose first byte is aligned to align bytes.
func AlignedBytes(n, align int) []byte {
	if align < 8 {
		align = 8
	}
	buf := make([]byte, n+align)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % uintptr(align)); r != 0 {
		off = align - r
	}
	return buf[off : off+n : off+n]
}
