// Package testenv locates the shared test material (../shared or
// $EDGE_SHARED) for tests.
//
// Tests that need it skip with a clear message when it is absent, except
// under CI=true, where its absence fails the test: CI must never pass by
// skipping the conformance suites.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot returns the directory holding go.mod, searching upwards from
// the working directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// SharedDir returns the shared material folder: $EDGE_SHARED, or ../shared
// beside the module root.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("EDGE_SHARED")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "models")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared material not found at %s (set EDGE_SHARED): required under CI=true", dir)
		}
		t.Skipf("shared material not found at %s (set EDGE_SHARED to run this test)", dir)
	}
	return dir
}

// Shared returns the path of a file or folder inside the shared material.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{SharedDir(t)}, elem...)...)
}
