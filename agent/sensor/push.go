package sensor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultPushQueue is the number of pushed samples a socket sensor holds
// when PushOptions.Queue is 0.
const DefaultPushQueue = 1024

// ErrFull is wrapped by Push's error when the queue had no room for every
// sample.
var ErrFull = errors.New("sensor queue is full")

// ErrInvalidSample is wrapped by Push's error when a sample does not fit
// the sensor; nothing of that push is accepted then.
var ErrInvalidSample = errors.New("invalid sample")

// PushOptions configure a socket sensor, fed by apps with
// POST /v1/sensors/{name}/samples.
type PushOptions struct {
	// Channels name the values of each pushed time-series sample. Empty
	// for a sensor that is pushed images or raw tensors only.
	Channels []string
	// Group is the group allowed to push (enforced by the API, carried
	// here).
	Group string
	// Queue is how many samples wait for the pipeline at most (default
	// DefaultPushQueue).
	Queue int
}

// Push is a sensor that emits the samples apps push to it, in order. Its
// queue holds them while the pipeline is busy (or the sensor restarting).
// Push is safe for concurrent use.
type Push struct {
	name     string
	channels []string
	group    string
	clock    func() time.Time
	q        chan Sample
}

func newPush(spec Spec) (*Push, error) {
	o := spec.Socket
	if err := checkChannelNames(o.Channels); err != nil {
		return nil, fmt.Errorf("socket: channels: %w", err)
	}
	if o.Queue < 0 {
		return nil, fmt.Errorf("socket: queue %d: want > 0 (0: %d)", o.Queue, DefaultPushQueue)
	}
	if o.Queue == 0 {
		o.Queue = DefaultPushQueue
	}
	var chans []string
	if len(o.Channels) > 0 {
		chans = append(chans, o.Channels...)
	}
	return &Push{name: spec.Name, channels: chans, group: o.Group, clock: spec.Clock, q: make(chan Sample, o.Queue)}, nil
}

// Name returns the sensor's name.
func (p *Push) Name() string { return p.name }

// Channels returns the configured channels (nil for image and raw pushes).
func (p *Push) Channels() []string { return p.channels }

// Group returns the group allowed to push to this sensor ("" when the
// configuration named none).
func (p *Push) Group() string { return p.group }

// Queued returns how many pushed samples wait to be emitted.
func (p *Push) Queued() int { return len(p.q) }

// Push checks samples and queues them, in order. Each must hold exactly
// one of Values (one per channel), Image or Raw; a zero TS is stamped
// with the current time. Values are copied. When any sample is invalid
// nothing is queued and the error wraps ErrInvalidSample, naming the
// sample. When the queue fills up, the samples that fit are queued and
// the error wraps ErrFull; accepted says how many were queued.
func (p *Push) Push(samples []Sample) (accepted int, err error) {
	for i, s := range samples {
		if err := p.check(s); err != nil {
			return 0, fmt.Errorf("sensor %q: sample %d: %w: %w", p.name, i, ErrInvalidSample, err)
		}
	}
	now := p.clock()
	for _, s := range samples {
		if s.TS.IsZero() {
			s.TS = now
		}
		if s.Values != nil {
			s.Values = append([]float32(nil), s.Values...)
		}
		select {
		case p.q <- s:
			accepted++
		default:
			return accepted, fmt.Errorf("sensor %q: %w (%d samples): accepted %d of %d", p.name, ErrFull, cap(p.q), accepted, len(samples))
		}
	}
	return accepted, nil
}

func (p *Push) check(s Sample) error {
	kinds := 0
	if len(s.Values) > 0 {
		kinds++
	}
	if s.Image != nil {
		kinds++
	}
	if len(s.Raw) > 0 {
		kinds++
	}
	switch {
	case kinds == 0:
		return errors.New("no values, image or raw data")
	case kinds > 1:
		return errors.New("more than one of values, image and raw data")
	case s.Image != nil && s.Image.Bounds().Empty():
		return errors.New("the image has no pixels")
	case len(s.Values) > 0 && len(p.channels) == 0:
		return errors.New("values pushed to a sensor without channels (it takes images or raw tensors)")
	case len(s.Values) > 0 && len(s.Values) != len(p.channels):
		return fmt.Errorf("%d values, want %d (%s)", len(s.Values), len(p.channels), strings.Join(p.channels, ", "))
	}
	return nil
}

// Run emits the queued samples until ctx is done; it then returns nil.
// Samples still queued stay for the next Run.
func (p *Push) Run(ctx context.Context, emit func(Sample)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-p.q:
			emit(s)
		}
	}
}
