package ota

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The bbolt layout of a Floor file:
//
//	bucket "floor": KIND NUL NAME -> version (8 bytes, big-endian)
var bucketFloor = []byte("floor")

// Floor remembers, per kind and name, the highest version a device ever
// accepted, so that a bundle older than it is refused even after the
// model was removed or the install folder was lost. It is a small bbolt
// file; Raise returns after its transaction is fsynced.
type Floor struct {
	db *bolt.DB
}

// OpenFloor opens (creating it when missing, mode 0600) the version floor
// at path. Only one process may hold the file: a second open fails after a
// second.
func OpenFloor(path string) (*Floor, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open version floor %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketFloor)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open version floor %s: %w", path, err)
	}
	return &Floor{db: db}, nil
}

func (f *Floor) key(kind, name string) ([]byte, error) {
	if f == nil || f.db == nil {
		return nil, errors.New("version floor: not open")
	}
	if kind != KindModel && kind != KindAgent {
		return nil, fmt.Errorf("version floor: kind %q: want %q or %q", kind, KindModel, KindAgent)
	}
	if !validName(name) {
		return nil, fmt.Errorf("version floor: invalid name %q", shorten(name))
	}
	return []byte(kind + "\x00" + name), nil
}

// Get returns the highest version accepted for kind and name, 0 when none.
func (f *Floor) Get(kind, name string) (int64, error) {
	key, err := f.key(kind, name)
	if err != nil {
		return 0, err
	}
	var v int64
	err = f.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFloor)
		if b == nil {
			return errors.New("bucket missing")
		}
		raw := b.Get(key)
		if raw == nil {
			return nil
		}
		if len(raw) != 8 {
			return fmt.Errorf("stored value is %d bytes, want 8", len(raw))
		}
		v = int64(binary.BigEndian.Uint64(raw))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("version floor: get %s %s: %w", kind, name, err)
	}
	return v, nil
}

// Raise records version for kind and name when it is above the stored
// one; it never lowers the floor.
func (f *Floor) Raise(kind, name string, version int64) error {
	key, err := f.key(kind, name)
	if err != nil {
		return err
	}
	if version < 1 {
		return fmt.Errorf("version floor: raise %s %s: version %d is below 1", kind, name, version)
	}
	err = f.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFloor)
		if b == nil {
			return errors.New("bucket missing")
		}
		if raw := b.Get(key); len(raw) == 8 && int64(binary.BigEndian.Uint64(raw)) >= version {
			return nil
		}
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], uint64(version))
		return b.Put(key, buf[:])
	})
	if err != nil {
		return fmt.Errorf("version floor: raise %s %s to %d: %w", kind, name, version, err)
	}
	return nil
}

// Close closes the file.
func (f *Floor) Close() error {
	if f == nil || f.db == nil {
		return errors.New("version floor: not open")
	}
	if err := f.db.Close(); err != nil {
		return fmt.Errorf("version floor: close: %w", err)
	}
	return nil
}
