package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/demo"
)

// TestSnapshotMapsAConfiguredFile: a configured model file is copied into
// the snapshot folder under its SHA-256 and the copy mapped; rewriting the
// original in place (truncated, then junk) leaves the loaded model
// answering as before; a second load reuses the copy; pruning keeps only
// the snapshots in use.
func TestSnapshotMapsAConfiguredFile(t *testing.T) {
	data, err := demo.BuildModel()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.tflite")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	snaps := filepath.Join(dir, "snapshots")
	read, err := Load(Spec{Name: "d", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	m, err := Load(Spec{Name: "d", Path: path, SnapshotDir: snaps})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.SnapshotError() != nil || m.file == nil || !m.file.Mapped() {
		t.Fatalf("not mapped from a snapshot: %v", m.SnapshotError())
	}
	want := filepath.Join(snaps, m.Meta().SHA256+snapshotExt)
	if m.snapshot != want || m.Meta() != read.Meta() {
		t.Fatalf("snapshot %s meta %+v, want %s and %+v", m.snapshot, m.Meta(), want, read.Meta())
	}
	st, err := os.Stat(want)
	if err != nil || st.Mode().Perm()&0o222 != 0 {
		t.Fatalf("snapshot %v, mode %v: want a read-only copy", err, st.Mode())
	}
	in := make([]float64, demo.WindowLen*demo.Axes)
	for i := range in {
		in[i] = float64(i%5) - 2
	}
	before, err := read.Infer(api.InferRequest{Inputs: [][]float64{in}})
	if err != nil {
		t.Fatal(err)
	}
	// cp over the original: truncate, then other bytes.
	if err := os.WriteFile(path, []byte(strings.Repeat("junk", 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := m.Infer(api.InferRequest{Inputs: [][]float64{in}})
	if err != nil || string(after.Outputs[0].Raw) != string(before.Outputs[0].Raw) {
		t.Fatalf("the mapped snapshot changed with the original: %v", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := Load(Spec{Name: "d", Path: path, SnapshotDir: snaps})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.snapshot != want {
		t.Fatalf("second load mapped %s, want the same snapshot %s", again.snapshot, want)
	}
	stale := filepath.Join(snaps, strings.Repeat("0", 64)+snapshotExt)
	leftover := filepath.Join(snaps, ".copy-123")
	other := filepath.Join(snaps, "notes.txt")
	for _, f := range []string{stale, leftover, other} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := PruneSnapshots(snaps, []*Model{m, nil}); err != nil {
		t.Fatal(err)
	}
	for f, exists := range map[string]bool{want: true, stale: false, leftover: false, other: true} {
		if _, err := os.Stat(f); (err == nil) != exists {
			t.Errorf("%s: exists %v after pruning, want %v", filepath.Base(f), err == nil, exists)
		}
	}
	// A model whose snapshot was pruned keeps running on its mapping.
	if err := PruneSnapshots(snaps, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Infer(api.InferRequest{Inputs: [][]float64{in}}); err != nil {
		t.Fatalf("after its snapshot was removed: %v", err)
	}
	if err := PruneSnapshots(filepath.Join(dir, "none"), nil); err != nil {
		t.Fatalf("pruning a missing folder: %v", err)
	}
}

// TestSnapshotFallsBackToReading: where no copy can be made (the folder is
// a file here, as on a full or read-only disk), the model is read into
// memory and says why; a missing model file is still an error.
func TestSnapshotFallsBackToReading(t *testing.T) {
	data, err := demo.BuildModel()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.tflite")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	blocked := filepath.Join(dir, "blocked")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(Spec{Name: "d", Path: path, SnapshotDir: blocked})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.SnapshotError() == nil || m.file != nil || m.snapshot != "" {
		t.Fatalf("snapshot error %v, mapped %v", m.SnapshotError(), m.file != nil)
	}
	if _, err := Load(Spec{Name: "d", Path: filepath.Join(dir, "missing.tflite"), SnapshotDir: filepath.Join(dir, "s")}); err == nil ||
		!strings.Contains(err.Error(), "missing.tflite") {
		t.Fatalf("missing file: %v", err)
	}
}
