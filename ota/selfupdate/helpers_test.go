package selfupdate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// sumHex returns the hex SHA-256 of b.
func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// writeFile writes data at path or fails the test.
func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}

// wantContent fails the test unless the file at path holds exactly want.
func wantContent(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s holds %q, want %q", path, truncate(got), truncate(want))
	}
}

// wantAbsent fails the test unless nothing exists at path.
func wantAbsent(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s: want it absent, Lstat says %v", path, err)
	}
}

// truncate shortens b for error messages.
func truncate(b []byte) []byte {
	if len(b) > 40 {
		return append(b[:40:40], "..."...)
	}
	return b
}

// layout is a target binary, its marker and its directory in a temp dir.
type layout struct {
	dir, target, old, marker string
}

// newLayout creates a directory with a "binary" holding content at target.
func newLayout(t *testing.T, content []byte) layout {
	t.Helper()
	dir := t.TempDir()
	l := layout{
		dir:    dir,
		target: filepath.Join(dir, "edge-agent"),
		marker: filepath.Join(dir, "state", "update.json"),
	}
	l.old = l.target + ".old"
	if err := os.MkdirAll(filepath.Dir(l.marker), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, l.target, content, 0o755)
	return l
}

// entries lists the names in dir, to check that nothing was left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}
