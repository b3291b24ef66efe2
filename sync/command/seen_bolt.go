package command

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The bbolt layout of a BoltSeen file:
//
//	bucket "ids":   id -> state byte ('R' running, 'D' done) | until (8 bytes,
//	                big-endian Unix nanoseconds) | response bytes
//	bucket "until": until (8 bytes) | id -> empty, the index Prune walks
var (
	bucketIDs   = []byte("ids")
	bucketUntil = []byte("until")
)

const (
	stateRunning = 'R'
	stateDone    = 'D'
	entryHeader  = 9
)

// BoltSeen is a SeenStore in a bbolt file of its own (not the outbox's), so
// that the ids it holds survive restarts and power cuts: Begin and Finish
// return after their transaction is fsynced.
type BoltSeen struct {
	db     *bolt.DB
	ttl    time.Duration
	closed atomic.Bool
}

// OpenSeen opens (creating it when missing) the bbolt file at path as a
// SeenStore keeping ids for ttl (DefaultSeenTTL when ttl <= 0). Only one
// process may hold the file: a second open fails after a second.
func OpenSeen(path string, ttl time.Duration) (*BoltSeen, error) {
	if ttl <= 0 {
		ttl = DefaultSeenTTL
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open command id store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketIDs); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketUntil)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open command id store %s: %w", path, err)
	}
	return &BoltSeen{db: db, ttl: ttl}, nil
}

func encodeEntry(state byte, until time.Time, resp []byte) []byte {
	v := make([]byte, entryHeader+len(resp))
	v[0] = state
	binary.BigEndian.PutUint64(v[1:9], uint64(until.UnixNano()))
	copy(v[entryHeader:], resp)
	return v
}

// decodeEntry splits a stored value; ok is false for a value too short to
// be one (which Check reports).
func decodeEntry(v []byte) (state byte, until time.Time, resp []byte, ok bool) {
	if len(v) < entryHeader || (v[0] != stateRunning && v[0] != stateDone) {
		return 0, time.Time{}, nil, false
	}
	return v[0], time.Unix(0, int64(binary.BigEndian.Uint64(v[1:9]))), v[entryHeader:], true
}

func untilKey(until time.Time, id string) []byte {
	k := make([]byte, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(until.UnixNano()))
	copy(k[8:], id)
	return k
}

func (s *BoltSeen) guard(err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrSeenClosed
	}
	return err
}

// Lookup implements SeenStore.
func (s *BoltSeen) Lookup(id string, now time.Time) (resp []byte, seen bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketIDs).Get([]byte(id))
		if v == nil {
			return nil
		}
		state, until, r, ok := decodeEntry(v)
		if !ok {
			return fmt.Errorf("corrupt entry for command id %q", id)
		}
		if !now.Before(until) {
			return nil
		}
		seen = true
		if state == stateDone {
			resp = append([]byte{}, r...)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("look up command id: %w", s.guard(err))
	}
	return resp, seen, nil
}

// put replaces id's entry and its index key.
func put(tx *bolt.Tx, id string, state byte, until time.Time, resp []byte) error {
	ids, idx := tx.Bucket(bucketIDs), tx.Bucket(bucketUntil)
	if old := ids.Get([]byte(id)); old != nil {
		if _, oldUntil, _, ok := decodeEntry(old); ok {
			if err := idx.Delete(untilKey(oldUntil, id)); err != nil {
				return err
			}
		}
	}
	if err := ids.Put([]byte(id), encodeEntry(state, until, resp)); err != nil {
		return err
	}
	return idx.Put(untilKey(until, id), nil)
}

// Begin implements SeenStore.
func (s *BoltSeen) Begin(id string, now, until time.Time) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		return put(tx, id, stateRunning, keepUntil(now, until, s.ttl), nil)
	})
	if err != nil {
		return fmt.Errorf("record command id: %w", s.guard(err))
	}
	return nil
}

// Finish implements SeenStore.
func (s *BoltSeen) Finish(id string, now time.Time, resp []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		until := now.Add(s.ttl)
		if v := tx.Bucket(bucketIDs).Get([]byte(id)); v != nil {
			if _, u, _, ok := decodeEntry(v); ok {
				until = u
			}
		}
		return put(tx, id, stateDone, until, resp)
	})
	if err != nil {
		return fmt.Errorf("record command response: %w", s.guard(err))
	}
	return nil
}

// pruneBatch bounds the ids one Prune transaction removes.
const pruneBatch = 10000

// Prune implements SeenStore.
func (s *BoltSeen) Prune(now time.Time) (int, error) {
	total := 0
	for {
		n := 0
		err := s.db.Update(func(tx *bolt.Tx) error {
			ids, idx := tx.Bucket(bucketIDs), tx.Bucket(bucketUntil)
			limit := untilKey(now, "")
			var keys [][]byte
			c := idx.Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k[:min(len(k), 8)], limit) <= 0 && len(keys) < pruneBatch; k, _ = c.Next() {
				keys = append(keys, append([]byte{}, k...))
			}
			for _, k := range keys {
				if err := idx.Delete(k); err != nil {
					return err
				}
				if len(k) > 8 {
					if err := ids.Delete(k[8:]); err != nil {
						return err
					}
				}
			}
			n = len(keys)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("prune command ids: %w", s.guard(err))
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}

// Len returns the number of ids held, pruned or not.
func (s *BoltSeen) Len() (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketIDs).Stats().KeyN
		return nil
	})
	return n, s.guard(err)
}

// Check verifies the file: bbolt's own consistency check, every entry
// decodable, and the until index matching the entries one to one. Tests run
// it after every test.
func (s *BoltSeen) Check() error {
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("bbolt: %w", err)
		}
		ids, idx := tx.Bucket(bucketIDs), tx.Bucket(bucketUntil)
		entries := 0
		err := ids.ForEach(func(k, v []byte) error {
			entries++
			_, until, _, ok := decodeEntry(v)
			if !ok {
				return fmt.Errorf("entry %q does not decode", k)
			}
			if idx.Get(untilKey(until, string(k))) == nil {
				return fmt.Errorf("entry %q is missing from the until index", k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n := idx.Stats().KeyN; n != entries {
			return fmt.Errorf("until index holds %d keys for %d entries", n, entries)
		}
		return nil
	})
	return s.guard(err)
}

// Close implements SeenStore.
func (s *BoltSeen) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return ErrSeenClosed
	}
	return s.db.Close()
}
