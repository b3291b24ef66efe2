package convert

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// castTypes are the element types CAST converts between.
var castTypes = []tensor.DType{
	tensor.Bool, tensor.Int8, tensor.Uint8, tensor.Int16, tensor.Int32,
	tensor.Uint32, tensor.Int64, tensor.Float32,
}

// Cast implements CAST between BOOL, INT8, UINT8, INT16, INT32, UINT32,
// INT64 and FLOAT32 with C++ static_cast semantics where those are defined:
//
//   - integer to integer keeps the low bits (narrowing wraps, widening
//     sign- or zero-extends);
//   - integer to float32 rounds to nearest even;
//   - float32 to integer truncates toward zero;
//   - anything to BOOL is x != 0 (NaN gives true); BOOL gives 0 or 1.
//
// Where static_cast is undefined — a float32 whose truncation does not fit
// the integer type, or NaN — the result is defined here as saturation to
// the type's range, and 0 for NaN. (x86 and Arm disagree on these cases.)
type Cast struct {
	in, out *tensor.Tensor
}

// Prepare implements ops.Kernel.
func (k *Cast) Prepare(n *ops.Node) error {
	in, out, err := checkUnary(n)
	if err != nil {
		return err
	}
	if err := n.CheckType("input", in, castTypes...); err != nil {
		return err
	}
	if err := n.CheckType("output", out, castTypes...); err != nil {
		return err
	}
	k.in, k.out = in, out
	return nil
}

// Eval implements ops.Kernel.
func (k *Cast) Eval(n *ops.Node) error {
	switch k.in.Type {
	case tensor.Bool:
		// Normalise bytes to 0 or 1 so that every output sees a clean bool.
		castFromBool(k.in.Uint8(), k.out)
	case tensor.Int8:
		castFromInt(k.in.Int8(), k.out)
	case tensor.Uint8:
		castFromInt(k.in.Uint8(), k.out)
	case tensor.Int16:
		castFromInt(k.in.Int16(), k.out)
	case tensor.Int32:
		castFromInt(k.in.Int32(), k.out)
	case tensor.Uint32:
		castFromInt(k.in.Uint32(), k.out)
	case tensor.Int64:
		castFromInt(k.in.Int64(), k.out)
	case tensor.Float32:
		castFromFloat(k.in.Float32(), k.out)
	}
	return nil
}

type integer interface {
	int8 | uint8 | int16 | int32 | uint32 | int64
}

type number interface {
	integer | float32
}

func castFromInt[I integer](src []I, out *tensor.Tensor) {
	switch out.Type {
	case tensor.Bool:
		dst := out.Bool()
		for i, v := range src {
			dst[i] = v != 0
		}
	case tensor.Int8:
		convert(src, out.Int8())
	case tensor.Uint8:
		convert(src, out.Uint8())
	case tensor.Int16:
		convert(src, out.Int16())
	case tensor.Int32:
		convert(src, out.Int32())
	case tensor.Uint32:
		convert(src, out.Uint32())
	case tensor.Int64:
		convert(src, out.Int64())
	case tensor.Float32:
		convert(src, out.Float32())
	}
}

// convert applies Go's conversion, which for integer sources is C++'s
// static_cast: integers wrap, floats round to nearest even.
func convert[I integer, O number](src []I, dst []O) {
	for i, v := range src {
		dst[i] = O(v)
	}
}

func castFromBool(src []uint8, out *tensor.Tensor) {
	if out.Type == tensor.Bool {
		dst := out.Uint8()
		for i, v := range src {
			dst[i] = boolByte(v)
		}
		return
	}
	switch out.Type {
	case tensor.Int8:
		fromBool(src, out.Int8())
	case tensor.Uint8:
		fromBool(src, out.Uint8())
	case tensor.Int16:
		fromBool(src, out.Int16())
	case tensor.Int32:
		fromBool(src, out.Int32())
	case tensor.Uint32:
		fromBool(src, out.Uint32())
	case tensor.Int64:
		fromBool(src, out.Int64())
	case tensor.Float32:
		fromBool(src, out.Float32())
	}
}

func boolByte(v uint8) uint8 {
	if v != 0 {
		return 1
	}
	return 0
}

func fromBool[O number](src []uint8, dst []O) {
	for i, v := range src {
		dst[i] = O(boolByte(v))
	}
}

func castFromFloat(src []float32, out *tensor.Tensor) {
	switch out.Type {
	case tensor.Bool:
		dst := out.Bool()
		for i, v := range src {
			dst[i] = v != 0
		}
	case tensor.Int8:
		truncate(src, out.Int8(), math.MinInt8, 1<<7, math.MaxInt8)
	case tensor.Uint8:
		truncate(src, out.Uint8(), 0, 1<<8, math.MaxUint8)
	case tensor.Int16:
		truncate(src, out.Int16(), math.MinInt16, 1<<15, math.MaxInt16)
	case tensor.Int32:
		truncate(src, out.Int32(), math.MinInt32, 1<<31, math.MaxInt32)
	case tensor.Uint32:
		truncate(src, out.Uint32(), 0, 1<<32, math.MaxUint32)
	case tensor.Int64:
		truncate(src, out.Int64(), math.MinInt64, 1<<63, math.MaxInt64)
	case tensor.Float32:
		copy(out.Float32(), src)
	}
}

// truncate converts floats to an integer type whose range is [lo, end)
// and whose largest value is maxV: truncation toward zero, saturating
// outside the range, NaN to 0. lo and end are powers of two (or 0), exact
// in float64, so the comparisons are exact.
func truncate[O integer](src []float32, dst []O, lo, end float64, maxV O) {
	for i, v := range src {
		t := math.Trunc(float64(v))
		switch {
		case t != t:
			dst[i] = 0
		case t < lo:
			dst[i] = O(int64(lo))
		case t >= end:
			dst[i] = maxV
		default:
			dst[i] = O(int64(t))
		}
	}
}
