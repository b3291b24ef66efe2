package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// cli runs the command line in-process and returns its exit code and output.
func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// affineModel writes a model computing y = W x for W = [[1, 2], [3, 4]].
func affineModel(t *testing.T) string {
	t.Helper()
	b := builder.New()
	in := b.Tensor("x", tensor.Float32, []int{1, 2}, nil)
	w := b.Const("w", tensor.Float32, []int{2, 2}, nil, []float32{1, 2, 3, 4})
	out := b.Tensor("y", tensor.Float32, []int{1, 2}, nil)
	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	data, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "affine.tflite")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func floats(v ...float32) []byte {
	out, _ := binary.Append(nil, binary.LittleEndian, v)
	return out
}

func TestVersion(t *testing.T) {
	code, out, _ := cli("version")
	if code != 0 || !strings.HasPrefix(out, "edge-agent ") {
		t.Fatalf("version: code %d, output %q", code, out)
	}
	code, out, _ = cli("version", "--json")
	var v versionInfo
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.GoVersion == "" || v.Platform == "" {
		t.Fatalf("version --json: code %d, output %q", code, out)
	}
}

func TestHelpAndUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"model", "--help"}, {"model", "run", "--help"}, {"model", "bench", "--help"}, {"demo", "--help"}} {
		if code, out, _ := cli(args...); code != 0 || !strings.Contains(out, "Usage") {
			t.Errorf("%v: code %d, output %q", args, code, out)
		}
	}
	for _, args := range [][]string{{"frobnicate"}, {"model"}, {"model", "explode"}, {"model", "inspect"}, {"model", "run", "x.tflite"}, {"model", "inspect", "--bogus", "x"}} {
		code, _, errOut := cli(args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || errOut == "" {
			t.Errorf("%v: stderr %q, want one line", args, errOut)
		}
	}
}

