package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/edge-agent/edge-agent/hwprobe/live"
)

// LiveCache takes system samples on demand for Sources.Live, at most one
// per MaxAge, so frequent scrapes do not each walk /proc and /sys. It is
// safe for concurrent use (the live.Sampler it wraps is not).
type LiveCache struct {
	mu      sync.Mutex
	sampler *live.Sampler
	maxAge  time.Duration
	timeout time.Duration
	last    live.Sample
}

// NewLiveCache returns a cache of s's samples that reuses a sample younger
// than maxAge. A CPU percentage covers the time since the previous sample,
// so maxAge is also the shortest span it averages over.
func NewLiveCache(s *live.Sampler, maxAge time.Duration) *LiveCache {
	return &LiveCache{sampler: s, maxAge: maxAge, timeout: 5 * time.Second}
}

// Sample returns the cached sample, taking a new one when it is older than
// MaxAge. If sampling fails, the previous sample (possibly the zero one)
// is returned.
func (c *LiveCache) Sample() live.Sample {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.last.Time.IsZero() && time.Since(c.last.Time) < c.maxAge {
		return c.last
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if s, err := c.sampler.Sample(ctx); err == nil {
		c.last = s
	}
	return c.last
}
