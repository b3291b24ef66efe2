package inference_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// FuzzInterpreter mutates real models and runs them end to end: load,
// prepare every kernel, plan memory, invoke once. Any step may refuse the
// model with an error; none may panic, and no kernel may need the
// interpreter's last-resort recover ("internal error" or "kernel failed"),
// which would mean a Prepare accepted a node its Eval cannot run.
func FuzzInterpreter(f *testing.F) {
	dir := testenv.SharedDir(f)
	seeds, _ := filepath.Glob(filepath.Join(dir, "models", "*.tflite"))
	more, _ := filepath.Glob(filepath.Join(dir, "conformance", "seanet", "*", "*[0-9].tflite"))
	for _, p := range append(seeds, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) <= 64<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := model.Load(data)
		if err != nil {
			return
		}
		it, err := inference.New(m, inference.Options{MaxArenaBytes: 16 << 20})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("prepare panicked: %v", err)
			}
			return
		}
		defer it.Close()
		if err := it.Invoke(); err != nil && strings.Contains(err.Error(), "kernel failed") {
			t.Fatalf("eval panicked: %v", err)
		}
	})
}
