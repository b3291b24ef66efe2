package models

import (
	"errors"
	"slices"
	"sync"
	"time"
)

// healthWindow is how many recent call times Health's latency covers.
const healthWindow = 128

// Health counts a model's calls since it was loaded: the figures an
// over-the-air update's health window judges a new version by.
type Health struct {
	// Calls are the inferences run (successful or not); requests refused
	// for their inputs (ErrBadInput) are not counted.
	Calls uint64
	// Errors are the calls that failed.
	Errors uint64
	// LastError is the latest failure.
	LastError string
	// Latencies are the times of the latest successful calls (at most
	// healthWindow), oldest first: the time spent holding the model,
	// filling inputs, invoking and reading outputs.
	Latencies []time.Duration
}

// Quantile returns the q-quantile (0..1, nearest rank) of h.Latencies, 0
// when there are none.
func (h Health) Quantile(q float64) time.Duration {
	if len(h.Latencies) == 0 {
		return 0
	}
	s := slices.Clone(h.Latencies)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// healthCounters are Health behind a mutex.
type healthCounters struct {
	mu        sync.Mutex
	calls     uint64
	errors    uint64
	lastError string
	lat       [healthWindow]time.Duration
	latN      int
}

func (c *healthCounters) record(d time.Duration, err error) {
	if errors.Is(err, ErrBadInput) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if err != nil {
		c.errors++
		c.lastError = err.Error()
		return
	}
	c.lat[c.latN%healthWindow] = d
	c.latN++
}

func (c *healthCounters) snapshot() Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := Health{Calls: c.calls, Errors: c.errors, LastError: c.lastError}
	n := min(c.latN, healthWindow)
	for i := c.latN - n; i < c.latN; i++ {
		h.Latencies = append(h.Latencies, c.lat[i%healthWindow])
	}
	return h
}

// Health returns the model's call counters since it was loaded.
func (m *Model) Health() Health { return m.health.snapshot() }
