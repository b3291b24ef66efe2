package pipeline

import (
	"slices"
	"sync"
	"time"
)

// Stats are a pipeline's counters since New.
type Stats struct {
	Samples    uint64            // samples offered
	Accepted   uint64            // samples that passed the checks
	Rejected   map[string]uint64 // samples rejected, by reason (Reasons)
	Dropped    uint64            // samples dropped by the full queue
	Queued     int               // samples waiting now
	Inferences uint64            // successful inferences
	Published  uint64            // predictions written by the Sink
	Suppressed uint64            // predictions the publish policy held back
	Errors     uint64            // failed inferences and Sink calls
	LastError  string            // the latest of those errors
	LastSeq    uint64            // seq of the latest published prediction
	// LatencyP50 is the median Invoke time over the last latencyWindow
	// inferences (0 before the first).
	LatencyP50 time.Duration
	// LastProgress is when a sample was last processed or an inference
	// last finished (zero before either).
	LastProgress time.Time
}

// latencyWindow is how many recent inference times the median covers.
const latencyWindow = 64

// counters are a pipeline's statistics, behind a mutex (Offer, Run and
// Stats run on different goroutines).
type counters struct {
	mu           sync.Mutex
	samples      uint64
	accepted     uint64
	rejected     map[string]uint64
	inferences   uint64
	published    uint64
	suppressed   uint64
	errors       uint64
	lastError    string
	lastSeq      uint64
	lastProgress time.Time
	lat          [latencyWindow]time.Duration
	latN         int
	// busySince is when the inference in flight started (zero: none).
	busySince time.Time
}

func newCounters() *counters {
	c := &counters{rejected: make(map[string]uint64)}
	for _, r := range Reasons() {
		c.rejected[r] = 0
	}
	return c
}

func (c *counters) latency(d time.Duration) {
	c.lat[c.latN%latencyWindow] = d
	c.latN++
}

func (c *counters) p50() time.Duration {
	n := min(c.latN, latencyWindow)
	if n == 0 {
		return 0
	}
	s := slices.Clone(c.lat[:n])
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
