package model_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

func sharedModels(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(testenv.Shared(t, "models"), "*.tflite"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shared models")
	}
	return files
}

func TestLoadsEverySharedModel(t *testing.T) {
	want := map[string]int{ // operators per model, from ../shared/golden/OPS.md
		"hello_world_float": 3, "hello_world_int8": 3, "person_detect": 31,
		"micro_speech_quantized": 4, "audio_preprocessor_int8": 22, "keyword_scrambled": 15,
		"keyword_scrambled_8bit": 15, "trained_lstm": 4, "trained_lstm_int8": 4,
		"dtln_noise_suppression": 4, "mobilenet_v2_quantized_1x3x224x224": 84, "simple_add_model": 1,
	}
	for _, f := range sharedModels(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".tflite")
		m, err := model.LoadFile(f)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if n, ok := want[name]; ok && len(m.Subgraphs[0].Operators) != n {
			t.Errorf("%s: %d operators, want %d", name, len(m.Subgraphs[0].Operators), n)
		}
		if m.CopiedBytes != 0 {
			t.Errorf("%s: %d constant bytes copied, want all used in place", name, m.CopiedBytes)
		}
	}
}

func TestOpcodeIsMaxOfDeprecatedAndNew(t *testing.T) {
	// person_detect stores its codes only in deprecated_builtin_code (builtin_code 0 = ADD).
	m, err := model.LoadFile(testenv.Shared(t, "models", "person_detect.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, op := range m.Subgraphs[0].Operators {
		names[op.Code.Name()] = true
	}
	for _, n := range []string{"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "SOFTMAX"} {
		if !names[n] {
			t.Errorf("operator %s not found (got %v)", n, names)
		}
	}
	if names["ADD"] {
		t.Errorf("an ADD was read: builtin_code 0 was taken over deprecated_builtin_code")
	}
}

func TestPersonDetectBiasQuantizedDimension(t *testing.T) {
	// 1-D per-channel biases carry quantized_dimension 3; the loader accepts
	// them (as TFLite Micro does) and normalizes the dimension to 0.
	m, err := model.LoadFile(testenv.Shared(t, "models", "person_detect.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, ts := range m.Subgraphs[0].Tensors {
		if len(ts.Shape) == 1 && ts.Quant != nil && len(ts.Quant.Scale) > 1 {
			found++
			if ts.Quant.Dim != 0 {
				t.Errorf("tensor %d: quantized dimension %d, want 0", ts.Index, ts.Quant.Dim)
			}
		}
	}
	if found != 28 {
		t.Errorf("found %d per-channel 1-D tensors, want 28 (14 conv + 14 depthwise biases)", found)
	}
}

func tinyModel(t *testing.T) []byte {
	t.Helper()
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
	w := b.Const("w", tensor.Float32, []int{2, 2}, nil, []float32{1, 2, 3, 4})
	out := b.Tensor("out", tensor.Float32, []int{1, 2}, nil)
	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	data, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBuilderRoundTrip(t *testing.T) {
	m, err := model.Load(tinyModel(t))
	if err != nil {
		t.Fatal(err)
	}
	g := m.Subgraphs[0]
	if len(g.Tensors) != 3 || len(g.Operators) != 1 || g.Operators[0].Code.Name() != "FULLY_CONNECTED" {
		t.Fatalf("round trip: %d tensors, %d operators", len(g.Tensors), len(g.Operators))
	}
	w := g.Tensors[1]
	if !w.Const() || len(w.Data) != 16 || binary.LittleEndian.Uint32(w.Data[12:]) != 0x40800000 {
		t.Errorf("constant weights not read back: %v", w.Data)
	}
	if g.Operators[0].Inputs[2] != -1 {
		t.Errorf("omitted optional input read as %d", g.Operators[0].Inputs[2])
	}
}

func TestRejectsCorruptFiles(t *testing.T) {
	good := tinyModel(t)
	root := int(binary.LittleEndian.Uint32(good))
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"not a model", []byte("this is a text file, not a model at all"), "identifier"},
		{"truncated to half", good[:len(good)/2], ""},
		{"truncated by one byte", good[:len(good)-1], ""},
		{"root offset past the end", withU32(good, 0, uint32(len(good)+100)), "past the end"},
		{"vtable offset garbage", withU32(good, root, 0x7fffffff), "vtable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := model.Load(c.data)
			if err == nil {
				t.Fatal("Load accepted a corrupt file")
			}
			if !errors.Is(err, model.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if c.want != "" && !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func withU32(data []byte, off int, v uint32) []byte {
	out := append([]byte(nil), data...)
	binary.LittleEndian.PutUint32(out[off:], v)
	return out
}

func TestRejectsBadIndicesAndShapes(t *testing.T) {
	build := func(f func(b *builder.Builder)) []byte {
		b := builder.New()
		f(b)
		data, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"input index out of range", build(func(b *builder.Builder) {
			in := b.Tensor("in", tensor.Float32, []int{1}, nil)
			b.Op(builder.Relu, []int{in}, []int{7}, nil)
			b.Inputs(in)
			b.Outputs(in)
		}), "out of range"},
		{"graph input out of range", build(func(b *builder.Builder) {
			b.Tensor("in", tensor.Float32, []int{1}, nil)
			b.Inputs(3)
		}), "inputs"},
		{"negative dimension", build(func(b *builder.Builder) {
			in := b.Tensor("in", tensor.Float32, []int{1, -4}, nil)
			b.Inputs(in)
		}), "dimension 1 is -4"},
		{"huge shape", build(func(b *builder.Builder) {
			in := b.Tensor("in", tensor.Float32, []int{1 << 20, 1 << 20, 1 << 10}, nil)
			b.Inputs(in)
		}), "larger than the limit"},
		{"constant of the wrong size", func() []byte {
			b := builder.New()
			b.Const("c", tensor.Int8, []int{4}, nil, []byte{1, 2, 3, 4})
			out, err := b.Finish()
			if err != nil {
				t.Fatal(err)
			}
			return patchShape(t, out, 4, 5)
		}(), "needs 5"},
		{"mismatched quantization", build(func(b *builder.Builder) {
			in := b.Tensor("in", tensor.Int8, []int{1, 3}, &builder.Quant{Scale: []float32{1, 2}, ZeroPoint: []int64{0, 0}, Dim: 1})
			b.Inputs(in)
		}), "scales do not match"},
		{"string tensor", build(func(b *builder.Builder) {
			in := b.Tensor("in", tensor.String, []int{1}, nil)
			b.Inputs(in)
		}), "STRING is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := model.Load(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load = %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

// patchShape replaces the first int32 dimension equal to from (in a shape
// vector of length 1) with to.
func patchShape(t *testing.T, data []byte, from, to int32) []byte {
	out := append([]byte(nil), data...)
	for i := 0; i+8 <= len(out); i += 4 {
		if binary.LittleEndian.Uint32(out[i:]) == 1 && int32(binary.LittleEndian.Uint32(out[i+4:])) == from {
			binary.LittleEndian.PutUint32(out[i+4:], uint32(to))
			return out
		}
	}
	t.Fatal("shape vector not found")
	return nil
}

func TestLoadFileMissing(t *testing.T) {
	_, err := model.LoadFile(filepath.Join(t.TempDir(), "nope.tflite"))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadFile = %v, want not-exist", err)
	}
}
