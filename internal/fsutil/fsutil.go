// Package fsutil holds the durable file operations the agent's stores
// share: fsync of a folder, and a file replaced atomically.
package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
)

// SyncDir fsyncs a folder, making the entries created, renamed or removed
// in it durable.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder %s for fsync: %w", dir, err)
	}
	serr := f.Sync()
	cerr := f.Close()
	if serr != nil {
		return fmt.Errorf("fsync %s: %w", dir, serr)
	}
	if cerr != nil {
		return fmt.Errorf("close %s: %w", dir, cerr)
	}
	return nil
}

// WriteFileAtomic replaces path with data: it writes a temporary file in
// the same folder, fsyncs it, renames it over path and fsyncs the folder.
// A crash leaves either the old content or the new one (and at worst the
// temporary file, PATH.tmp, which the next write replaces).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, werr)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("rename %s into place: %w", tmp, err)
	}
	return SyncDir(filepath.Dir(path))
}
