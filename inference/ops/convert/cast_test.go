package convert_test

import (
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func castModel(from, to tensor.DType, n int) *builder.Builder {
	return unary(builder.Cast, spec{from, []int{n}, nil}, spec{to, []int{n}, nil},
		builder.CastOptions{InDataType: from, OutDataType: to})
}

// The audio preprocessor's casts.
func TestCastAudioPreprocessor(t *testing.T) {
	t.Run("int16 to int32", func(t *testing.T) {
		it := run(t, castModel(tensor.Int16, tensor.Int32, 3), []int16{-32768, -1, 32767})
		opstest.Equal(t, "output", it.Output(0).Int32(), []int32{-32768, -1, 32767})
	})
	t.Run("int32 to int8 wraps", func(t *testing.T) {
		it := run(t, castModel(tensor.Int32, tensor.Int8, 5), []int32{5, 300, -129, 128, -1})
		// Low 8 bits: 300 = 0x12c -> 0x2c = 44; -129 -> 127; 128 -> -128.
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{5, 44, 127, -128, -1})
	})
	t.Run("int32 to uint32 and back", func(t *testing.T) {
		it := run(t, castModel(tensor.Int32, tensor.Uint32, 3), []int32{-1, math.MinInt32, 7})
		opstest.Equal(t, "output", it.Output(0).Uint32(), []uint32{math.MaxUint32, 1 << 31, 7})
		it = opstest.Build(t, castModel(tensor.Uint32, tensor.Int32, 3), resolver())
		copy(it.Input(0).Uint32(), []uint32{math.MaxUint32, 1 << 31, 7})
		opstest.Invoke(t, it)
		opstest.Equal(t, "back", it.Output(0).Int32(), []int32{-1, math.MinInt32, 7})
	})
}

func TestCastFloatToInt(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	in := []float32{2.7, -2.7, 0.5, -0.5, 3e9, -3e9, nan, inf, -inf}
	t.Run("int32", func(t *testing.T) {
		it := run(t, castModel(tensor.Float32, tensor.Int32, len(in)), in)
		// Truncation toward zero; out of range saturates; NaN gives 0.
		opstest.Equal(t, "output", it.Output(0).Int32(), []int32{2, -2, 0, 0, math.MaxInt32, math.MinInt32, 0, math.MaxInt32, math.MinInt32})
	})
	t.Run("int8", func(t *testing.T) {
		it := run(t, castModel(tensor.Float32, tensor.Int8, 6), []float32{127.9, -128.9, 128, -129, 200, -1.5})
		opstest.Equal(t, "output", it.Output(0).Int8(), []int8{127, -128, 127, -128, 127, -1})
	})
	t.Run("uint8", func(t *testing.T) {
		it := run(t, castModel(tensor.Float32, tensor.Uint8, 4), []float32{-1, -0.9, 255.9, 300})
		opstest.Equal(t, "output", it.Output(0).Uint8(), []uint8{0, 0, 255, 255})
	})
	t.Run("uint32", func(t *testing.T) {
		it := run(t, castModel(tensor.Float32, tensor.Uint32, 4), []float32{-5, 4294967040, 5e9, 1.5})
		opstest.Equal(t, "output", it.Output(0).Uint32(), []uint32{0, 4294967040, math.MaxUint32, 1})
	})
	t.Run("int64", func(t *testing.T) {
		it := run(t, castModel(tensor.Float32, tensor.Int64, 4), []float32{-3e9, 1e19, -1e19, 9.5})
		opstest.Equal(t, "output", it.Output(0).Int64(), []int64{-3000000000, math.MaxInt64, math.MinInt64, 9})
	})
	t.Run("int16", func(t *testing.T) {
		it := run(t, castModel(tensor.Float32, tensor.Int16, 3), []float32{-32768.5, 32767.5, 40000})
		opstest.Equal(t, "output", it.Output(0).Int16(), []int16{-32768, 32767, 32767})
	})
}

func TestCastIntToFloat(t *testing.T) {
	// 2^24 + 1 is not a float32: it rounds to even, 2^24.
	it := run(t, castModel(tensor.Int32, tensor.Float32, 3), []int32{1<<24 + 1, 1<<24 + 3, -7})
	opstest.Equal(t, "output", it.Output(0).Float32(), []float32{1 << 24, 1<<24 + 4, -7})
	it = run(t, castModel(tensor.Int64, tensor.Float32, 2), []int64{math.MinInt64, 1 << 40})
	opstest.Equal(t, "int64", it.Output(0).Float32(), []float32{-(1 << 63), 1 << 40})
}

func TestCastBool(t *testing.T) {
	it := run(t, castModel(tensor.Float32, tensor.Bool, 4), []float32{0, float32(math.Copysign(0, -1)), 0.1, float32(math.NaN())})
	opstest.Equal(t, "float to bool", it.Output(0).Bool(), []bool{false, false, true, true})
	it = run(t, castModel(tensor.Int16, tensor.Bool, 3), []int16{0, -1, 256})
	opstest.Equal(t, "int16 to bool", it.Output(0).Bool(), []bool{false, true, true})
	it = run(t, castModel(tensor.Bool, tensor.Float32, 2), []bool{true, false})
	opstest.Equal(t, "bool to float", it.Output(0).Float32(), []float32{1, 0})
	it = run(t, castModel(tensor.Bool, tensor.Int64, 2), []bool{true, false})
	opstest.Equal(t, "bool to int64", it.Output(0).Int64(), []int64{1, 0})
	it = run(t, castModel(tensor.Bool, tensor.Bool, 2), []bool{true, false})
	opstest.Equal(t, "bool to bool", it.Output(0).Bool(), []bool{true, false})
}

func TestCastIntWidenAndNarrow(t *testing.T) {
	it := run(t, castModel(tensor.Int8, tensor.Uint8, 2), []int8{-1, 5})
	opstest.Equal(t, "int8 to uint8", it.Output(0).Uint8(), []uint8{255, 5})
	it = run(t, castModel(tensor.Uint8, tensor.Int16, 2), []uint8{255, 5})
	opstest.Equal(t, "uint8 to int16", it.Output(0).Int16(), []int16{255, 5})
	it = run(t, castModel(tensor.Int64, tensor.Int16, 2), []int64{1<<40 + 65535, -65537})
	opstest.Equal(t, "int64 to int16", it.Output(0).Int16(), []int16{-1, -1})
	it = run(t, castModel(tensor.Int8, tensor.Int64, 2), []int8{-128, 127})
	opstest.Equal(t, "int8 to int64", it.Output(0).Int64(), []int64{-128, 127})
	it = run(t, castModel(tensor.Float32, tensor.Float32, 2), []float32{1.5, -2})
	opstest.Equal(t, "float to float", it.Output(0).Float32(), []float32{1.5, -2})
}

func TestCastPrepareRefusals(t *testing.T) {
	t.Run("float16", func(t *testing.T) {
		wantError(t, castModel(tensor.Float16, tensor.Float32, 2), "CAST", "FLOAT16")
	})
	t.Run("float64 output", func(t *testing.T) {
		wantError(t, castModel(tensor.Int32, tensor.Float64, 2), "CAST", "FLOAT64")
	})
	t.Run("shape", func(t *testing.T) {
		b := unary(builder.Cast, spec{tensor.Int32, []int{4}, nil}, spec{tensor.Int8, []int{2, 2}, nil}, nil)
		wantError(t, b, "CAST", "shape")
	})
}
