package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestModuleRootSearchesUpwards(t *testing.T) {
	root := t.TempDir()
	touch(t, filepath.Join(root, "go.mod"))
	deep := filepath.Join(root, "tools", "benchcompare", "compare")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := moduleRoot(deep)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(root)
	if g, _ := filepath.EvalSymlinks(got); g != want {
		t.Fatalf("moduleRoot = %s, want %s", got, root)
	}
}

func TestModuleRootMissing(t *testing.T) {
	if _, err := moduleRoot(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Fatalf("err = %v, want no go.mod", err)
	}
}

func TestModelsDirFromEnvOrBesideTheModule(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "main")
	touch(t, filepath.Join(base, "shared", "models", "a.tflite"))
	touch(t, filepath.Join(base, "elsewhere", "models", "b.tflite"))

	got, err := modelsDir(root, "")
	if err != nil || got != filepath.Join(root, "..", "shared", "models") {
		t.Fatalf("default: %s, %v", got, err)
	}
	env := filepath.Join(base, "elsewhere")
	if got, err = modelsDir(root, env); err != nil || got != filepath.Join(env, "models") {
		t.Fatalf("EDGE_SHARED: %s, %v", got, err)
	}
	if _, err = modelsDir(root, filepath.Join(base, "nothing")); err == nil || !strings.Contains(err.Error(), "EDGE_SHARED") {
		t.Fatalf("missing folder: err = %v", err)
	}
	touch(t, filepath.Join(base, "file", "models"))
	if _, err = modelsDir(root, filepath.Join(base, "file")); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Fatalf("models is a file: err = %v", err)
	}
}

func TestResolveModels(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b_model", "a_model"} {
		touch(t, filepath.Join(dir, n+".tflite"))
	}
	other := filepath.Join(t.TempDir(), "custom.tflite")
	touch(t, other)

	got, err := resolveModels(dir, []string{"b_model", " a_model ", other, "b_model"})
	if err != nil {
		t.Fatal(err)
	}
	want := []model{
		{Name: "b_model", Path: filepath.Join(dir, "b_model.tflite")},
		{Name: "a_model", Path: filepath.Join(dir, "a_model.tflite")},
		{Name: "custom", Path: other},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v (duplicates dropped)", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("model %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	_, err = resolveModels(dir, []string{"a_model", "nope"})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "a_model, b_model") {
		t.Fatalf("unknown model: err = %v, want the name and the list of models", err)
	}
	if _, err = resolveModels(dir, nil); err == nil {
		t.Fatal("no models: no error")
	}
	if _, err = resolveModels(dir, []string{""}); err == nil {
		t.Fatal("empty name: no error")
	}
	if err := os.Mkdir(filepath.Join(dir, "d.tflite"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err = resolveModels(dir, []string{"d"}); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Fatalf("folder: err = %v", err)
	}
}

func TestDefaultModelsAreShared(t *testing.T) {
	dir := sharedModels(t)
	ms, err := resolveModels(dir, defaultModels)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != len(defaultModels) {
		t.Fatalf("%d models resolved, want %d", len(ms), len(defaultModels))
	}
}
