package pipeline

import (
	"sync"
	"time"

	"github.com/edge-agent/edge-agent/agent/sensor"
)

// queue is a bounded FIFO of samples that drops its oldest sample when
// full. It is safe for concurrent use; wake receives a value after a push
// (several pushes may share one wake-up).
type queue struct {
	mu      sync.Mutex
	buf     []sensor.Sample
	head, n int
	dropped uint64
	// waiting is when the queue last started waiting for the consumer: the
	// push into an empty queue, or the last pop that left samples behind.
	waiting time.Time
	wake    chan struct{}
}

func newQueue(n int) *queue {
	return &queue{buf: make([]sensor.Sample, n), wake: make(chan struct{}, 1)}
}

// push appends s at time now and reports whether the oldest sample was
// dropped to make room.
func (q *queue) push(s sensor.Sample, now time.Time) (dropped bool) {
	q.mu.Lock()
	if q.n == len(q.buf) {
		q.buf[q.head] = sensor.Sample{}
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		q.dropped++
		dropped = true
	}
	if q.n == 0 {
		q.waiting = now
	}
	q.buf[(q.head+q.n)%len(q.buf)] = s
	q.n++
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return dropped
}

// pop removes and returns the oldest sample at time now.
func (q *queue) pop(now time.Time) (sensor.Sample, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return sensor.Sample{}, false
	}
	s := q.buf[q.head]
	q.buf[q.head] = sensor.Sample{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	q.waiting = now
	return s, true
}

// state returns the number of queued samples, since when they wait for
// the consumer to make progress, and the number of samples dropped.
func (q *queue) state() (n int, waiting time.Time, dropped uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n, q.waiting, q.dropped
}
