package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// defaultModels are the shared models compared by default.
var defaultModels = []string{
	"mobilenet_v2_quantized_1x3x224x224", "person_detect", "micro_speech_quantized",
	"dtln_noise_suppression", "trained_lstm_int8", "trained_lstm", "keyword_scrambled",
	"simple_add_model", "hello_world_int8",
}

// model is one model to measure: its display name and file.
type model struct {
	Name string
	Path string
}

// moduleRoot returns the directory holding go.mod at or above dir.
func moduleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root: no go.mod above the working directory (run from the edge-agent repository)")
		}
		dir = parent
	}
}

// modelsDir returns the shared models folder as internal/testenv finds it:
// $EDGE_SHARED/models when set (env), else ../shared/models beside the module root.
func modelsDir(root, env string) (string, error) {
	shared := env
	if shared == "" {
		shared = filepath.Join(root, "..", "shared")
	}
	dir := filepath.Join(shared, "models")
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("shared models not found at %s (set EDGE_SHARED): %w", dir, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("shared models: %s is not a folder", dir)
	}
	return dir, nil
}

// resolveModels turns names into files: a name is NAME.tflite in dir, an
// argument ending in .tflite or holding a path separator is a file as it is.
// An unknown name is an error that lists the models dir holds.
func resolveModels(dir string, names []string) ([]model, error) {
	if len(names) == 0 {
		return nil, errors.New("no models given")
	}
	out := make([]model, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, errors.New("empty model name in the list")
		}
		m := model{Name: n, Path: filepath.Join(dir, n+".tflite")}
		if strings.HasSuffix(n, ".tflite") || strings.ContainsRune(n, filepath.Separator) {
			m = model{Name: strings.TrimSuffix(filepath.Base(n), ".tflite"), Path: n}
		}
		st, err := os.Stat(m.Path)
		if err != nil {
			avail, _ := available(dir)
			return nil, fmt.Errorf("model %q: %s not found (models in %s: %s)", n, m.Path, dir, strings.Join(avail, ", "))
		}
		if st.IsDir() {
			return nil, fmt.Errorf("model %q: %s is a folder", n, m.Path)
		}
		if seen[m.Path] {
			continue
		}
		seen[m.Path] = true
		out = append(out, m)
	}
	return out, nil
}

// available lists the model names in dir, sorted.
func available(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tflite"))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(filepath.Base(f), ".tflite")
	}
	sort.Strings(names)
	return names, nil
}
