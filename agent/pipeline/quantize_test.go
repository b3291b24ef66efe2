package pipeline

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/tensor"
)

// qtensor makes a tensor of n elements with per-tensor quantization.
func qtensor(dt tensor.DType, n int, scale float32, zp int64) *tensor.Tensor {
	t := &tensor.Tensor{Name: "t", Type: dt, Shape: []int{1, n}}
	if scale != 0 {
		t.Quant = &tensor.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
	}
	t.Data = make([]byte, t.Bytes())
	return t
}

// Expected values are worked by hand: q = round_half_away(x / scale) + zp,
// clamped to the type's range.
func TestFillTensorQuantizesLikeTFLite(t *testing.T) {
	t.Run("int8 scale 0.5 zp -1", func(t *testing.T) {
		in := []float32{0, 0.25, -0.25, 0.74, 63.25, 63.75, 64, 1000, -63, -63.25, -63.75, -1000}
		want := []int8{-1, 0, -2, 0, 126, 127, 127, 127, -127, -128, -128, -128}
		tt := qtensor(tensor.Int8, len(in), 0.5, -1)
		if err := FillTensor(tt, 0, in); err != nil {
			t.Fatal(err)
		}
		if got := tt.Int8(); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("uint8 scale 0.25 zp 128", func(t *testing.T) {
		in := []float32{0, -32, -32.25, 0.125, -0.125, 31.75, 31.875, 40}
		want := []uint8{128, 0, 0, 129, 127, 255, 255, 255}
		tt := qtensor(tensor.Uint8, len(in), 0.25, 128)
		if err := FillTensor(tt, 0, in); err != nil {
			t.Fatal(err)
		}
		if got := tt.Uint8(); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("int16 scale 0.5 zp 10", func(t *testing.T) {
		in := []float32{1.25, -1.25, 16378, 16378.5, 16378.75, -16389, -16389.25}
		want := []int16{13, 7, 32766, 32767, 32767, -32768, -32768}
		tt := qtensor(tensor.Int16, len(in), 0.5, 10)
		if err := FillTensor(tt, 0, in); err != nil {
			t.Fatal(err)
		}
		if got := tt.Int16(); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("the division is in float32", func(t *testing.T) {
		// person_detect's input: scale float32(1/127.5), zero point -1.
		// 0.6 / 0.0078431377 is 76.4999985 in float64 but exactly 76.5 in
		// float32, which rounds away from zero to 77: q = 76 (not 75).
		tt := qtensor(tensor.Int8, 2, float32(1/127.5), -1)
		if err := FillTensor(tt, 0, []float32{0.6, -0.6}); err != nil {
			t.Fatal(err)
		}
		if got := tt.Int8(); !slices.Equal(got, []int8{76, -78}) {
			t.Errorf("q(±0.6) = %v, want [76 -78]", got)
		}
	})
	t.Run("float32 copies and offsets", func(t *testing.T) {
		tt := qtensor(tensor.Float32, 4, 0, 0)
		if err := FillTensor(tt, 1, []float32{1.5, float32(math.Copysign(0, -1)), 3e38}); err != nil {
			t.Fatal(err)
		}
		got := tt.Float32()
		if !slices.Equal(got, []float32{0, 1.5, 0, 3e38}) || !math.Signbit(float64(got[2])) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("NaN and Inf saturate or give the zero point", func(t *testing.T) {
		tt := qtensor(tensor.Int8, 3, 0.5, 3)
		if err := FillTensor(tt, 0, []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}); err != nil {
			t.Fatal(err)
		}
		if got := tt.Int8(); !slices.Equal(got, []int8{3, 127, -128}) {
			t.Errorf("got %v, want [3 127 -128]", got)
		}
	})
}

func TestFillTensorRefusesWhatItCannotFill(t *testing.T) {
	perChannel := qtensor(tensor.Int8, 2, 0.5, 0)
	perChannel.Quant = &tensor.Quantization{Scale: []float32{1, 2}, ZeroPoint: []int64{0, 0}, Dim: 1}
	for _, tc := range []struct {
		t    *tensor.Tensor
		vals []float32
		off  int
		want string
	}{
		{qtensor(tensor.Int32, 2, 1, 0), []float32{1}, 0, "type INT32 is not one a pipeline fills"},
		{qtensor(tensor.Int8, 2, 0, 0), []float32{1}, 0, "without quantization parameters"},
		{perChannel, []float32{1}, 0, "quantized per channel"},
		{qtensor(tensor.Int8, 2, float32(math.Inf(1)), 0), []float32{1}, 0, "scale +Inf"},
		{qtensor(tensor.Uint8, 2, 1, 300), []float32{1}, 0, "zero point 300 is outside the range of UINT8"},
		{qtensor(tensor.Float32, 2, 0, 0), []float32{1, 2}, 1, "2 values at element 1 do not fit its 2 elements"},
		{qtensor(tensor.Float32, 2, 0, 0), []float32{1}, -1, "at element -1"},
	} {
		err := FillTensor(tc.t, tc.off, tc.vals)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FillTensor(%s) = %v, want an error containing %q", tc.t, err, tc.want)
		}
	}
}

func TestDequantizeTensor(t *testing.T) {
	i8 := qtensor(tensor.Int8, 3, 0.5, -1)
	copy(i8.Int8(), []int8{-128, -1, 127})
	u8 := qtensor(tensor.Uint8, 2, 0, 0) // not quantized: the elements themselves
	copy(u8.Uint8(), []uint8{3, 250})
	i16 := qtensor(tensor.Int16, 2, 0.25, 4)
	copy(i16.Int16(), []int16{0, -32768})
	i32 := qtensor(tensor.Int32, 1, 0.5, 0)
	i32.Int32()[0] = -7
	f32 := qtensor(tensor.Float32, 2, 0, 0)
	copy(f32.Float32(), []float32{0.5, -2})
	for _, tc := range []struct {
		t    *tensor.Tensor
		want []float64
	}{
		{i8, []float64{-63.5, 0, 64}},
		{u8, []float64{3, 250}},
		{i16, []float64{-1, -8193}},
		{i32, []float64{-3.5}},
		{f32, []float64{0.5, -2}},
	} {
		got, err := DequantizeTensor(tc.t, nil)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("DequantizeTensor(%s) = %v, %v; want %v", tc.t, got, err, tc.want)
		}
	}
	b := qtensor(tensor.Bool, 1, 0, 0)
	if _, err := DequantizeTensor(b, nil); err == nil || !strings.Contains(err.Error(), "type BOOL cannot be read") {
		t.Errorf("DequantizeTensor(bool) = %v", err)
	}
}

// TestQuantizedInputThroughTheInterpreter feeds a window to real models
// whose only operator is DEQUANTIZE: their output is exactly scale * (q -
// zp) of the elements the pipeline wrote.
func TestQuantizedInputThroughTheInterpreter(t *testing.T) {
	in := []float32{0.25, -0.25, 1000, 63.25}
	for _, tc := range []struct {
		dt    tensor.DType
		scale float32
		zp    int64
		want  []float64 // scale * (q - zp) for the hand-worked q
	}{
		{tensor.Int8, 0.5, -1, []float64{0.5, -0.5, 64, 63.5}},          // q = 0 -2 127 126
		{tensor.Uint8, 0.25, 128, []float64{0.25, -0.25, 31.75, 31.75}}, // q = 129 127 255 255
		{tensor.Int16, 0.5, 10, []float64{0.5, -0.5, 1000, 63.5}},       // q = 11 9 2010 137
	} {
		t.Run(tc.dt.String(), func(t *testing.T) {
			m := newTestModel(t, dequantizeModel(t, tc.dt, []int{1, 4}, tc.scale, tc.zp), nil)
			rec := &recorder{}
			p, err := New(Options{Name: "q", Channels: []string{"v"}, Model: m, Queue: 100, Post: Post{Kind: KindRaw}, Sink: rec.sink})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range in {
				p.Offer(sampleAt(testBase, 0, v))
			}
			if err := p.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			preds := rec.all()
			if len(preds) != 1 {
				t.Fatalf("%d predictions, want 1", len(preds))
			}
			var got []float64
			if err := json.Unmarshal(preds[0].Output, &got); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("model saw %v, want %v", got, tc.want)
			}
		})
	}
}
