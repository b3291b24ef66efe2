package store

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/edge-agent/edge-agent/internal/fsutil"
)

// Permissions of what the store creates: the agent's user writes, its
// group (edgectl) reads.
const (
	dirPerm  = 0o750
	filePerm = 0o640
)

// syncDir fsyncs a folder (see fsutil.SyncDir).
func syncDir(dir string) error { return fsutil.SyncDir(dir) }

// syncFile fsyncs a regular file.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open for fsync: %w", err)
	}
	serr := f.Sync()
	cerr := f.Close()
	if serr != nil {
		return fmt.Errorf("fsync %s: %w", path, serr)
	}
	if cerr != nil {
		return fmt.Errorf("close %s: %w", path, cerr)
	}
	return nil
}

// writeFileAtomic replaces dir/name with data: it writes dir/name.tmp,
// fsyncs it, renames it over dir/name and fsyncs dir. The store calls
// crash with op+"-temp" once the temporary file is durable and
// op+"-renamed" once it has been renamed. renamed reports whether the
// rename happened (the new content is in place even when err reports a
// failed fsync of dir).
func (s *Store) writeFileAtomic(dir, name string, data []byte, op string) (renamed bool, err error) {
	path := filepath.Join(dir, name)
	tmp := path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return false, fmt.Errorf("create temporary file: %w", err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return false, fmt.Errorf("write %s: %w", tmp, werr)
	}
	s.crash(op + "-temp")
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return false, fmt.Errorf("rename into place: %w", err)
	}
	s.crash(op + "-renamed")
	if err := syncDir(dir); err != nil {
		return true, err
	}
	return true, nil
}
