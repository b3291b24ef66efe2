package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// Defaults of Options.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultQueue         = 16
	DefaultMaxPayload    = 32 << 20
	DefaultPruneInterval = 10 * time.Minute
)

// stopGrace is how long Run waits, once its context is done, for a running
// handler to return before giving up on its response.
const stopGrace = 5 * time.Second

// Options configure a Dispatcher.
type Options struct {
	// Device is this device's id; every response carries it.
	Device string
	// Registry holds the handlers.
	Registry *Registry
	// Seen remembers the ids run; nil means a MemorySeen with
	// DefaultSeenTTL, which forgets them on restart. The Dispatcher does not
	// close it.
	Seen SeenStore
	// Respond sends a response (the uplink publishes it on
	// edge/{id}/cmd/response). It is called from one goroutine at a time,
	// never from Submit.
	Respond func(wire.Response)
	// Progress sends a progress report of a running command (the uplink
	// publishes it on edge/{id}/cmd/progress); nil drops them, and
	// ReportProgress does nothing. It is called from the goroutine that
	// calls Respond, so a command's reports go before its response; it
	// must return quickly (Uplink.PublishProgress does not wait for the
	// broker), since responses wait behind it. While it is slow, reports
	// are dropped, never the handler held up.
	Progress func(wire.Progress)
	// Timeout bounds each handler (DefaultTimeout when 0); Timeouts
	// overrides it per command name (e.g. a longer one for ota.apply).
	Timeout  time.Duration
	Timeouts map[string]time.Duration
	// Queue bounds the commands waiting to run (DefaultQueue when 0); when
	// it is full, Submit answers wire.CodeBusy at once.
	Queue int
	// MaxPayload refuses larger commands with wire.CodeBadRequest
	// (DefaultMaxPayload when 0).
	MaxPayload int
	// PruneInterval is how often Run prunes the SeenStore
	// (DefaultPruneInterval when 0).
	PruneInterval time.Duration
	// Now is the clock for expires_at and the SeenStore; nil means time.Now.
	Now func() time.Time
	// Logger receives a line per command and per refusal; nil discards.
	Logger *slog.Logger
}

// Stats counts what a Dispatcher did since it was made.
type Stats struct {
	Received    uint64 `json:"received"`     // payloads submitted
	Run         uint64 `json:"run"`          // handlers started
	OK          uint64 `json:"ok"`           // handlers that succeeded
	Failed      uint64 `json:"failed"`       // handlers that returned an error or panicked
	Panics      uint64 `json:"panics"`       // of which panics
	Timeouts    uint64 `json:"timeouts"`     // handlers that outlived their timeout
	Duplicates  uint64 `json:"duplicates"`   // ids seen before, answered from the store
	Expired     uint64 `json:"expired"`      // refused: expires_at passed
	BadRequests uint64 `json:"bad_requests"` // refused: malformed
	Unknown     uint64 `json:"unknown"`      // refused: no handler
	Busy        uint64 `json:"busy"`         // refused: queue full
	Dropped     uint64 `json:"dropped"`      // responses not sent: reply queue full or stopping
	// Progress counts the progress reports handed to Options.Progress;
	// ProgressDropped those lost because the sender was slow, the handler
	// had returned, or Progress panicked; ProgressThrottled those that
	// repeated a stage within ProgressInterval.
	Progress          uint64 `json:"progress"`
	ProgressDropped   uint64 `json:"progress_dropped"`
	ProgressThrottled uint64 `json:"progress_throttled"`
}

type counters struct {
	received, run, ok, failed, panics, timeouts, duplicates, expired, badRequests, unknown, busy, dropped atomic.Uint64
	progressSent, progressDropped, progressThrottled                                                      atomic.Uint64
}

// outgoing is what the send loop sends: a response, or a progress report
// when progress is set.
type outgoing struct {
	resp     wire.Response
	progress *wire.Progress
}

type job struct {
	topic string
	cmd   wire.Command
}

// Dispatcher runs the commands handed to Submit through the Registry, at
// most once per id, one at a time in arrival order, and sends their
// responses through Options.Respond. See the package documentation for the
// rules.
type Dispatcher struct {
	device        string
	reg           *Registry
	seen          SeenStore
	respond       func(wire.Response)
	progress      func(wire.Progress) // nil: no progress reports
	timeout       time.Duration
	timeouts      map[string]time.Duration
	maxPayload    int
	pruneInterval time.Duration
	now           func() time.Time
	log           *slog.Logger

	queue   chan job
	replies chan outgoing // responses and progress reports, in the order made
	// progressWaiting counts the progress reports in replies; at most
	// progressQueue, so they never take the responses' room.
	progressWaiting atomic.Int32
	started         atomic.Bool
	handlers        sync.WaitGroup // handler goroutines, including abandoned ones
	c               counters
}

