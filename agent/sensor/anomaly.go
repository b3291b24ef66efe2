package sensor

import (
	"fmt"
	"math"
	"time"
)

// The anomaly kinds a simulated sensor can inject.
const (
	AnomalySpike   = "spike"   // Value added to every channel (meant for short durations)
	AnomalyNaN     = "nan"     // every channel NaN
	AnomalyInf     = "inf"     // every channel +Inf (-Inf when Value < 0)
	AnomalyStuck   = "stuck"   // the last value before the anomaly, repeated
	AnomalyOffset  = "offset"  // Value added to every channel (meant for long durations)
	AnomalyDropout = "dropout" // no samples at all
)

// Anomaly is a fault injected into a simulated signal: it is active for
// Duration at the start of every period of Every, from the end of the
// first period on (so never at time 0). Times are signal time (sample
// n is at n/Rate s) and are rounded to whole samples.
type Anomaly struct {
	// Kind is one of the Anomaly* constants.
	Kind string
	// Every is the period; it must be positive.
	Every time.Duration
	// Duration is how long each occurrence lasts, at most Every; 0 means
	// one sample.
	Duration time.Duration
	// Value is what spike and offset add, and the sign of inf.
	Value float64
}

func (a Anomaly) check() error {
	switch a.Kind {
	case AnomalySpike, AnomalyNaN, AnomalyInf, AnomalyStuck, AnomalyOffset, AnomalyDropout:
	default:
		return fmt.Errorf("unknown kind %q (want %s, %s, %s, %s, %s or %s)", a.Kind,
			AnomalySpike, AnomalyNaN, AnomalyInf, AnomalyStuck, AnomalyOffset, AnomalyDropout)
	}
	if a.Every <= 0 {
		return fmt.Errorf("%s: every %v: want a positive period", a.Kind, a.Every)
	}
	if a.Duration < 0 || a.Duration > a.Every {
		return fmt.Errorf("%s: duration %v: want 0 to every (%v)", a.Kind, a.Duration, a.Every)
	}
	if math.IsNaN(a.Value) || math.IsInf(a.Value, 0) {
		return fmt.Errorf("%s: value %v is not a finite number", a.Kind, a.Value)
	}
	return nil
}

// anomalyState is an anomaly in samples, with what stuck holds.
type anomalyState struct {
	Anomaly
	every, length int64 // in samples, both >= 1
	hold          []float32
	holdPeriod    int64 // the period hold was taken in
}

func newAnomalyState(a Anomaly, rate float64) anomalyState {
	every := max(1, int64(math.Round(a.Every.Seconds()*rate)))
	length := min(every, max(1, int64(math.Round(a.Duration.Seconds()*rate))))
	return anomalyState{Anomaly: a, every: every, length: length, holdPeriod: -1}
}

// active reports whether the anomaly covers sample n.
func (a *anomalyState) active(n int64) bool {
	return n >= a.every && n%a.every < a.length
}

// apply changes vals (sample n) when the anomaly covers it, and returns
// its kind then ("" otherwise) and whether the sample is dropped. last is
// the last emitted sample (nil before the first).
func (a *anomalyState) apply(n int64, vals, last []float32) (kind string, drop bool) {
	if !a.active(n) {
		return "", false
	}
	switch a.Kind {
	case AnomalySpike, AnomalyOffset:
		for i := range vals {
			vals[i] += float32(a.Value)
		}
	case AnomalyNaN:
		for i := range vals {
			vals[i] = float32(math.NaN())
		}
	case AnomalyInf:
		sign := 1
		if a.Value < 0 {
			sign = -1
		}
		for i := range vals {
			vals[i] = float32(math.Inf(sign))
		}
	case AnomalyStuck:
		if p := n / a.every; p != a.holdPeriod {
			a.holdPeriod = p
			a.hold = append(a.hold[:0], vals...)
			if len(last) == len(vals) {
				copy(a.hold, last)
			}
		}
		copy(vals, a.hold)
	case AnomalyDropout:
		return a.Kind, true
	}
	return a.Kind, false
}
