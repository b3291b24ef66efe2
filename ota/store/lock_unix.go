//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// lockRoot takes an exclusive, non-blocking flock on the root folder; the
// lock lasts until the returned file is closed (or the process dies).
func lockRoot(root string) (*os.File, error) {
	f, err := os.Open(root)
	if err != nil {
		return nil, fmt.Errorf("open root for locking: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", root, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", root, err)
	}
	return f, nil
}