// NewDispatcher returns a Dispatcher; call Run to start it. Submit may be
// called before Run: commands wait in the queue.
func NewDispatcher(o Options) (*Dispatcher, error) {
	if !wire.ValidID(o.Device) {
		return nil, fmt.Errorf("command dispatcher: invalid device id %q", o.Device)
	}
	if o.Registry == nil {
		return nil, errors.New("command dispatcher: no registry")
	}
	if o.Respond == nil {
		return nil, errors.New("command dispatcher: no Respond function")
	}
	d := &Dispatcher{
		device: o.Device, reg: o.Registry, seen: o.Seen, respond: o.Respond, progress: o.Progress,
		timeout: o.Timeout, timeouts: map[string]time.Duration{}, maxPayload: o.MaxPayload,
		pruneInterval: o.PruneInterval, now: o.Now, log: o.Logger,
	}
	for n, t := range o.Timeouts {
		d.timeouts[n] = t
	}
	if d.seen == nil {
		d.seen = NewMemorySeen(DefaultSeenTTL)
	}
	if d.timeout <= 0 {
		d.timeout = DefaultTimeout
	}
	if d.maxPayload <= 0 {
		d.maxPayload = DefaultMaxPayload
	}
	if d.pruneInterval <= 0 {
		d.pruneInterval = DefaultPruneInterval
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	q := o.Queue
	if q <= 0 {
		q = DefaultQueue
	}
	d.queue = make(chan job, q)
	// Room for an immediate answer to every queued command and as many
	// refusals again before replies are dropped, besides the progress
	// reports.
	d.replies = make(chan outgoing, 2*q+16+progressQueue)
	return d, nil
}

// Stats returns the counters.
func (d *Dispatcher) Stats() Stats {
	c := &d.c
	return Stats{
		Received: c.received.Load(), Run: c.run.Load(), OK: c.ok.Load(), Failed: c.failed.Load(),
		Panics: c.panics.Load(), Timeouts: c.timeouts.Load(), Duplicates: c.duplicates.Load(),
		Expired: c.expired.Load(), BadRequests: c.badRequests.Load(), Unknown: c.unknown.Load(),
		Busy: c.busy.Load(), Dropped: c.dropped.Load(),
		Progress: c.progressSent.Load(), ProgressDropped: c.progressDropped.Load(), ProgressThrottled: c.progressThrottled.Load(),
	}
}

// Submit hands over a payload received on topic. It never blocks (the MQTT
// client calls it from its receive path): it decodes the command, answers a
// malformed one at once with wire.CodeBadRequest, and queues the rest, or
// answers wire.CodeBusy when the queue is full. It does not retain payload.
func (d *Dispatcher) Submit(topic string, payload []byte) {
	d.c.received.Add(1)
	if len(payload) > d.maxPayload {
		d.c.badRequests.Add(1)
		d.log.Warn("command refused", "topic", topic, "code", wire.CodeBadRequest, "bytes", len(payload))
		d.reply(d.errResponse("", wire.CodeBadRequest,
			fmt.Sprintf("command of %d bytes is larger than the limit of %d", len(payload), d.maxPayload)))
		return
	}
	cmd, werr := Decode(payload)
	if werr != nil {
		d.c.badRequests.Add(1)
		d.log.Warn("command refused", "topic", topic, "id", cmd.ID, "code", werr.Code, "reason", werr.Message)
		d.reply(d.errResponse(cmd.ID, werr.Code, werr.Message))
		return
	}
	select {
	case d.queue <- job{topic: topic, cmd: cmd}:
	default:
		d.c.busy.Add(1)
		d.log.Warn("command refused: queue full", "topic", topic, "id", cmd.ID, "name", cmd.Name, "queue", cap(d.queue))
		d.reply(d.errResponse(cmd.ID, wire.CodeBusy,
			fmt.Sprintf("%d commands are waiting; try again later", cap(d.queue))))
	}
}

// reply queues a response without blocking; it drops (and counts) it when
// the reply queue is full.
func (d *Dispatcher) reply(r wire.Response) {
	select {
	case d.replies <- outgoing{resp: r}:
	default:
		d.c.dropped.Add(1)
		d.log.Error("command response dropped: reply queue full", "id", r.ID)
	}
}

func (d *Dispatcher) errResponse(id, code, msg string) wire.Response {
	return wire.Response{ID: id, Device: d.device, OK: false, Error: &wire.Error{Code: code, Message: msg}}
}

// Run runs queued commands until ctx is done. It prunes the SeenStore at
// start and every PruneInterval. When ctx is done it waits a few seconds for
// a running handler, sends the responses already made, and returns nil;
// commands still queued are dropped. Run may be called once.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.started.CompareAndSwap(false, true) {
		return errors.New("command dispatcher: Run called twice")
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.sendLoop(ctx)
	}()
	d.prune()
	tick := time.NewTicker(d.pruneInterval)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			d.prune()
		case j := <-d.queue:
			if ctx.Err() != nil {
				d.log.Warn("command dropped unanswered: the dispatcher is stopping", "id", j.cmd.ID, "name", j.cmd.Name)
				break loop
			}
			if r, ok := d.process(ctx, j); ok {
				select {
				case d.replies <- outgoing{resp: r}:
				case <-ctx.Done():
					d.c.dropped.Add(1)
					break loop
				}
			}
		}
	}
	if n := len(d.queue); n > 0 {
		d.log.Warn("command dispatcher stopping: queued commands dropped unanswered", "commands", n)
	}
	wg.Wait()
	d.waitHandlers()
	return nil
}

