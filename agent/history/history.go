// Package history keeps the agent's most recent prediction records in
// memory for the local API: a bounded ring read by seq, and live
// subscribers that never slow the pipelines down.
package history

import (
	"sync"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// DefaultSubscriberBuffer is how many records a subscriber may fall behind
// before it is cut off.
const DefaultSubscriberBuffer = 256

// History is a bounded, seq-ordered record of recent predictions. Its
// methods are safe for concurrent use.
type History struct {
	mu    sync.Mutex
	ring  []wire.Prediction
	start int // index of the oldest record in ring
	n     int // records held
	last  uint64
	subs  map[*sub]struct{}
}

type sub struct {
	ch     chan wire.Prediction
	closed bool
}

// New returns a History holding the last size records (size < 1: 1).
func New(size int) *History {
	if size < 1 {
		size = 1
	}
	return &History{ring: make([]wire.Prediction, size), subs: map[*sub]struct{}{}}
}

// Add records p (seq must rise; a record with a seq not above the last one
// is ignored and reported false) and hands it to every subscriber. A
// subscriber whose buffer is full is cut off (its channel closed) rather
// than blocking the caller.
func (h *History) Add(p wire.Prediction) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.Seq <= h.last {
		return false
	}
	h.last = p.Seq
	if h.n < len(h.ring) {
		h.ring[(h.start+h.n)%len(h.ring)] = p
		h.n++
	} else {
		h.ring[h.start] = p
		h.start = (h.start + 1) % len(h.ring)
	}
	for s := range h.subs {
		select {
		case s.ch <- p:
		default:
			h.drop(s)
		}
	}
	return true
}

func (h *History) drop(s *sub) {
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
	delete(h.subs, s)
}

// Since returns up to limit records with seq > since, oldest first, and the
// oldest and last seq held (0 when empty).
func (h *History) Since(since uint64, limit int) (recs []wire.Prediction, oldest, last uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.since(since, limit)
}

func (h *History) since(since uint64, limit int) (recs []wire.Prediction, oldest, last uint64) {
	if h.n > 0 {
		oldest = h.ring[h.start].Seq
	}
	for i := 0; i < h.n && (limit <= 0 || len(recs) < limit); i++ {
		p := h.ring[(h.start+i)%len(h.ring)]
		if p.Seq > since {
			recs = append(recs, p)
		}
	}
	return recs, oldest, h.last
}

// Subscribe returns a channel that receives the held records with seq >
// since and then every new record, in seq order, and a cancel func. The
// channel is closed by cancel, or when the subscriber falls more than
// buffer records behind (it should then reconnect with its last seq).
func (h *History) Subscribe(since uint64, buffer int) (<-chan wire.Prediction, func()) {
	if buffer < 1 {
		buffer = DefaultSubscriberBuffer
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	backlog, _, _ := h.since(since, 0)
	s := &sub{ch: make(chan wire.Prediction, len(backlog)+buffer)}
	for _, p := range backlog {
		s.ch <- p
	}
	h.subs[s] = struct{}{}
	return s.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.drop(s)
	}
}

// Close ends every subscription.
func (h *History) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.drop(s)
	}
}
