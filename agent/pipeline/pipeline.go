package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// Pipeline runs one model on one sensor's samples. Offer, Stats, Stalled
// and Name are safe to call from any goroutine; Run and Drain process the
// queue one sample at a time.
type Pipeline struct {
	o        Options
	log      *slog.Logger
	now      func() time.Time
	src      source
	interval bool
	post     *postprocessor
	pub      *publisher
	q        *queue
	c        *counters
	rl       *rateLog
	in, out  tensor.Tensor // what New checked the model's tensors to be
	runFn    func(*inference.Interpreter) error
	running  atomic.Bool
	// ticker makes Run's clock for Interval > 0 (tests replace it).
	ticker func(time.Duration) (<-chan time.Time, func())

	// work serializes processing (Run's loop and Drain); it guards src,
	// post, pub and the fields below.
	work   sync.Mutex
	filled bool          // the inference in flight reached the input
	ts     time.Time     // its newest sample's timestamp
	invoke time.Duration // its Invoke time
}

// errBadModel marks a model whose tensors changed after New.
var errBadModel = errors.New("model tensors changed since the pipeline was built; rebuild the pipeline")

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// Name returns the pipeline's name.
func (p *Pipeline) Name() string { return p.o.Name }

// Offer queues s for processing. It never blocks: when the queue is full
// its oldest sample is dropped (counted in Stats.Dropped). The pipeline
// keeps s's slices and image until it is done with them and never
// changes them, so one sample may be offered to several pipelines; the
// caller must not change them either. A zero s.TS is set to the current
// time.
func (p *Pipeline) Offer(s sensor.Sample) {
	now := p.now()
	if s.TS.IsZero() {
		s.TS = now
	}
	dropped := p.q.push(s, now)
	p.c.mu.Lock()
	p.c.samples++
	p.c.mu.Unlock()
	if dropped {
		p.rl.note("queue_full", "pipeline queue full: dropped its oldest sample", nil)
	}
}

// Run processes samples as they are offered (and infers every Interval
// when it is set) until ctx ends, then returns nil after finishing the
// sample in flight; samples still queued are left to Drain. A prediction
// made while ctx ends is still handed to the Sink, with a context that is
// not cancelled. Run returns an error when the pipeline is already running.
func (p *Pipeline) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return fmt.Errorf("pipeline %q: already running", p.o.Name)
	}
	defer p.running.Store(false)
	sinkCtx := context.WithoutCancel(ctx)
	var tick <-chan time.Time
	if p.interval {
		c, stop := p.ticker(p.o.Interval)
		defer stop()
		tick = c
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.q.wake:
			p.processQueued(ctx, sinkCtx)
		case <-tick:
			p.work.Lock()
			if p.src.due(true) {
				p.infer(sinkCtx)
			}
			p.work.Unlock()
		}
	}
}

// Drain processes the samples queued now and those offered meanwhile,
// until the queue is empty; with an Interval it then infers once more on
// the newest data if any is new. It returns an error naming ctx's when ctx
// ends first. It may run beside Run (they take turns sample by sample), but
// is meant for after Run has returned.
func (p *Pipeline) Drain(ctx context.Context) error {
	if !p.processQueued(ctx, ctx) {
		return fmt.Errorf("pipeline %q: drain: %w", p.o.Name, ctx.Err())
	}
	if p.interval {
		p.work.Lock()
		if p.src.due(true) {
			p.infer(ctx)
		}
		p.work.Unlock()
	}
	return nil
}

// processQueued processes samples until the queue is empty (true) or
// stop ends (false).
func (p *Pipeline) processQueued(stop, sinkCtx context.Context) bool {
	for stop.Err() == nil {
		p.work.Lock()
		s, ok := p.q.pop(p.now())
		if ok {
			p.process(s, sinkCtx)
		}
		p.work.Unlock()
		if !ok {
			return true
		}
	}
	return false
}

// process checks one sample into the source and infers when an input is
// due (with no Interval). The caller holds p.work.
func (p *Pipeline) process(s sensor.Sample, sinkCtx context.Context) {
	reason := p.src.take(s)
	now := p.now()
	p.c.mu.Lock()
	if reason != "" {
		p.c.rejected[reason]++
	} else {
		p.c.accepted++
	}
	p.c.lastProgress = now
	p.c.mu.Unlock()
	if reason != "" {
		p.rl.note(reason, "sample rejected", nil)
		return
	}
	if !p.interval && p.src.due(false) {
		p.infer(sinkCtx)
	}
}