// waitHandlers waits, for a while, for handlers that outlived their timeout
// (their contexts are cancelled).
func (d *Dispatcher) waitHandlers() {
	done := make(chan struct{})
	go func() {
		d.handlers.Wait()
		close(done)
	}()
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		d.log.Error("command handlers ignore their cancelled context; leaving them running")
	}
}

// sendLoop calls Respond for each reply and Progress for each progress
// report, in the order they were queued; when ctx is done it sends what is
// already queued and returns.
func (d *Dispatcher) sendLoop(ctx context.Context) {
	for {
		select {
		case o := <-d.replies:
			d.sendOne(o)
		case <-ctx.Done():
			for {
				select {
				case o := <-d.replies:
					d.sendOne(o)
				default:
					return
				}
			}
		}
	}
}

func (d *Dispatcher) sendOne(o outgoing) {
	if o.progress != nil {
		d.sendProgress(*o.progress)
		return
	}
	d.send(o.resp)
}

func (d *Dispatcher) send(r wire.Response) {
	defer func() {
		if p := recover(); p != nil {
			d.c.dropped.Add(1)
			d.log.Error("command response: Respond panicked", "id", r.ID, "panic", fmt.Sprint(p))
		}
	}()
	d.respond(r)
}

func (d *Dispatcher) prune() {
	n, err := d.seen.Prune(d.now())
	if err != nil {
		d.log.Error("command ids: prune failed", "err", err)
	} else if n > 0 {
		d.log.Debug("command ids pruned", "ids", n)
	}
}

// process decides one command's response; ok is false when there is none
// to send (the dispatcher stopped while the handler ran).
func (d *Dispatcher) process(ctx context.Context, j job) (wire.Response, bool) {
	cmd := j.cmd
	now := d.now()
	log := d.log.With("id", cmd.ID, "name", cmd.Name, "topic", j.topic)
	stored, seen, err := d.seen.Lookup(cmd.ID, now)
	if err != nil {
		d.c.failed.Add(1)
		log.Error("command not run: id store unreadable", "err", err)
		return d.errResponse(cmd.ID, wire.CodeFailed, "not run: cannot check whether this id already ran: "+err.Error()), true
	}
	if seen {
		d.c.duplicates.Add(1)
		if stored == nil {
			// Begun but never finished: the device stopped while it ran.
			r := d.errResponse(cmd.ID, wire.CodeFailed, "interrupted: the device stopped while this command ran; it is not run again")
			log.Warn("command not run again: interrupted by a restart")
			d.finish(log, cmd.ID, now, r)
			return r, true
		}
		var r wire.Response
		if err := json.Unmarshal(stored, &r); err != nil {
			log.Error("command not run again: stored response unreadable", "err", err)
			return d.errResponse(cmd.ID, wire.CodeFailed, "already run; its stored response is unreadable"), true
		}
		r.ID, r.Device = cmd.ID, d.device
		log.Info("command already run: response sent again")
		return r, true
	}
	if cmd.ExpiresAt != nil && !now.Before(*cmd.ExpiresAt) {
		d.c.expired.Add(1)
		log.Warn("command refused: expired", "expires_at", *cmd.ExpiresAt)
		return d.errResponse(cmd.ID, wire.CodeExpired,
			fmt.Sprintf("expired at %s (device time %s)", cmd.ExpiresAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))), true
	}
	h, ok := d.reg.Lookup(cmd.Name)
	if !ok {
		d.c.unknown.Add(1)
		log.Warn("command refused: unknown name")
		return d.errResponse(cmd.ID, wire.CodeUnknown, fmt.Sprintf("unknown command %q", cmd.Name)), true
	}
	var until time.Time
	if cmd.ExpiresAt != nil {
		until = *cmd.ExpiresAt
	}
	if err := d.seen.Begin(cmd.ID, now, until); err != nil {
		d.c.failed.Add(1)
		log.Error("command not run: cannot record its id", "err", err)
		return d.errResponse(cmd.ID, wire.CodeFailed, "not run: cannot record its id: "+err.Error()), true
	}
	d.c.run.Add(1)
	start := time.Now()
	r, ok := d.call(ctx, log, h, cmd)
	if !ok {
		log.Warn("command interrupted: the dispatcher stopped while it ran")
		return r, false
	}
	switch {
	case r.OK:
		d.c.ok.Add(1)
		log.Info("command done", "elapsed", time.Since(start))
	default:
		log.Warn("command failed", "code", r.Error.Code, "reason", r.Error.Message, "elapsed", time.Since(start))
	}
	d.finish(log, cmd.ID, d.now(), r)
	return r, true
}

