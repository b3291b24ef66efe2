package models

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

func TestBuiltinDemoModel(t *testing.T) {
	m, err := Load(Spec{Name: "demo-motion", Path: "builtin:demo-motion", Version: 3, Labels: demo.Labels})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	meta := m.Meta()
	if meta.Name != "demo-motion" || meta.Version != 3 || len(meta.SHA256) != 64 {
		t.Fatalf("meta %+v", meta)
	}
	info := m.Info()
	if len(info.Inputs) != 1 || info.Inputs[0].Type != "float32" || len(info.Outputs) != 1 || info.ArenaBytes <= 0 {
		t.Fatalf("info %+v", info)
	}
	// A window of real shaking gets the label "shaking" through Infer.
	sensor := demo.NewAccelerometer(3)
	var window []float64
	for sensor.Motion() != demo.Shaking {
		sensor.Next()
	}
	for len(window) < demo.WindowLen*demo.Axes {
		s, _ := sensor.Next()
		for _, v := range s {
			window = append(window, float64(v))
		}
	}
	resp, err := m.Infer(api.InferRequest{Inputs: [][]float64{window}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Top) != 3 || resp.Top[0].Label != "shaking" {
		t.Fatalf("top %+v", resp.Top)
	}
	var sum float64
	for _, v := range resp.Outputs[0].Values {
		sum += v
	}
	if math.Abs(sum-1) > 1e-3 || len(resp.Outputs[0].Raw) != 12 {
		t.Fatalf("outputs %+v", resp.Outputs[0])
	}
	// The same bytes given raw give the same answer.
	raw := make([]byte, 4*len(window))
	for i, v := range window {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(v)))
	}
	resp2, err := m.Infer(api.InferRequest{RawInputs: [][]byte{raw}})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp2.Outputs[0].Raw) != string(resp.Outputs[0].Raw) {
		t.Fatal("raw and real inputs disagree")
	}
}

