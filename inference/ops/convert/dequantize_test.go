package convert_test

import (
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// TFLite Micro's dequantize_test values: scale 0.5, so q = 2x + zp.
var dequantValues = []float32{-63.5, -63, -62.5, -62, -61.5, 62, 62.5, 63, 63.5, 64}

func TestDequantizeInt8(t *testing.T) {
	b := unary(builder.Dequantize, spec{tensor.Int8, []int{2, 5}, builder.PerTensor(0.5, -1)},
		spec{tensor.Float32, []int{2, 5}, nil}, builder.DequantizeOptions{})
	it := run(t, b, opstest.QuantizeInt8(dequantValues, 0.5, -1))
	opstest.Near(t, "output", it.Output(0).Float32(), dequantValues, 0)
}

func TestDequantizeInt16(t *testing.T) {
	b := unary(builder.Dequantize, spec{tensor.Int16, []int{2, 5}, builder.PerTensor(0.5, -1)},
		spec{tensor.Float32, []int{2, 5}, nil}, builder.DequantizeOptions{})
	it := run(t, b, opstest.QuantizeInt16(dequantValues, 0.5, -1))
	opstest.Near(t, "output", it.Output(0).Float32(), dequantValues, 0)

	// The extremes of int16 with a zero point: (-32768 - 100) * 2^-10.
	b = unary(builder.Dequantize, spec{tensor.Int16, []int{2}, builder.PerTensor(1.0/1024, 100)},
		spec{tensor.Float32, []int{2}, nil}, builder.DequantizeOptions{})
	it = run(t, b, []int16{-32768, 32767})
	opstest.Near(t, "extremes", it.Output(0).Float32(), []float32{-32868.0 / 1024, 32667.0 / 1024}, 0)
}

func TestDequantizeUint8(t *testing.T) {
	q := make([]uint8, len(dequantValues))
	for i, v := range dequantValues {
		q[i] = uint8(2*v + 127)
	}
	b := unary(builder.Dequantize, spec{tensor.Uint8, []int{2, 5}, builder.PerTensor(0.5, 127)},
		spec{tensor.Float32, []int{2, 5}, nil}, builder.DequantizeOptions{})
	it := run(t, b, q)
	opstest.Near(t, "output", it.Output(0).Float32(), dequantValues, 0)
}

func TestDequantizePerChannelConstant(t *testing.T) {
	b := builder.New()
	q := &builder.Quant{Scale: []float32{0.5, 2, 0.25}, ZeroPoint: []int64{0, 1, -4}, Dim: 1}
	w := b.Const("w", tensor.Int8, []int{2, 3}, q, []int8{2, 3, 4, -2, -3, -4})
	out := b.Tensor("out", tensor.Float32, []int{2, 3}, nil)
	b.Op(builder.Dequantize, []int{w}, []int{out}, builder.DequantizeOptions{})
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	opstest.Invoke(t, it)
	// Channel c = column: 0.5*x, 2*(x-1), 0.25*(x+4).
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{1, 4, 2, -1, -8, 0}, 0)
}

func TestDequantizeFloat16(t *testing.T) {
	b := unary(builder.Dequantize, spec{tensor.Float16, []int{7}, nil},
		spec{tensor.Float32, []int{7}, nil}, builder.DequantizeOptions{})
	it := opstest.Build(t, b, resolver())
	// 1, -2, 65504 (largest half), 2^-24 (smallest subnormal), 2^-14
	// (smallest normal), -0, +Inf.
	halves := []uint16{0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00}
	raw := it.Input(0).Data
	for i, h := range halves {
		raw[2*i], raw[2*i+1] = byte(h), byte(h>>8)
	}
	opstest.Invoke(t, it)
	got := it.Output(0).Float32()
	want := []float32{1, -2, 65504, 1.0 / (1 << 24), 1.0 / (1 << 14), 0, float32(math.Inf(1))}
	opstest.Equal(t, "output", got, want)
	if !math.Signbit(float64(got[5])) {
		t.Errorf("output[5] = %v, want -0", got[5])
	}
}

func TestDequantizePrepareRefusals(t *testing.T) {
	t.Run("float input", func(t *testing.T) {
		wantError(t, unary(builder.Dequantize, spec{tensor.Float32, []int{2}, nil}, spec{tensor.Float32, []int{2}, nil}, nil), "DEQUANTIZE", "FLOAT32")
	})
	t.Run("integer output", func(t *testing.T) {
		wantError(t, unary(builder.Dequantize, spec{tensor.Int8, []int{2}, builder.PerTensor(1, 0)}, spec{tensor.Int32, []int{2}, nil}, nil), "DEQUANTIZE", "INT32")
	})
	t.Run("not quantized", func(t *testing.T) {
		wantError(t, unary(builder.Dequantize, spec{tensor.Int8, []int{2}, nil}, spec{tensor.Float32, []int{2}, nil}, nil), "DEQUANTIZE", "not quantized")
	})
	t.Run("shape", func(t *testing.T) {
		wantError(t, unary(builder.Dequantize, spec{tensor.Int8, []int{2}, builder.PerTensor(1, 0)}, spec{tensor.Float32, []int{3}, nil}, nil), "DEQUANTIZE", "shape")
	})
}