// infer runs the model on the due input, then publishes or suppresses the
// prediction. The caller holds p.work.
func (p *Pipeline) infer(sinkCtx context.Context) {
	p.c.mu.Lock()
	p.c.busySince = p.now()
	p.c.mu.Unlock()
	defer func() {
		p.c.mu.Lock()
		p.c.busySince = time.Time{}
		p.c.mu.Unlock()
	}()

	p.filled = false
	err := p.o.Model.Run(p.runFn)
	if !p.filled {
		p.src.discard() // never written: drop it rather than retry it on every sample
	}
	if err != nil {
		p.fail("inference", fmt.Errorf("inference: %w", err))
		return
	}
	p.c.mu.Lock()
	p.c.inferences++
	p.c.latency(p.invoke)
	p.c.lastProgress = p.now()
	p.c.mu.Unlock()
	if p.o.OnInference != nil {
		p.o.OnInference(p.invoke)
	}
	if !p.pub.decide(&p.post.res) {
		p.c.mu.Lock()
		p.c.suppressed++
		p.c.mu.Unlock()
		return
	}
	pred := wire.Prediction{
		TS: p.ts, Pipeline: p.o.Name, Model: p.o.Model.Meta(),
		LatencyUS: p.invoke.Microseconds(), Output: p.post.output(), Top: p.post.top(),
	}
	seq, err := p.o.Sink(sinkCtx, pred)
	if err != nil {
		p.fail("sink", fmt.Errorf("sink: %w", err))
		return
	}
	p.c.mu.Lock()
	p.c.published++
	p.c.lastSeq = seq
	p.c.lastProgress = p.now()
	p.c.mu.Unlock()
}

// eval is the function the model runs under its lock: it fills the input,
// invokes the interpreter and reads the output.
func (p *Pipeline) eval(it *inference.Interpreter) error {
	if len(it.Inputs()) != 1 || p.o.Post.Output >= len(it.Outputs()) {
		return fmt.Errorf("%w: %d inputs, %d outputs", errBadModel, len(it.Inputs()), len(it.Outputs()))
	}
	in, out := it.Input(0), it.Output(p.o.Post.Output)
	if !sameTensor(in, &p.in) || !sameTensor(out, &p.out) {
		return fmt.Errorf("%w: input %s, output %s (built for %s, %s)", errBadModel, in, out, &p.in, &p.out)
	}
	p.filled = true
	p.ts = p.src.fill(in)
	p.post.readInput(in)
	start := time.Now()
	if err := it.Invoke(); err != nil {
		return err
	}
	p.invoke = time.Since(start)
	p.post.read(out)
	return nil
}

// fail counts and logs (rate-limited) a failed inference or Sink call.
func (p *Pipeline) fail(kind string, err error) {
	p.c.mu.Lock()
	p.c.errors++
	p.c.lastError = err.Error()
	p.c.mu.Unlock()
	p.rl.note(kind, "pipeline error", err)
}

// Stats returns the pipeline's counters.
func (p *Pipeline) Stats() Stats {
	queued, _, dropped := p.q.state()
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	return Stats{
		Samples: p.c.samples, Accepted: p.c.accepted, Rejected: maps.Clone(p.c.rejected),
		Dropped: dropped, Queued: queued,
		Inferences: p.c.inferences, Published: p.c.published, Suppressed: p.c.suppressed,
		Errors: p.c.errors, LastError: p.c.lastError, LastSeq: p.c.lastSeq,
		LatencyP50: p.c.p50(), LastProgress: p.c.lastProgress,
	}
}

// Stalled reports whether work is pending and not progressing at time
// now: samples have waited in the queue for more than limit without the
// pipeline taking one, or one inference (with its Sink call) has run for
// more than limit. An idle pipeline with nothing queued is not stalled.
func (p *Pipeline) Stalled(now time.Time, limit time.Duration) bool {
	if n, waiting, _ := p.q.state(); n > 0 && now.Sub(waiting) > limit {
		return true
	}
	p.c.mu.Lock()
	busy := p.c.busySince
	p.c.mu.Unlock()
	return !busy.IsZero() && now.Sub(busy) > limit
}
