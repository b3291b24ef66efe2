package model_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// FuzzLoad feeds arbitrary bytes to the loader. It must return a model or an
// error, never panic; and it must never need its last-resort recover (an
// "internal error"), which would mean the flatbuffer verifier missed a
// malformed structure. The seed corpus is every shared model small enough
// to mutate quickly, the seanet models, and a truncated MobileNet.
func FuzzLoad(f *testing.F) {
	dir := testenv.SharedDir(f)
	seeds, _ := filepath.Glob(filepath.Join(dir, "models", "*.tflite"))
	more, _ := filepath.Glob(filepath.Join(dir, "conformance", "seanet", "*", "*0.tflite"))
	for _, p := range append(seeds, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 64<<10 {
			data = data[:16<<10] // large models seed the truncated-file paths
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := model.Load(data)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("verifier gap: %v", err)
			}
			return
		}
		if len(m.Subgraphs) == 0 {
			t.Fatal("Load returned a model without subgraphs")
		}
	})
}
