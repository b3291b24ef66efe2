package selfupdate

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/edge-agent/edge-agent/internal/fsutil"
)

// syncFile fsyncs the file at path.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("selfupdate: opening %s to sync: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("selfupdate: syncing %s: %w", path, err)
	}
	return nil
}

// syncDir fsyncs a folder (see fsutil.SyncDir).
func syncDir(dir string) error { return fsutil.SyncDir(dir) }

// removeDurably removes path (a missing file is not an error) and fsyncs
// its directory.
func removeDurably(path string) error {
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("selfupdate: removing %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// fileSHA256 returns the lower-case hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("selfupdate: hashing %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("selfupdate: hashing %s: %w", path, err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// hashingReader hashes what it reads and records whether it reached the
// end, so that a failed checksum check can be told from a failed read.
type hashingReader struct {
	r   io.Reader
	h   hash.Hash
	eof bool
}

// Read reads from the underlying reader, hashing the bytes read.
func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	if err == io.EOF {
		hr.eof = true
	}
	return n, err
}
