package reduce_test

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// argMaxModel builds a single ARG_MAX with a constant INT32 axis. A zero
// optType leaves the options table out.
func argMaxModel(dt tensor.DType, in, out []int, axis []int32, outType, optType tensor.DType) *builder.Builder {
	b := builder.New()
	var q *builder.Quant
	if dt == tensor.Int8 || dt == tensor.Int16 {
		q = builder.PerTensor(0.5, -1)
	}
	x := b.Tensor("in", dt, in, q)
	a := b.Const("axis", tensor.Int32, []int{len(axis)}, nil, axis)
	y := b.Tensor("out", outType, out, nil)
	var opts builder.Options
	if optType != 0 {
		opts = builder.ArgMaxOptions{OutputType: optType}
	}
	b.Op(builder.ArgMax, []int{x, a}, []int{y}, opts)
	b.Inputs(x)
	b.Outputs(y)
	return b
}

func buildArgMax(t *testing.T, dt tensor.DType, in, out []int, axis int32, outType tensor.DType) *inference.Interpreter {
	t.Helper()
	return opstest.Build(t, argMaxModel(dt, in, out, []int32{axis}, outType, outType), resolver())
}

func TestArgMaxFloatLastAxisTies(t *testing.T) {
	it := buildArgMax(t, tensor.Float32, []int{3, 3}, []int{3}, 1, tensor.Int32)
	opstest.Set(t, it.Input(0), []float32{
		1, 5, 5, // tie between 1 and 2: first wins
		7, 7, 7, // all equal: 0
		-3, -2, -1.5,
	})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int32(), []int32{1, 0, 2})
}

func TestArgMaxFloatFirstAxisNegative(t *testing.T) {
	// Axis -2 of [2,3] is axis 0: compare the two rows column by column.
	it := buildArgMax(t, tensor.Float32, []int{2, 3}, []int{3}, -2, tensor.Int64)
	opstest.Set(t, it.Input(0), []float32{1, 5, 5, 7, 5, 2})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int64(), []int64{1, 0, 0})
}

func TestArgMaxFloatNaNNeverWins(t *testing.T) {
	// TFLite Micro compares with a strict '>', so a NaN later in the line
	// is skipped; a NaN at index 0 is only kept when nothing compares above it.
	nan := float32(math.NaN())
	it := buildArgMax(t, tensor.Float32, []int{2, 3}, []int{2}, 1, tensor.Int32)
	opstest.Set(t, it.Input(0), []float32{1, nan, 0, nan, 2, 3})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int32(), []int32{0, 0})
}

func TestArgMaxInt8MiddleAxis(t *testing.T) {
	// [2,3,2] over axis 1: for each (a, c) the index b of the largest value.
	it := buildArgMax(t, tensor.Int8, []int{2, 3, 2}, []int{2, 2}, 1, tensor.Int64)
	opstest.Set(t, it.Input(0), []int8{
		-128, 0, // b=0
		-128, 1, // b=1
		-127, 1, // b=2
		127, -5, // a=1
		127, -5,
		-1, -4,
	})
	opstest.Invoke(t, it)
	// (0,0): -127 at 2. (0,1): 1 first at 1. (1,0): 127 first at 0. (1,1): -4 at 2.
	opstest.Equal(t, "output", it.Output(0).Int64(), []int64{2, 1, 0, 2})
}

func TestArgMaxInt16AndInt32(t *testing.T) {
	it := buildArgMax(t, tensor.Int16, []int{1, 4}, []int{1}, -1, tensor.Int32)
	opstest.Set(t, it.Input(0), []int16{-32768, 32767, -1, 32767})
	opstest.Invoke(t, it)
	opstest.Equal(t, "int16 output", it.Output(0).Int32(), []int32{1})

	it = buildArgMax(t, tensor.Int32, []int{4}, []int{}, 0, tensor.Int64)
	opstest.Set(t, it.Input(0), []int32{math.MinInt32, -7, math.MaxInt32, 3})
	opstest.Invoke(t, it)
	opstest.Equal(t, "int32 output", it.Output(0).Int64(), []int64{2})
}

func TestArgMaxWithoutOptionsUsesOutputType(t *testing.T) {
	b := argMaxModel(tensor.Float32, []int{2, 2}, []int{2}, []int32{1}, tensor.Int64, 0)
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), []float32{0, 1, 1, 0})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int64(), []int64{1, 0})
}

func TestArgMaxPrepareRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    *builder.Builder
		want string
	}{
		{"output type option mismatch", argMaxModel(tensor.Float32, []int{2, 3}, []int{2}, []int32{1}, tensor.Int32, tensor.Int64), "output_type"},
		{"unsupported output type option", argMaxModel(tensor.Float32, []int{2, 3}, []int{2}, []int32{1}, tensor.Int32, tensor.Int16), "output_type"},
		{"float output", argMaxModel(tensor.Float32, []int{2, 3}, []int{2}, []int32{1}, tensor.Float32, 0), "FLOAT32"},
		{"kept axis", argMaxModel(tensor.Float32, []int{2, 3}, []int{2, 1}, []int32{1}, tensor.Int32, tensor.Int32), "shape"},
		{"two axes", argMaxModel(tensor.Float32, []int{2, 3}, []int{2}, []int32{1, 0}, tensor.Int32, tensor.Int32), "want 1"},
		{"axis out of range", argMaxModel(tensor.Float32, []int{2, 3}, []int{2}, []int32{2}, tensor.Int32, tensor.Int32), "axis 2"},
		{"bool input", argMaxModel(tensor.Bool, []int{2, 3}, []int{2}, []int32{1}, tensor.Int32, tensor.Int32), "BOOL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := opstest.TryBuild(tc.b, resolver())
			if err == nil || !strings.Contains(err.Error(), "ARG_MAX") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("TryBuild = %v, want an ARG_MAX error mentioning %q", err, tc.want)
			}
		})
	}
}
