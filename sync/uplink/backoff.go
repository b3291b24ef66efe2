package uplink

import (
	"math/rand/v2"
	"time"
)

// backoff computes the waits between connection attempts: exponential with
// full jitter (a uniformly random wait in [0, min(max, min·2ⁿ)] after the
// n-th failure in a row, n from 0), so a fleet that lost its broker does
// not reconnect in lockstep.
type backoff struct {
	min, max time.Duration
	// rand returns a uniform int64 in [0, n); tests give a fake.
	rand    func(n int64) int64
	attempt int
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max, rand: rand.Int64N}
}

// ceiling returns the upper bound of the next wait.
func (b *backoff) ceiling() time.Duration {
	c := b.min
	for i := 0; i < b.attempt && c < b.max; i++ {
		c *= 2
	}
	if c > b.max || c <= 0 { // c <= 0: overflow
		c = b.max
	}
	return c
}

// next returns the wait before the next attempt and counts a failure.
func (b *backoff) next() time.Duration {
	c := b.ceiling()
	if b.attempt < 64 {
		b.attempt++
	}
	if c <= 0 {
		return 0
	}
	return time.Duration(b.rand(int64(c) + 1)) // inclusive of the ceiling
}

// reset starts over after a good connection.
func (b *backoff) reset() { b.attempt = 0 }
