package sensor

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// The supervisor's restart policy: exponential backoff from RestartMin to
// RestartMax, back to RestartMin after a run that stayed up RestartHealthy.
const (
	RestartMin     = 100 * time.Millisecond
	RestartMax     = 30 * time.Second
	RestartHealthy = time.Minute
)

// State is a supervised sensor's state, as GET /v1/status shows it.
type State struct {
	// Name and Type are the sensor's.
	Name, Type string
	// Running reports whether the sensor's Run is in progress (false while
	// waiting to restart, and after it ended).
	Running bool
	// Samples counts the samples emitted since supervision started.
	Samples uint64
	// Restarts counts the runs started again after a failure.
	Restarts uint64
	// LastErr is the last failure ("" when none).
	LastErr string
	// LastSample is when the last sample was emitted (zero before the
	// first): a stall detector compares it with the time.
	LastSample time.Time
}

// Supervisor runs one sensor and restarts it when it fails: after the
// n-th failure in a row it waits RestartMin·2ⁿ⁻¹ (at most RestartMax); a
// run that stayed up RestartHealthy resets the count. A Run that panics
// is a failure too. A Run that returns nil before the context is done has
// ended (a file played once) and is not restarted. Its methods are safe
// for concurrent use.
type Supervisor struct {
	sensor Sensor
	typ    string
	logger *slog.Logger
	policy restartPolicy
	done   chan struct{}

	samples    atomic.Uint64
	lastSample atomic.Int64 // Unix ns, 0 before the first sample

	mu       sync.Mutex
	running  bool
	restarts uint64
	lastErr  string
}

// Supervise starts running s in a goroutine, passing its samples to emit,
// until ctx is done or s ends; Done is closed then. typ is the sensor's
// configured type, reported by State. A nil logger discards the logs.
func Supervise(ctx context.Context, s Sensor, typ string, emit func(Sample), logger *slog.Logger) *Supervisor {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	sv := &Supervisor{
		sensor: s,
		typ:    typ,
		logger: logger.With("sensor", s.Name()),
		policy: restartPolicy{min: RestartMin, max: RestartMax, healthy: RestartHealthy},
		done:   make(chan struct{}),
	}
	sv.running = true
	go sv.loop(ctx, emit)
	return sv
}

// Sensor returns the supervised sensor (the API pushes to a *Push).
func (sv *Supervisor) Sensor() Sensor { return sv.sensor }

// Done is closed when supervision has ended: the context is done (and
// the sensor's Run has returned) or the sensor ended.
func (sv *Supervisor) Done() <-chan struct{} { return sv.done }

// State returns the sensor's current state.
func (sv *Supervisor) State() State {
	sv.mu.Lock()
	st := State{Name: sv.sensor.Name(), Type: sv.typ, Running: sv.running, Restarts: sv.restarts, LastErr: sv.lastErr}
	sv.mu.Unlock()
	st.Samples = sv.samples.Load()
	if ns := sv.lastSample.Load(); ns != 0 {
		st.LastSample = time.Unix(0, ns)
	}
	return st
}

func (sv *Supervisor) loop(ctx context.Context, emit func(Sample)) {
	defer close(sv.done)
	defer sv.setRunning(false)
	counted := func(s Sample) {
		sv.samples.Add(1)
		sv.lastSample.Store(time.Now().UnixNano())
		emit(s)
	}
	for {
		start := time.Now()
		err := sv.runOnce(ctx, counted)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			sv.logger.Info("sensor ended")
			return
		}
		wait := sv.policy.next(time.Since(start))
		sv.mu.Lock()
		sv.running, sv.lastErr = false, err.Error()
		sv.mu.Unlock()
		sv.logger.Warn("sensor failed; restarting", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		sv.mu.Lock()
		sv.running = true
		sv.restarts++
		sv.mu.Unlock()
	}
}

// runOnce runs the sensor once, turning a panic into an error.
func (sv *Supervisor) runOnce(ctx context.Context, emit func(Sample)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			sv.logger.Error("sensor panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("sensor %q panicked: %v", sv.sensor.Name(), r)
		}
	}()
	return sv.sensor.Run(ctx, emit)
}

func (sv *Supervisor) setRunning(r bool) {
	sv.mu.Lock()
	sv.running = r
	sv.mu.Unlock()
}

// restartPolicy computes the waits before restarts.
type restartPolicy struct {
	min, max, healthy time.Duration
	cur               time.Duration // the last wait; 0 after a healthy run
}

// next returns the wait after a run that lasted ran and failed.
func (p *restartPolicy) next(ran time.Duration) time.Duration {
	switch {
	case ran >= p.healthy || p.cur == 0:
		p.cur = p.min
	default:
		p.cur = min(2*p.cur, p.max)
	}
	return p.cur
}
