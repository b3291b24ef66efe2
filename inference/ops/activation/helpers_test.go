package activation_test

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/activation"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	activation.Register(r)
	return r
}

// io describes one tensor of a single-operator model.
type io struct {
	dt    tensor.DType
	shape []int
	q     *builder.Quant
}

func f32(shape ...int) io { return io{tensor.Float32, shape, nil} }

func i8(scale float32, zp int64, shape ...int) io {
	return io{tensor.Int8, shape, builder.PerTensor(scale, zp)}
}

func i16(scale float32, zp int64, shape ...int) io {
	return io{tensor.Int16, shape, builder.PerTensor(scale, zp)}
}

// model builds a one-operator model.
func model(code builder.Code, in, out io, opts builder.Options) *builder.Builder {
	b := builder.New()
	x := b.Tensor("in", in.dt, in.shape, in.q)
	y := b.Tensor("out", out.dt, out.shape, out.q)
	b.Op(code, []int{x}, []int{y}, opts)
	b.Inputs(x)
	b.Outputs(y)
	return b
}

// run builds the model, sets its input and invokes it.
func run[T int8 | int16 | float32](t *testing.T, code builder.Code, in, out io, opts builder.Options, input []T) *inference.Interpreter {
	t.Helper()
	it := opstest.Build(t, model(code, in, out, opts), resolver())
	opstest.Set(t, it.Input(0), input)
	opstest.Invoke(t, it)
	return it
}

// refuse checks that building the model fails with an error naming the
// operator and containing want.
func refuse(t *testing.T, code builder.Code, in, out io, opts builder.Options, want string) {
	t.Helper()
	_, err := opstest.TryBuild(model(code, in, out, opts), resolver())
	if err == nil || !strings.Contains(err.Error(), code.String()) || !strings.Contains(err.Error(), want) {
		t.Fatalf("TryBuild = %v, want an error from %s mentioning %q", err, code, want)
	}
}

// allInt8 returns the 256 int8 values in increasing order.
func allInt8() []int8 {
	v := make([]int8, 256)
	for i := range v {
		v[i] = int8(i - 128)
	}
	return v
}

// int16Sweep returns every step-th int16 value from the minimum, plus the
// maximum and zero.
func int16Sweep(step int) []int16 {
	var v []int16
	for q := math.MinInt16; q <= math.MaxInt16; q += step {
		v = append(v, int16(q))
	}
	return append(v, math.MaxInt16, 0)
}

// expect8 quantizes f(dequantized input) for every input, as the float
// reference the integer kernels are compared against.
func expect8(in []int8, inScale float32, inZP int32, outScale float32, outZP int32, f func(float64) float64) []int8 {
	out := make([]int8, len(in))
	for i, q := range in {
		x := float64(inScale) * float64(int32(q)-inZP)
		r := math.Round(f(x)/float64(outScale)) + float64(outZP)
		out[i] = int8(max(-128, min(127, r)))
	}
	return out
}

func expect16(in []int16, inScale float32, inZP int32, outScale float32, outZP int32, f func(float64) float64) []int16 {
	out := make([]int16, len(in))
	for i, q := range in {
		x := float64(inScale) * float64(int32(q)-inZP)
		r := math.Round(f(x)/float64(outScale)) + float64(outZP)
		out[i] = int16(max(-32768, min(32767, r)))
	}
	return out
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