func (d *Dispatcher) finish(log *slog.Logger, id string, now time.Time, r wire.Response) {
	b, err := json.Marshal(r)
	if err == nil {
		err = d.seen.Finish(id, now, b)
	}
	if err != nil {
		log.Error("command response not stored: a redelivery will be answered \"interrupted\"", "err", err)
	}
}

type outcome struct {
	result    json.RawMessage
	failed    bool
	code, msg string // when failed
	panic     any
	late      bool // the handler returned after its context was cancelled
	stopped   bool // the dispatcher stopped and the handler did not return
}

// failure maps a handler's error to a response code and message. It runs
// under the handler goroutine's recover: an error whose Error method panics
// (a typed nil, say) is reported as a panic.
func failure(err error) (code, msg string) {
	var we *wire.Error
	if errors.As(err, &we) && we != nil && we.Code != "" {
		return we.Code, we.Message
	}
	return wire.CodeFailed, err.Error()
}

// call runs h with the command's timeout; ok is false when ctx ended and the
// handler did not return within stopGrace.
func (d *Dispatcher) call(ctx context.Context, log *slog.Logger, h Handler, cmd wire.Command) (wire.Response, bool) {
	timeout := d.timeout
	if t, ok := d.timeouts[cmd.Name]; ok && t > 0 {
		timeout = t
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Closed when call returns, before the response is queued: reports
	// made later (by a handler that outlived its timeout) are dropped.
	hctx, closeReporter := d.withReporter(hctx, cmd.ID)
	defer closeReporter()
	done := make(chan outcome, 1)
	d.handlers.Add(1)
	go func() {
		defer d.handlers.Done()
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{panic: p}
				log.Error("command handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
			done <- o
		}()
		v, err := h(hctx, cmd.Args)
		o.late = hctx.Err() != nil
		if err != nil {
			code, msg := failure(err)
			o = outcome{failed: true, code: code, msg: msg, late: o.late}
			return
		}
		if v != nil {
			b, err := json.Marshal(v)
			if err != nil {
				o = outcome{failed: true, code: wire.CodeFailed, msg: "result cannot be encoded: " + err.Error(), late: o.late}
				return
			}
			o.result = b
		}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-hctx.Done():
		select {
		case o = <-done: // it finished too; o.late says whether in time
		default:
			o = d.overtime(ctx, done)
		}
	}
	if o.stopped {
		return wire.Response{}, false
	}
	// A handler that returns after its deadline (even because of it) has
	// timed out, whatever it returned.
	if o.late && ctx.Err() == nil {
		d.c.timeouts.Add(1)
		return d.errResponse(cmd.ID, wire.CodeTimeout, fmt.Sprintf("%s did not finish within %s", cmd.Name, timeout)), true
	}
	return d.response(cmd, o), true
}

// overtime handles a handler still running when its context ended: a
// timeout, or, when the dispatcher is stopping, a short wait for it.
func (d *Dispatcher) overtime(ctx context.Context, done <-chan outcome) outcome {
	if ctx.Err() == nil {
		return outcome{late: true}
	}
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case o := <-done:
		return o
	case <-t.C:
		return outcome{stopped: true}
	}
}

// response makes the response of a handler's outcome.
func (d *Dispatcher) response(cmd wire.Command, o outcome) wire.Response {
	switch {
	case o.panic != nil:
		d.c.failed.Add(1)
		d.c.panics.Add(1)
		return d.errResponse(cmd.ID, wire.CodeFailed, fmt.Sprintf("%s failed: internal error (panic: %v)", cmd.Name, o.panic))
	case o.failed:
		d.c.failed.Add(1)
		return d.errResponse(cmd.ID, o.code, o.msg)
	}
	return wire.Response{ID: cmd.ID, Device: d.device, OK: true, Result: o.result}
}
