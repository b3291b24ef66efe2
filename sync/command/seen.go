package command

import (
	"errors"
	"sync"
	"time"
)

// SeenStore remembers the command ids a device has run, with the response
// each produced, so that an id runs at most once. An id is kept until
// max(first seen + TTL, the command's expires_at); expired ids are as if
// never seen and are removed by Prune. Implementations are safe for
// concurrent use.
type SeenStore interface {
	// Lookup reports whether id was seen and is still kept at now, and the
	// response stored for it: nil when the command started but never
	// finished (the device stopped while it ran).
	Lookup(id string, now time.Time) (resp []byte, seen bool, err error)
	// Begin records, durably for durable stores, that id starts running at
	// now; it is kept until max(now + TTL, until).
	Begin(id string, now, until time.Time) error
	// Finish stores id's response. An id that was not begun (or was pruned)
	// is recorded as seen at now.
	Finish(id string, now time.Time, resp []byte) error
	// Prune removes the ids no longer kept at now and returns how many.
	Prune(now time.Time) (int, error)
	// Close releases the store; further calls return ErrSeenClosed.
	Close() error
}

// DefaultSeenTTL is how long ids are kept when a store is given no TTL.
const DefaultSeenTTL = 7 * 24 * time.Hour

// ErrSeenClosed is returned by a SeenStore after Close.
var ErrSeenClosed = errors.New("command id store closed")

// keepUntil returns max(now+ttl, until).
func keepUntil(now, until time.Time, ttl time.Duration) time.Time {
	t := now.Add(ttl)
	if until.After(t) {
		return until
	}
	return t
}

// MemorySeen is a SeenStore in memory: ids are forgotten on restart. Tests
// and devices without a data_dir use it.
type MemorySeen struct {
	ttl    time.Duration
	mu     sync.Mutex
	m      map[string]memEntry
	closed bool
}

type memEntry struct {
	until time.Time
	resp  []byte // nil while running
}

// NewMemorySeen returns an empty in-memory store keeping ids for ttl
// (DefaultSeenTTL when ttl <= 0).
func NewMemorySeen(ttl time.Duration) *MemorySeen {
	if ttl <= 0 {
		ttl = DefaultSeenTTL
	}
	return &MemorySeen{ttl: ttl, m: map[string]memEntry{}}
}

// Lookup implements SeenStore.
func (s *MemorySeen) Lookup(id string, now time.Time) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false, ErrSeenClosed
	}
	e, ok := s.m[id]
	if !ok || !now.Before(e.until) {
		return nil, false, nil
	}
	return clone(e.resp), true, nil
}

// Begin implements SeenStore.
func (s *MemorySeen) Begin(id string, now, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSeenClosed
	}
	s.m[id] = memEntry{until: keepUntil(now, until, s.ttl)}
	return nil
}

// Finish implements SeenStore.
func (s *MemorySeen) Finish(id string, now time.Time, resp []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSeenClosed
	}
	e, ok := s.m[id]
	if !ok {
		e.until = now.Add(s.ttl)
	}
	e.resp = clone(resp)
	if e.resp == nil {
		e.resp = []byte{}
	}
	s.m[id] = e
	return nil
}

// Prune implements SeenStore.
func (s *MemorySeen) Prune(now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrSeenClosed
	}
	n := 0
	for id, e := range s.m {
		if !now.Before(e.until) {
			delete(s.m, id)
			n++
		}
	}
	return n, nil
}

// Len returns the number of ids held, pruned or not.
func (s *MemorySeen) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Close implements SeenStore.
func (s *MemorySeen) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSeenClosed
	}
	s.closed = true
	s.m = nil
	return nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
