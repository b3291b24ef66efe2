package uplink

import "time"

// bucket is a token bucket: it fills at rate tokens a second up to burst.
// take spends tokens and says how long to wait before going on; the
// balance may go negative (a message larger than the burst is let through
// after a proportionally longer wait), so every token spent is paid for
// and the long-run rate never exceeds rate.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
	spent       float64 // every token taken, for Stats and tests
}

// newBucket returns a full bucket, or nil (unlimited) when rate is 0.
func newBucket(rate, burst float64, now time.Time) *bucket {
	if rate <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// take spends n tokens at now and returns how long the caller must wait
// for the balance to be back at zero (0 when there were enough).
func (b *bucket) take(now time.Time, n float64) time.Duration {
	if b == nil {
		return 0
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens += el.Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
	b.tokens -= n
	b.spent += n
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}