func TestModelRunWritesOutputs(t *testing.T) {
	path := affineModel(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "x.bin")
	if err := os.WriteFile(in, floats(1, -1), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out", "nested")
	code, _, errOut := cli("model", "run", path, "--input", in, "--output-dir", outDir)
	if code != 0 {
		t.Fatalf("model run: exit %d: %s", code, errOut)
	}
	got, err := os.ReadFile(filepath.Join(outDir, "output_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, floats(1-2, 3-4)) {
		t.Errorf("output_0.bin = %v, want y = (-1, -1)", got)
	}
}

func TestModelRunRejectsBadInputs(t *testing.T) {
	path := affineModel(t)
	dir := t.TempDir()
	short := filepath.Join(dir, "short.bin")
	os.WriteFile(short, []byte{1, 2, 3}, 0o644)
	corrupt := filepath.Join(dir, "corrupt.tflite")
	data, _ := os.ReadFile(path)
	os.WriteFile(corrupt, data[:len(data)/3], 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"model", "run", path, "--input", short, "--output-dir", dir}, "needs 8"},
		{[]string{"model", "run", path, "--input", filepath.Join(dir, "missing"), "--output-dir", dir}, "no such file"},
		{[]string{"model", "run", corrupt, "--input", short, "--output-dir", dir}, "invalid model"},
		{[]string{"model", "inspect", filepath.Join(dir, "missing.tflite")}, "no such file"},
	} {
		code, _, errOut := cli(tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestModelInspectJSON(t *testing.T) {
	code, out, errOut := cli("model", "inspect", affineModel(t), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Inputs []struct {
			Name  string
			Type  string
			Shape []int
		}
		OpCounts   map[string]int `json:"op_counts"`
		ArenaBytes int            `json:"arena_bytes"`
		Runnable   bool
		SHA256     string
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Inputs) != 1 || r.Inputs[0].Name != "x" || r.Inputs[0].Type != "FLOAT32" || r.OpCounts["FULLY_CONNECTED"] != 1 {
		t.Errorf("inspect: %+v", r)
	}
	if !r.Runnable || r.ArenaBytes < 16 || len(r.SHA256) != 64 {
		t.Errorf("inspect: runnable %v, arena %d, sha %q", r.Runnable, r.ArenaBytes, r.SHA256)
	}
}

func TestModelInspectSharedModel(t *testing.T) {
	path := testenv.Shared(t, "models", "person_detect.tflite")
	code, out, errOut := cli("model", "inspect", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"CONV_2D x14", "DEPTHWISE_CONV_2D x14", "INT8", "[1 96 96 1]", "scale 0.00784314 zp -1", "arena"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
}

func TestModelBenchJSON(t *testing.T) {
	code, out, errOut := cli("model", "bench", affineModel(t), "--runs", "5", "--threads", "2", "--json", "--profile")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Model   string
		Runs    int
		Threads int
		Latency struct{ Min, Median, P99 float64 } `json:"latency_ms"`
		PeakRSS int64                              `json:"peak_rss_bytes"`
		MACs    int64
		Profile []struct{ Op string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Model != "affine.tflite" || r.Runs != 5 || r.Threads != 2 || r.PeakRSS <= 0 || r.MACs != 4 {
		t.Errorf("bench: %+v", r)
	}
	if !(r.Latency.Min <= r.Latency.Median && r.Latency.Median <= r.Latency.P99) || math.IsNaN(r.Latency.Median) {
		t.Errorf("latency stats out of order: %+v", r.Latency)
	}
	if len(r.Profile) != 1 || r.Profile[0].Op != "FULLY_CONNECTED" {
		t.Errorf("profile: %+v", r.Profile)
	}
}

func TestDemoPrintsPredictions(t *testing.T) {
	saved := filepath.Join(t.TempDir(), "demo.tflite")
	code, out, errOut := cli("demo", "--fast", "--duration", "300ms", "--json", "--save-model", saved, "--no-sync")
	if code != 0 {
		t.Fatalf("demo: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 10 {
		t.Fatalf("demo printed %d predictions in 300ms", len(lines))
	}
	for i, l := range lines {
		var p demoPrediction
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if p.Seq != uint64(i+1) || len(p.Scores) != 3 || p.Label == "" {
			t.Fatalf("line %d: %+v", i, p)
		}
	}
	if code, out, _ := cli("model", "inspect", saved); code != 0 || !strings.Contains(out, "SOFTMAX x1") {
		t.Errorf("saved demo model does not inspect: %d %s", code, out)
	}
}

func TestModelRunMatchesGolden(t *testing.T) {
	path := testenv.Shared(t, "models", "person_detect.tflite")
	in := testenv.Shared(t, "golden", "person_detect", "input_0.bin")
	want, err := os.ReadFile(testenv.Shared(t, "golden", "person_detect", "output_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if code, _, errOut := cli("model", "run", path, "--input", in, "--output-dir", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := os.ReadFile(filepath.Join(dir, "output_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("person_detect on person.bmp: %v, golden %v", got, want)
	}
}

// TestBinaryExitCodes builds the real binary and checks the process-level
// contract: exit 0 on success, 2 on usage errors, 1 on failures, each
// failure with one line on stderr.
func TestBinaryExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	host, err := exec.Command("go", "env", "GOHOSTARCH").Output()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.TrimSpace(string(host)); h != runtime.GOARCH {
		t.Skipf("tests run as %s on a %s host (qemu-user): the built binary cannot be executed", runtime.GOARCH, h)
	}
	bin := filepath.Join(t.TempDir(), "edge-agent")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"version"}, 0},
		{[]string{"nonsense"}, 2},
		{[]string{"model", "inspect", filepath.Join(t.TempDir(), "missing.tflite")}, 1},
	} {
		cmd := exec.Command(bin, tc.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d", tc.args, code, tc.code)
		}
		if tc.code != 0 && strings.Count(strings.TrimRight(stderr.String(), "\n"), "\n") != 0 {
			t.Errorf("%v: stderr %q, want one line", tc.args, stderr.String())
		}
	}
}

func TestProbeFixtureJSON(t *testing.T) {
	root := testenv.Shared(t, "fixtures", "hwprobe", "x86-h100-vm")
	code, out, errOut := cli("probe", "--root", root, "--nvidia-smi", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p struct {
		Schema int
		Arch   string
		CPU    struct {
			Logical  int
			Features []string
		}
		GPUs []struct {
			Kind, Name, Address string
			DriverVersion       string `json:"driver_version"`
			MemoryBytes         int64  `json:"memory_bytes"`
		}
		NPUs   []any
		Checks []struct{ Collector, State string }
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if p.Schema != 1 || p.Arch != "amd64" || p.CPU.Logical != 16 || len(p.GPUs) != 1 || len(p.NPUs) != 0 {
		t.Fatalf("profile: %+v", p)
	}
	g := p.GPUs[0]
	if g.Kind != "nvidia" || g.Name != "NVIDIA H100 80GB HBM3" || g.MemoryBytes != 81559<<20 || g.Address != "0000:00:06.0" || g.DriverVersion != "580.159.04" {
		t.Errorf("GPU: %+v", g)
	}
	if len(p.Checks) < 15 {
		t.Errorf("only %d checks", len(p.Checks))
	}
}

func TestProbeRequire(t *testing.T) {
	root := testenv.Shared(t, "fixtures", "hwprobe", "x86-h100-vm")
	if code, _, errOut := cli("probe", "--root", root, "--require", "arch == amd64 and cpu.features has avx512_vnni and gpu.kind == nvidia"); code != 0 {
		t.Errorf("matching requirement: exit %d: %s", code, errOut)
	}
	code, _, errOut := cli("probe", "--root", root, "--require", "arch == arm64")
	if code != 1 || !strings.Contains(errOut, "requirement not met") {
		t.Errorf("failing requirement: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := cli("probe", "--root", root, "--require", "arch = arm64"); code != 2 {
		t.Errorf("malformed requirement: exit %d, want 2", code)
	}
	if code, _, errOut := cli("probe", "--root", filepath.Join(t.TempDir(), "missing")); code != 1 || !strings.Contains(errOut, "not a readable directory") {
		t.Errorf("missing root: exit %d, stderr %q", code, errOut)
	}
}

func TestProbeHumanOutput(t *testing.T) {
	code, out, errOut := cli("probe")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"cpu ", "memory ", "GPUs", "NPUs", "checks", "probed in"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoSeqSurvivesRestarts(t *testing.T) {
	dir := t.TempDir()
	last := uint64(0)
	for run := 0; run < 2; run++ {
		code, out, errOut := cli("demo", "--fast", "--json", "--data-dir", dir, "--broker", "", "--until-seq", fmt.Sprint(50*(run+1)))
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", run, code, errOut)
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var p demoPrediction
			if err := json.Unmarshal([]byte(l), &p); err != nil {
				t.Fatal(err)
			}
			if p.Seq != last+1 {
				t.Fatalf("run %d: seq %d after %d", run, p.Seq, last)
			}
			last = p.Seq
		}
	}
	if last != 100 {
		t.Fatalf("last seq %d, want 100", last)
	}
}
