package sensor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/edge-agent/edge-agent/agent/demo"
)

// The simulated signals.
const (
	SignalMotion = "motion"
	SignalSine   = "sine"
	SignalNoise  = "noise"
)

// maxSimulatedChannels bounds SimulatedOptions.Channels.
const maxSimulatedChannels = 1024

// SimulatedOptions configure a simulated sensor. Zero values take the
// defaults named on each field.
type SimulatedOptions struct {
	// Signal is SignalMotion (the default), SignalSine or SignalNoise.
	//
	// motion is demo.Accelerometer: channels x, y, z in g, cycling idle ->
	// walking -> shaking, 4 s each; Sample.Truth is the motion's label.
	// sine is Amplitude·sin(2π·Frequency·t + c·Phase) on channel c.
	// noise is gaussian with standard deviation Amplitude.
	// sine and noise name their channels ch0, ch1, ...
	Signal string
	// Seed makes the signal, its noise and everything else repeatable:
	// two sensors with the same options emit the same values.
	Seed uint64
	// Channels is the number of channels of sine and noise (default 1, at
	// most 1024). motion always has 3.
	Channels int
	// Amplitude of sine and noise (default 1).
	Amplitude float64
	// Frequency of sine in Hz (default 1).
	Frequency float64
	// Phase is added to the sine's phase per channel, in radians:
	// channel c is shifted by c·Phase (default 0: all channels alike).
	Phase float64
	// Noise is the standard deviation of gaussian noise added to every
	// value of any signal (default 0: none).
	Noise float64
	// Anomalies are faults injected into the signal, applied in order.
	Anomalies []Anomaly
}

// Simulated is a sensor that computes its signal. Time is counted in
// samples (sample n is at n/Rate seconds), so the values, the truth labels
// and the anomalies do not depend on how fast the consumer is: with Fast
// set it emits the same sequence as in real time, only sooner. Each Run
// starts the sequence over.
type Simulated struct {
	name     string
	channels []string
	rate     float64
	fast     bool
	clock    func() time.Time
	opts     SimulatedOptions
}

func newSimulated(spec Spec) (*Simulated, error) {
	o := spec.Simulated
	rate := spec.Rate
	if rate == 0 {
		rate = DefaultRate
	}
	if o.Signal == "" {
		o.Signal = SignalMotion
	}
	if o.Channels < 0 || o.Channels > maxSimulatedChannels {
		return nil, fmt.Errorf("simulated: channels %d: want 1 to %d", o.Channels, maxSimulatedChannels)
	}
	if o.Channels == 0 {
		o.Channels = 1
	}
	if o.Amplitude == 0 {
		o.Amplitude = 1
	}
	if o.Frequency == 0 {
		o.Frequency = 1
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"amplitude", o.Amplitude}, {"frequency", o.Frequency}, {"phase", o.Phase}, {"noise", o.Noise}} {
		if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
			return nil, fmt.Errorf("simulated: %s %v is not a finite number", v.name, v.v)
		}
	}
	if o.Frequency < 0 {
		return nil, fmt.Errorf("simulated: frequency %v Hz: want > 0", o.Frequency)
	}
	if o.Noise < 0 {
		return nil, fmt.Errorf("simulated: noise %v: want a standard deviation >= 0", o.Noise)
	}
	s := &Simulated{name: spec.Name, rate: rate, fast: spec.Fast, clock: spec.Clock}
	switch o.Signal {
	case SignalMotion:
		s.channels = []string{"x", "y", "z"}
	case SignalSine, SignalNoise:
		s.channels = indexedNames("ch", o.Channels)
	default:
		return nil, fmt.Errorf("simulated: unknown signal %q (want %s, %s or %s)", o.Signal, SignalMotion, SignalSine, SignalNoise)
	}
	for i, a := range o.Anomalies {
		if err := a.check(); err != nil {
			return nil, fmt.Errorf("simulated: anomaly %d: %w", i, err)
		}
	}
	s.opts = o
	return s, nil
}

// Name returns the sensor's name.
func (s *Simulated) Name() string { return s.name }

// Channels returns x, y, z for motion and ch0, ch1, ... otherwise.
func (s *Simulated) Channels() []string { return s.channels }

// Run emits the signal at Rate Hz (or without waiting when Fast) until ctx
// is done; it then returns nil.
func (s *Simulated) Run(ctx context.Context, emit func(Sample)) error {
	g := newSimGen(s.opts, s.rate, len(s.channels))
	p := newPacer(s.rate, s.fast)
	defer p.stop()
	for {
		if p.wait(ctx) != nil {
			return nil
		}
		if smp, ok := g.next(); ok {
			smp.TS = s.clock()
			emit(smp)
		}
	}
}

// simGen computes a simulated sensor's samples one after the other.
type simGen struct {
	rate      float64
	signal    func(n int64, out []float64) string
	noise     float64
	rng       *rand.Rand
	anomalies []anomalyState
	n         int64
	out       []float64
	last      []float32 // the last emitted values, for stuck
}

func newSimGen(o SimulatedOptions, rate float64, channels int) *simGen {
	g := &simGen{
		rate:  rate,
		noise: o.Noise,
		rng:   rand.New(rand.NewPCG(o.Seed, 0x5E25041)),
		out:   make([]float64, channels),
	}
	for _, a := range o.Anomalies {
		g.anomalies = append(g.anomalies, newAnomalyState(a, rate))
	}
	switch o.Signal {
	case SignalMotion:
		acc := demo.NewAccelerometer(o.Seed)
		acc.Rate = rate
		acc.Dwell = max(1, int(math.Round(4*rate)))
		g.signal = func(_ int64, out []float64) string {
			v, m := acc.Next()
			for i := range out {
				out[i] = float64(v[i])
			}
			return m.String()
		}
	case SignalSine:
		g.signal = func(n int64, out []float64) string {
			t := float64(n) / rate
			for c := range out {
				out[c] = o.Amplitude * math.Sin(2*math.Pi*o.Frequency*t+float64(c)*o.Phase)
			}
			return ""
		}
	case SignalNoise:
		sig := rand.New(rand.NewPCG(o.Seed, 0x0015E))
		g.signal = func(_ int64, out []float64) string {
			for c := range out {
				out[c] = o.Amplitude * sig.NormFloat64()
			}
			return ""
		}
	}
	return g
}

// next computes the next sample; ok is false when an anomaly drops it.
// Sample.Truth is the motion label, or for sine and noise the kind of the
// first active anomaly ("" when none).
func (g *simGen) next() (smp Sample, ok bool) {
	n := g.n
	g.n++
	truth := g.signal(n, g.out)
	vals := make([]float32, len(g.out))
	for i, v := range g.out {
		if g.noise > 0 {
			v += g.noise * g.rng.NormFloat64()
		}
		vals[i] = float32(v)
	}
	dropped := false
	for i := range g.anomalies {
		kind, drop := g.anomalies[i].apply(n, vals, g.last)
		if kind != "" && truth == "" {
			truth = kind
		}
		dropped = dropped || drop
	}
	if dropped {
		return Sample{}, false
	}
	g.last = append(g.last[:0], vals...)
	return Sample{Values: vals, Truth: truth}, true
}