func TestInferRefusesBadInputs(t *testing.T) {
	m, err := Load(Spec{Name: "d", Path: "builtin:demo-motion"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	good := make([]float64, demo.WindowLen*demo.Axes)
	for name, req := range map[string]api.InferRequest{
		"none":      {},
		"both":      {Inputs: [][]float64{good}, RawInputs: [][]byte{make([]byte, 4*len(good))}},
		"short":     {Inputs: [][]float64{good[1:]}},
		"two":       {Inputs: [][]float64{good, good}},
		"raw short": {RawInputs: [][]byte{make([]byte, 3)}},
		"nan":       {Inputs: [][]float64{append([]float64{math.NaN()}, good[1:]...)}},
	} {
		if _, err := m.Infer(req); !errors.Is(err, ErrBadInput) {
			t.Errorf("%s: err %v, want ErrBadInput", name, err)
		}
	}
}

func TestQuantizedModelThroughRealValues(t *testing.T) {
	path := testenv.Shared(t, "models", "person_detect.tflite")
	m, err := Load(Spec{Name: "person", Path: path, Labels: []string{"notperson", "person"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// The golden input 0 (person.bmp as int8) given as raw bytes, then as
	// the real values those bytes stand for: both give TFLite's answer
	// (scores [-113, 113] as int8, i.e. person).
	in, err := os.ReadFile(testenv.Shared(t, "golden", "person_detect", "input_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(testenv.Shared(t, "golden", "person_detect", "output_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := m.Infer(api.InferRequest{RawInputs: [][]byte{in}})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Outputs[0].Raw) != string(want) || resp.Top[0].Label != "person" {
		t.Fatalf("raw: got %v top %+v, want %v", resp.Outputs[0].Raw, resp.Top, want)
	}
	info := m.Info().Inputs[0]
	real := make([]float64, len(in))
	for i, b := range in {
		real[i] = info.Scale * float64(int64(int8(b))-info.ZeroPoint)
	}
	resp, err = m.Infer(api.InferRequest{Inputs: [][]float64{real}})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Outputs[0].Raw) != string(want) {
		t.Fatalf("real: got %v, want %v", resp.Outputs[0].Raw, want)
	}
	if got := resp.Outputs[0].Values; math.Abs(got[1]-(113.0+128)/256) > 1e-9 {
		t.Fatalf("dequantized %v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tflite")
	os.WriteFile(bad, []byte("not a model at all, just words"), 0o644)
	labels := filepath.Join(dir, "labels.txt")
	os.WriteFile(labels, []byte("# classes\nidle\nwalking\n"), 0o644)
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Name: "x", Path: filepath.Join(dir, "missing.tflite")}, "no such file"},
		{Spec{Name: "x", Path: bad}, "model x"},
		{Spec{Name: "x", Path: "builtin:nope"}, "no builtin model"},
		{Spec{Name: "x", Path: "builtin:demo-motion", Labels: []string{"a"}}, "1 labels for an output of 3"},
		{Spec{Name: "x", Path: "builtin:demo-motion", LabelsFile: labels}, "2 labels for an output of 3"},
		{Spec{Name: "x", Path: "builtin:demo-motion", MaxArena: 64}, "x"},
	} {
		_, err := Load(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.spec, err, c.want)
		}
	}
}

func TestTopK(t *testing.T) {
	got := TopK([]float64{0.1, 0.7, 0.2}, []string{"a", "b"}, 5)
	if len(got) != 3 || got[0].Label != "b" || got[1].Label != "class_2" || got[2].Label != "a" {
		t.Fatalf("%+v", got)
	}
}

// TestLoadImmutableMaps: an immutable file (the OTA store's) is mapped,
// gives the same answers and the same SHA-256 as one read into memory,
// and Close releases it.
func TestLoadImmutableMaps(t *testing.T) {
	data, err := demo.BuildModel()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "demo.tflite")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	read, err := Load(Spec{Name: "d", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	mapped, err := Load(Spec{Name: "d", Path: path, Immutable: true})
	if err != nil {
		t.Fatal(err)
	}
	if mapped.file == nil || !mapped.file.Mapped() {
		t.Fatal("an immutable model file was not mapped")
	}
	if mapped.Meta() != read.Meta() {
		t.Fatalf("meta %+v, read %+v", mapped.Meta(), read.Meta())
	}
	in := make([]float64, demo.WindowLen*demo.Axes)
	for i := range in {
		in[i] = float64(i%7) - 3
	}
	a, err1 := read.Infer(api.InferRequest{Inputs: [][]float64{in}})
	b, err2 := mapped.Infer(api.InferRequest{Inputs: [][]float64{in}})
	if err1 != nil || err2 != nil || string(a.Outputs[0].Raw) != string(b.Outputs[0].Raw) {
		t.Fatalf("mapped and read models disagree: %v %v", err1, err2)
	}
	mapped.Close()
	if _, err := mapped.Infer(api.InferRequest{Inputs: [][]float64{in}}); err == nil {
		t.Fatal("Infer after Close succeeded")
	}
	if _, err := Load(Spec{Name: "d", Path: filepath.Join(t.TempDir(), "missing.tflite"), Immutable: true}); err == nil {
		t.Fatal("a missing immutable file loaded")
	}
}

// TestLoadKernels: a model runs the kernel path its spec names; auto is
// the default, and a path this CPU lacks (or an unknown one) fails the
// load with a clear error.
func TestLoadKernels(t *testing.T) {
	for _, k := range append([]string{"auto"}, inference.KernelPaths()...) {
		m, err := Load(Spec{Name: "d", Path: "builtin:demo-motion", Kernels: k})
		if err != nil {
			t.Fatalf("kernels %s: %v", k, err)
		}
		want := k
		if k == "auto" {
			paths := inference.KernelPaths()
			want = paths[len(paths)-1]
			if env := os.Getenv("EDGE_AGENT_KERNELS"); env != "" {
				want = env
			}
		}
		var got string
		_ = m.Run(func(it *inference.Interpreter) error { got = it.Kernels(); return nil })
		m.Close()
		if got != want {
			t.Errorf("kernels %s: the interpreter runs %s, want %s", k, got, want)
		}
	}
	if _, err := Load(Spec{Name: "d", Path: "builtin:demo-motion", Kernels: "sse9"}); err == nil || !strings.Contains(err.Error(), "sse9") {
		t.Fatalf("unknown kernels: %v", err)
	}
}
