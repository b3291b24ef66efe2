package fleet

import (
	"sync"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// relayQueue bounds the progress reports waiting for the callback.
const relayQueue = 1024

// relay passes progress reports from the MQTT client's goroutine to a
// callback on a goroutine of its own, so that a slow callback never holds
// up the client. A nil *relay ignores everything.
type relay struct {
	ch   chan wire.Progress
	done chan struct{}

	mu      sync.Mutex
	stopped bool
	dropped int
}

// startRelay starts a relay calling fn, or returns nil when fn is nil.
func startRelay(fn func(wire.Progress)) *relay {
	if fn == nil {
		return nil
	}
	r := &relay{ch: make(chan wire.Progress, relayQueue), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for p := range r.ch {
			fn(p)
		}
	}()
	return r
}

// push queues p without blocking; it drops p when the queue is full or the
// relay stopped.
func (r *relay) push(p wire.Progress) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	select {
	case r.ch <- p:
	default:
		r.dropped++
	}
}

// stop refuses further reports, waits until the callback has been given
// every report queued, and returns how many were dropped for a full queue
// (the first time; 0 after). It may be called more than once.
func (r *relay) stop() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		<-r.done
		return 0
	}
	r.stopped = true
	close(r.ch)
	n := r.dropped
	r.mu.Unlock()
	<-r.done
	return n
}
