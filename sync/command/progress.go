package command

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// ProgressInterval is the least time between two progress reports of one
// command with the same stage; a report with a new stage always goes.
const ProgressInterval = 500 * time.Millisecond

// Limits on a progress report's text: longer ones are cut (at a character
// boundary).
const (
	MaxProgressStage   = MaxNameLen
	MaxProgressMessage = 1024
)

// progressQueue bounds the progress reports waiting for Options.Progress;
// beyond it reports are dropped (and counted) rather than wait.
const progressQueue = 8

type progressKey struct{}

// ReportProgress reports how the command whose handler received ctx
// advances: p.Stage names the step ("download", "verify", "install",
// "activate", ...), p.Done and p.Total count it (bytes or steps; Total 0
// when unknown), p.Message is optional. The Dispatcher fills in ID and
// Device, and TS when it is zero, and sends the report through
// Options.Progress before the command's response.
//
// ReportProgress never blocks. It does nothing when ctx does not come from
// a Dispatcher with a Progress function (a handler called directly, in a
// unit test say). A report is dropped when it repeats the previous report's
// stage within ProgressInterval, when reports wait for a slow sender, or
// after the handler returned (or timed out); a handler may therefore report
// as often as it likes, and need not report the end: the response says it.
func ReportProgress(ctx context.Context, p wire.Progress) {
	if ctx == nil {
		return
	}
	if r, ok := ctx.Value(progressKey{}).(*reporter); ok && r != nil {
		r.report(p)
	}
}

// reporter rate-limits and queues one command's progress reports.
type reporter struct {
	d  *Dispatcher
	id string

	mu     sync.Mutex
	closed bool      // the handler returned: later reports are dropped
	sent   bool      // a report was queued
	stage  string    // of the last report queued
	last   time.Time // when the last report was queued
}

// withReporter returns ctx carrying a reporter for the command id, and a
// function that closes it; without Options.Progress it returns ctx as is.
func (d *Dispatcher) withReporter(ctx context.Context, id string) (context.Context, func()) {
	if d.progress == nil {
		return ctx, func() {}
	}
	r := &reporter{d: d, id: id}
	return context.WithValue(ctx, progressKey{}, r), r.close
}

func (r *reporter) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

func (r *reporter) report(p wire.Progress) {
	d := r.d
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		d.c.progressDropped.Add(1)
		return
	}
	p.Stage = truncate(p.Stage, MaxProgressStage)
	now := d.now()
	if r.sent && p.Stage == r.stage && now.Sub(r.last) < ProgressInterval {
		d.c.progressThrottled.Add(1)
		return
	}
	p.ID, p.Device = r.id, d.device
	if p.TS.IsZero() {
		p.TS = now.UTC()
	}
	p.Message = truncate(p.Message, MaxProgressMessage)
	// Under r.mu, so one command's reports are queued in the order made.
	if !d.queueProgress(p) {
		d.c.progressDropped.Add(1)
		return
	}
	r.sent, r.stage, r.last = true, p.Stage, now
}

// queueProgress puts a report in the send queue unless progressQueue
// reports already wait there. It never blocks.
func (d *Dispatcher) queueProgress(p wire.Progress) bool {
	if d.progressWaiting.Add(1) > progressQueue {
		d.progressWaiting.Add(-1)
		return false
	}
	select {
	case d.replies <- outgoing{progress: &p}:
		return true
	default: // cannot happen: the queue has room for progressQueue reports
		d.progressWaiting.Add(-1)
		return false
	}
}

// sendProgress calls Options.Progress for a report taken from the queue.
func (d *Dispatcher) sendProgress(p wire.Progress) {
	d.progressWaiting.Add(-1)
	defer func() {
		if v := recover(); v != nil {
			d.c.progressDropped.Add(1)
			d.log.Error("command progress: Progress panicked", "id", p.ID, "panic", fmt.Sprint(v))
		}
	}()
	d.progress(p)
	d.c.progressSent.Add(1)
}

// truncate cuts s to at most n bytes at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) { // s[n] continues the character cut
		n--
	}
	return s[:n]
}
