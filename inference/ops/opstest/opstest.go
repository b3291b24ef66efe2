// Package opstest helps kernel tests build single-operator models, run them
// through the real loader and interpreter, and compare outputs.
package opstest

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Build finishes b, loads the model through the real loader and returns an
// interpreter that uses resolver r. Errors fail the test.
func Build(t testing.TB, b *builder.Builder, r *ops.Resolver) *inference.Interpreter {
	t.Helper()
	it, err := TryBuild(b, r)
	if err != nil {
		t.Fatalf("build interpreter: %v", err)
	}
	t.Cleanup(it.Close)
	return it
}

// TryBuild is Build returning the error instead of failing, for tests of
// Prepare's refusals.
func TryBuild(b *builder.Builder, r *ops.Resolver, opts ...inference.Options) (*inference.Interpreter, error) {
	data, err := b.Finish()
	if err != nil {
		return nil, err
	}
	m, err := model.Load(data)
	if err != nil {
		return nil, err
	}
	var o inference.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Resolver = r
	return inference.New(m, o)
}

// Set copies values into tensor t, which must have the matching element type.
func Set[T int8 | uint8 | int16 | int32 | int64 | float32 | bool](t testing.TB, dst *tensor.Tensor, values []T) {
	t.Helper()
	raw, err := binary.Append(nil, binary.LittleEndian, values)
	if err != nil {
		t.Fatalf("encode input: %v", err)
	}
	if len(raw) != len(dst.Data) {
		t.Fatalf("input %s holds %d bytes, got %d values (%d bytes)", dst, len(dst.Data), len(values), len(raw))
	}
	copy(dst.Data, raw)
}

// Invoke runs the interpreter and fails the test on error. It also checks
// that the run allocates nothing.
func Invoke(t testing.TB, it *inference.Interpreter) {
	t.Helper()
	if err := it.Invoke(); err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if a := testing.AllocsPerRun(3, func() { _ = it.Invoke() }); a != 0 {
		t.Errorf("Invoke allocated %v times per run, want 0", a)
	}
}

// QuantizeInt8 quantizes values as TFLite's tests do: round(x/scale)+zp, clamped.
func QuantizeInt8(values []float32, scale float32, zp int32) []int8 {
	out := make([]int8, len(values))
	for i, v := range values {
		q := int32(math.Round(float64(v/scale))) + zp
		out[i] = int8(max(-128, min(127, q)))
	}
	return out
}

// QuantizeInt16 quantizes values to int16 as TFLite's tests do.
func QuantizeInt16(values []float32, scale float32, zp int32) []int16 {
	out := make([]int16, len(values))
	for i, v := range values {
		q := int32(math.Round(float64(v/scale))) + zp
		out[i] = int16(max(-32768, min(32767, q)))
	}
	return out
}

// Equal fails the test when got and want differ, reporting the first few differences.
func Equal[T comparable](t testing.TB, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			if bad < 8 {
				t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 8 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(got))
	}
}

// Near fails the test when float values differ by more than tol.
func Near(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
			if bad < 8 {
				t.Errorf("%s[%d] = %v, want %v (±%v)", what, i, got[i], want[i], tol)
			}
			bad++
		}
	}
	if bad > 8 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(got))
	}
}

// WithinSteps fails the test when integer values differ by more than steps.
func WithinSteps[T int8 | int16 | int32](t testing.TB, what string, got, want []T, steps int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		d := int(got[i]) - int(want[i])
		if d < -steps || d > steps {
			if bad < 8 {
				t.Errorf("%s[%d] = %v, want %v (±%d)", what, i, got[i], want[i], steps)
			}
			bad++
		}
	}
	if bad > 8 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(got))
	}
}
