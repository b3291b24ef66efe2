package pipeline

import (
	"fmt"
	"math"
)

// Rejection reasons, the keys of Stats.Rejected.
const (
	ReasonNaN        = "nan"
	ReasonInf        = "inf"
	ReasonOutOfRange = "out_of_range"
	ReasonStuck      = "stuck"
	ReasonBadShape   = "bad_shape"
	ReasonNoChannels = "no_channels"
)

// Reasons returns every rejection reason, for metrics that list them all.
func Reasons() []string {
	return []string{ReasonNaN, ReasonInf, ReasonOutOfRange, ReasonStuck, ReasonBadShape, ReasonNoChannels}
}

// quality checks the values of one time-series sample, channel by channel.
// It remembers each channel's last value and how many consecutive samples
// have held it, for the stuck-at check.
type quality struct {
	min, max       float64
	hasMin, hasMax bool
	stuckN         int
	last           []float32
	run            []int
}

func newQuality(q Quality, channels int) (quality, error) {
	c := quality{stuckN: q.StuckSamples}
	if q.Min != nil {
		if math.IsNaN(*q.Min) {
			return c, fmt.Errorf("quality: min is NaN")
		}
		c.min, c.hasMin = *q.Min, true
	}
	if q.Max != nil {
		if math.IsNaN(*q.Max) {
			return c, fmt.Errorf("quality: max is NaN")
		}
		c.max, c.hasMax = *q.Max, true
	}
	if c.hasMin && c.hasMax && c.min > c.max {
		return c, fmt.Errorf("quality: min %v is above max %v", c.min, c.max)
	}
	if q.StuckSamples < 0 || q.StuckSamples == 1 {
		return c, fmt.Errorf("quality: stuck_samples %d must be 0 (off) or at least 2", q.StuckSamples)
	}
	c.last = make([]float32, channels)
	c.run = make([]int, channels)
	return c, nil
}

// check returns the reason to reject vals, or "" to accept them. It
// updates the stuck-at runs with every sample it sees.
func (q *quality) check(vals []float32) string {
	stuck := false
	for c, v := range vals {
		if q.run[c] > 0 && v == q.last[c] {
			q.run[c]++
		} else {
			q.last[c], q.run[c] = v, 1
		}
		if q.stuckN > 0 && q.run[c] >= q.stuckN {
			stuck = true
		}
	}
	reason := ""
	for _, v := range vals {
		f := float64(v)
		switch {
		case math.IsNaN(f):
			return ReasonNaN
		case math.IsInf(f, 0):
			reason = ReasonInf
		case reason == "" && ((q.hasMin && f < q.min) || (q.hasMax && f > q.max)):
			reason = ReasonOutOfRange
		}
	}
	if reason == "" && stuck {
		reason = ReasonStuck
	}
	return reason
}
