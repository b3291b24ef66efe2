package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/edge-agent/edge-agent/internal/fsutil"
)

// snapshotExt names the snapshots in a Spec.SnapshotDir.
const snapshotExt = ".tflite"

// snapshot copies the model file at path into dir, named by the SHA-256 of
// the bytes copied, and returns the copy's path, its digest and size. A copy
// already there is reused without writing anything (a reload rewrites no
// flash). The copy is read-only and never rewritten, so it can be mapped:
// an edit of path in place (cp over it, which truncates) changes nothing
// of a loaded model, where mapping path itself would see the new bytes, or
// a SIGBUS past a truncation.
func snapshot(path, dir string) (string, string, int64, error) {
	sum, n, err := hashFile(path)
	if err != nil {
		return "", "", 0, err
	}
	if dst := filepath.Join(dir, sum+snapshotExt); sizeIs(dst, n) {
		return dst, sum, n, nil
	}
	src, err := os.Open(path)
	if err != nil {
		return "", "", 0, err
	}
	defer src.Close()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", "", 0, fmt.Errorf("snapshot folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".copy-*")
	if err != nil {
		return "", "", 0, fmt.Errorf("snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // once renamed, this fails harmlessly
	// The digest is of the bytes copied: the file may have changed since
	// it was hashed above.
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(tmp, h), src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("snapshot of %s: %w", path, err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	dst := filepath.Join(dir, sum+snapshotExt)
	if sizeIs(dst, n) {
		return dst, sum, n, nil
	}
	if err := os.Chmod(tmp.Name(), 0o440); err != nil {
		return "", "", 0, fmt.Errorf("snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", "", 0, fmt.Errorf("snapshot: %w", err)
	}
	if err := fsutil.SyncDir(dir); err != nil {
		return "", "", 0, err
	}
	return dst, sum, n, nil
}

// hashFile returns the SHA-256 and size of the file at path.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// sizeIs reports whether path is a regular file of n bytes.
func sizeIs(path string, n int64) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Size() == n
}

// PruneSnapshots removes the snapshots in dir that no model in keep maps,
// and leftovers of interrupted copies. A generation still serving a removed
// snapshot keeps its mapping: the file goes when the last mapping does.
func PruneSnapshots(dir string, keep []*Model) error {
	used := map[string]bool{}
	for _, m := range keep {
		if m != nil && m.snapshot != "" {
			used[filepath.Base(m.snapshot)] = true
		}
	}
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("prune model snapshots: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if used[name] || !(strings.HasSuffix(name, snapshotExt) || strings.HasPrefix(name, ".copy-")) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("prune model snapshots: %w", err)
		}
	}
	return nil
}

// SnapshotError says why the model's file could not be copied into
// Spec.SnapshotDir (it was then read into memory), or is nil.
func (m *Model) SnapshotError() error { return m.snapErr }
