package shape_test

import (
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/ops/shape"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	shape.Register(r)
	return r
}

// build finishes a one-operator model with the given graph inputs and
// outputs and returns its interpreter.
func build(t *testing.T, b *builder.Builder, ins, outs []int) *inference.Interpreter {
	t.Helper()
	b.Inputs(ins...)
	b.Outputs(outs...)
	return opstest.Build(t, b, resolver())
}

// refused checks that building fails with an error naming op and holding want.
func refused(t *testing.T, b *builder.Builder, ins, outs []int, op, want string) {
	t.Helper()
	b.Inputs(ins...)
	b.Outputs(outs...)
	_, err := opstest.TryBuild(b, resolver())
	if err == nil || !strings.Contains(err.Error(), op) || !strings.Contains(err.Error(), want) {
		t.Fatalf("TryBuild = %v, want an error from %s mentioning %q", err, op, want)
	}
}

// allTypes lists element types of every size the interpreter holds, with
// the usual TFLite types first.
var allTypes = []tensor.DType{
	tensor.Bool, tensor.Int8, tensor.Uint8, tensor.Int16, tensor.Int32, tensor.Int64, tensor.Float32,
	tensor.Float16, tensor.Float64, tensor.Complex128,
}

// fillPattern gives every element of t distinct bytes derived from its index,
// so that a misplaced element shows up whatever the element size.
func fillPattern(t *tensor.Tensor) {
	es := t.Type.Size()
	for i := 0; i < t.NumElements(); i++ {
		for j := 0; j < es; j++ {
			t.Data[i*es+j] = byte(i*7 + j*31 + 1)
		}
		if t.Type == tensor.Bool {
			t.Data[i] = byte(i % 2)
		}
	}
}

// checkGather checks that output element i holds input element src[i]
// (or the byte pattern pad when src[i] < 0).
func checkGather(t *testing.T, in, out *tensor.Tensor, src []int, pad []byte) {
	t.Helper()
	es := in.Type.Size()
	if out.NumElements() != len(src) {
		t.Fatalf("output has %d elements, want %d", out.NumElements(), len(src))
	}
	bad := 0
	for i, s := range src {
		want := pad
		if s >= 0 {
			want = in.Data[s*es : (s+1)*es]
		}
		if got := out.Data[i*es : (i+1)*es]; string(got) != string(want) {
			if bad < 5 {
				t.Errorf("%s: element %d = % x, want % x (source %d)", out.Type, i, got, want, s)
			}
			bad++
		}
	}
}

// seq returns 0, 1, ..., n-1 as T.
func seq[T int8 | uint8 | int16 | int32 | int64 | float32](n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = T(i)
	}
	return out
}
