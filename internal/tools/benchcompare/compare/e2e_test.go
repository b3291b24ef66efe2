package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// sharedModels returns the shared models folder, or skips (fails under CI=true).
func sharedModels(t *testing.T) string {
	t.Helper()
	return testenv.Shared(t, "models")
}

// benchDir is internal/tools/benchcompare.
func benchDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.ModuleRoot(t), "internal", "tools", "benchcompare")
}

// needNode skips unless node and the installed package are present.
func needNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH")
	}
	if _, err := os.Stat(filepath.Join(benchDir(t), "node_modules", "@tensorflow", "tfjs-tflite", "wasm")); err != nil {
		t.Skip("internal/tools/benchcompare/node_modules missing: run npm ci --prefix internal/tools/benchcompare")
	}
	return node
}

// buildEdgeAgent builds cmd/edge-agent into a temporary folder.
func buildEdgeAgent(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "edge-agent")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := ensureEdgeAgent(ctx, discardLogger(), testenv.ModuleRoot(t), bin, true); err != nil {
		t.Fatal(err)
	}
	return bin
}

// fillLikeEdgeAgent is the data `edge-agent model bench` feeds an integer
// tensor of n bytes when given no --input (cmd/edge-agent's fillPseudoRandom:
// splitmix64 seeded with the input index + 1).
func fillLikeEdgeAgent(n int, seed uint64) []byte {
	s := seed * 0x9E3779B97F4A7C15
	next := func() uint64 {
		s += 0x9E3779B97F4A7C15
		z := s
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		return z ^ z>>31
	}
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], next())
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(next())
	}
	return b
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds edge-agent and runs both runtimes")
	}
	if host, err := exec.Command("go", "env", "GOHOSTARCH").Output(); err == nil && strings.TrimSpace(string(host)) != runtime.GOARCH {
		t.Skipf("tests run as %s on a %s host (qemu-user): the edge-agent built for them cannot be executed here", runtime.GOARCH, strings.TrimSpace(string(host)))
	}
	models := sharedModels(t)
	bin := buildEdgeAgent(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	t.Run("no-node", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := run(ctx, []string{"-models", "hello_world_int8", "-threads", "1", "-runs", "3", "-repeat", "2", "-no-node", "-bin", bin}, &out, &errb)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if !strings.Contains(out.String(), "| hello_world_int8 | 1       |") || strings.Contains(out.String(), "TFLite") {
			t.Fatalf("table:\n%s", out.String())
		}
	})

	// checkRows runs compare with -json and checks every row.
	checkRows := func(t *testing.T, models, threads string, want int) {
		t.Helper()
		needNode(t)
		var out, errb bytes.Buffer
		code := run(ctx, []string{"-models", models, "-threads", threads, "-runs", "3", "-repeat", "1", "-json", "-bin", bin}, &out, &errb)
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, errb.String(), out.String())
		}
		var rows []row
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
			t.Fatalf("%v:\n%s", err, out.String())
		}
		if len(rows) != want {
			t.Fatalf("%d rows, want %d", len(rows), want)
		}
		for _, r := range rows {
			if !r.Ours.OK || r.TFLite == nil || !r.TFLite.OK || r.Ratio == nil || *r.Ratio <= 0 {
				t.Fatalf("row %+v", r)
			}
			if !*r.TFLite.SIMD || !*r.TFLite.XNNPACK {
				t.Fatalf("%s: simd %v xnnpack %v, want both on", r.Model, *r.TFLite.SIMD, *r.TFLite.XNNPACK)
			}
			wantBuild := "tflite_web_api_cc_simd"
			if r.Threads > 1 {
				wantBuild += "_threaded"
			}
			if r.TFLite.Build != wantBuild {
				t.Fatalf("%s at %d threads ran %s, want %s", r.Model, r.Threads, r.TFLite.Build, wantBuild)
			}
			wantPatched := 0
			if r.Model == "person_detect" {
				wantPatched = 14
			}
			if *r.TFLite.PatchedTensor != wantPatched {
				t.Fatalf("%s: %d tensors repaired, want %d", r.Model, *r.TFLite.PatchedTensor, wantPatched)
			}
		}
	}
	t.Run("both", func(t *testing.T) { checkRows(t, "person_detect", "1", 1) })
	t.Run("threaded", func(t *testing.T) { checkRows(t, "hello_world_int8", "2", 1) })

	// Both runtimes compute on the same bytes, and where TFLite's XNNPACK
	// kernels round like edge-agent's they give the same outputs: the
	// harness measures the real model, not a shortcut.
	t.Run("same inputs, same outputs", func(t *testing.T) {
		node := needNode(t)
		for _, name := range []string{"person_detect", "keyword_scrambled"} {
			file := filepath.Join(models, name+".tflite")
			dump := t.TempDir()
			out, err := exec.CommandContext(ctx, node, filepath.Join(benchDir(t), "tflite_bench.js"), file,
				"--runs", "1", "--warmup", "1", "--no-probe", "--liftoff", "--no-jit-warmup", "--dump-dir", dump).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: tflite_bench: %v: %s", name, err, out)
			}
			inputs, _ := filepath.Glob(filepath.Join(dump, "input_*.bin"))
			if len(inputs) == 0 {
				t.Fatalf("%s: no inputs dumped", name)
			}
			args := []string{"model", "run", file, "--threads", "1", "--output-dir", filepath.Join(dump, "ours")}
			for i, in := range inputs {
				b, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				if want := fillLikeEdgeAgent(len(b), uint64(i+1)); !bytes.Equal(b, want) {
					t.Fatalf("%s: input %d differs from edge-agent's pseudo-random data", name, i)
				}
				args = append(args, "--input", in)
			}
			if out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("%s: edge-agent model run: %v: %s", name, err, out)
			}
			outputs, _ := filepath.Glob(filepath.Join(dump, "output_*.bin"))
			if len(outputs) == 0 {
				t.Fatalf("%s: no outputs dumped", name)
			}
			for _, o := range outputs {
				theirs, _ := os.ReadFile(o)
				ours, err := os.ReadFile(filepath.Join(dump, "ours", filepath.Base(o)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(theirs, ours) {
					t.Fatalf("%s: %s differs: TFLite %v, edge-agent %v", name, filepath.Base(o), theirs, ours)
				}
			}
		}
	})
}

func TestMissingNodeIsExplained(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := ensureNode(context.Background(), discardLogger(), t.TempDir(), true)
	if err == nil || !strings.Contains(err.Error(), "node not found") || !strings.Contains(err.Error(), "-no-node") {
		t.Fatalf("err = %v", err)
	}
}

func TestBuildFailureIsExplained(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := ensureEdgeAgent(context.Background(), discardLogger(), root, filepath.Join(root, "bin", "edge-agent"), false)
	if err == nil || !strings.Contains(err.Error(), "go build") {
		t.Fatalf("err = %v", err)
	}
}
