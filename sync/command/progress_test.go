package command

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// progressLog records the reports handed to Options.Progress.
type progressLog struct {
	mu  sync.Mutex
	got []wire.Progress
}

func (l *progressLog) add(p wire.Progress) {
	l.mu.Lock()
	l.got = append(l.got, p)
	l.mu.Unlock()
}

func (l *progressLog) all() []wire.Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wire.Progress(nil), l.got...)
}

// summary writes reports as "stage:done/total" separated by spaces.
func summary(ps []wire.Progress) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s:%d/%d", p.Stage, p.Done, p.Total))
	}
	return strings.Join(parts, " ")
}

// TestProgressBeforeResponse: a handler's reports reach Options.Progress in
// order, with the command's id and the device, stamped by the clock unless
// the handler set a time, and all of them before the response.
func TestProgressBeforeResponse(t *testing.T) {
	clk := newClock()
	var log progressLog
	h := newHarness(t, NewMemorySeen(0), Options{Now: clk.Now, Progress: log.add})
	own := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	h.reg.Register("ota.apply", func(ctx context.Context, _ json.RawMessage) (any, error) {
		ReportProgress(ctx, wire.Progress{Stage: "download", Done: 1 << 20, Total: 4 << 20, ID: "forged", Device: "other"})
		ReportProgress(ctx, wire.Progress{Stage: "verify", TS: own})
		ReportProgress(ctx, wire.Progress{Stage: "install", Done: 1, Total: 2, Message: "writing models/detector/3"})
		return "installed", nil
	})
	h.start()
	h.submit("edge/dev1/cmd", cmdJSON("c1", "ota.apply", ""))
	r := h.next()
	if !r.OK || r.ID != "c1" {
		t.Fatalf("response %+v", r)
	}
	// Progress and Respond run on one goroutine: every report was handed
	// over before the response was.
	got := log.all()
	if s := summary(got); s != "download:1048576/4194304 verify:0/0 install:1/2" {
		t.Fatalf("reports %s", s)
	}
	for i, p := range got {
		if p.ID != "c1" || p.Device != "dev1" {
			t.Errorf("report %d: id %q device %q, want c1 dev1", i, p.ID, p.Device)
		}
	}
	if !got[0].TS.Equal(clk.Now()) || !got[1].TS.Equal(own) {
		t.Errorf("times %s %s, want the clock's then the handler's", got[0].TS, got[1].TS)
	}
	if got[2].Message != "writing models/detector/3" {
		t.Errorf("message %q", got[2].Message)
	}
	if s := h.d.Stats(); s.Progress != 3 || s.ProgressDropped != 0 || s.ProgressThrottled != 0 {
		t.Errorf("stats %+v", s)
	}

	// A redelivered id is answered from the store, with no progress.
	h.submit("edge/dev1/cmd", cmdJSON("c1", "ota.apply", ""))
	if r := h.next(); !r.OK || r.ID != "c1" || len(log.all()) != 3 {
		t.Errorf("redelivery: %+v, %d reports", r, len(log.all()))
	}
}

// TestProgressRateLimit: within ProgressInterval only a new stage goes;
// the clock is the injected one, advanced by the handler itself.
func TestProgressRateLimit(t *testing.T) {
	clk := newClock()
	var log progressLog
	h := newHarness(t, NewMemorySeen(0), Options{Now: clk.Now, Progress: log.add})
	h.reg.Register("long", func(ctx context.Context, _ json.RawMessage) (any, error) {
		step := func(stage string, done int64) {
			ReportProgress(ctx, wire.Progress{Stage: stage, Done: done, Total: 100})
		}
		step("download", 1) // first: sent
		step("download", 2) // same instant: throttled
		clk.Advance(ProgressInterval - time.Nanosecond)
		step("download", 3) // just inside the interval: throttled
		clk.Advance(time.Nanosecond)
		step("download", 4) // a full interval later: sent
		step("verify", 0)   // a new stage: sent at once
		step("verify", 50)  // throttled
		step("download", 5) // back to download: a new stage again
		clk.Advance(time.Millisecond)
		step("download", 6) // throttled
		clk.Advance(ProgressInterval)
		step("download", 7) // sent
		return nil, nil
	})
	h.start()
	h.submit("edge/dev1/cmd", cmdJSON("r", "long", ""))
	if r := h.next(); !r.OK {
		t.Fatalf("response %+v", r)
	}
	want := "download:4/100 verify:0/100 download:5/100 download:7/100"
	if s := summary(log.all()); s != "download:1/100 "+want {
		t.Errorf("reports %s, want download:1/100 %s", s, want)
	}
	if s := h.d.Stats(); s.Progress != 5 || s.ProgressThrottled != 4 || s.ProgressDropped != 0 {
		t.Errorf("stats: %d sent, %d throttled, %d dropped; want 5, 4, 0", s.Progress, s.ProgressThrottled, s.ProgressDropped)
	}

	// The limit is per command: the next one starts afresh at the same
	// instant.
	h.reg.Register("short", func(ctx context.Context, _ json.RawMessage) (any, error) {
		ReportProgress(ctx, wire.Progress{Stage: "download", Done: 9})
		return nil, nil
	})
	h.submit("edge/dev1/cmd", cmdJSON("s", "short", ""))
	if r := h.next(); !r.OK {
		t.Fatalf("response %+v", r)
	}
	if got := log.all(); len(got) != 6 || got[5].ID != "s" || got[5].Done != 9 {
		t.Errorf("second command's report: %+v", got[len(got)-1])
	}
}

// TestProgressWithoutReporter: ReportProgress is a no-op on a context that
// did not come from a Dispatcher, and on one whose Dispatcher has no
// Progress function.
func TestProgressWithoutReporter(t *testing.T) {
	ReportProgress(context.Background(), wire.Progress{Stage: "download"})
	ReportProgress(nil, wire.Progress{Stage: "download"}) //nolint:staticcheck // a nil context must not panic
	h := newHarness(t, NewMemorySeen(0), Options{})
	reported := make(chan struct{})
	h.reg.Register("long", func(ctx context.Context, _ json.RawMessage) (any, error) {
		ReportProgress(ctx, wire.Progress{Stage: "download"})
		close(reported)
		return "done", nil
	})
	h.start()
	h.submit("edge/dev1/cmd", cmdJSON("n", "long", ""))
	if r := h.next(); !r.OK || string(r.Result) != `"done"` {
		t.Fatalf("response %+v", r)
	}
	<-reported
	if s := h.d.Stats(); s.Progress != 0 || s.ProgressDropped != 0 || s.ProgressThrottled != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestBlockedProgressSender: a Progress function that does not return
// holds up neither the handler nor its reports: they are dropped and
// counted, the ones queued go out in order once it returns, and a report
// made after the handler returned is dropped.
func TestBlockedProgressSender(t *testing.T) {
	release := make(chan struct{})
	var log progressLog
	h := newHarness(t, NewMemorySeen(0), Options{Progress: func(p wire.Progress) {
		<-release
		log.add(p)
	}})
	const reports = 100
	handlerDone := make(chan struct{})
	ctxs := make(chan context.Context, 1)
	h.reg.Register("long", func(ctx context.Context, _ json.RawMessage) (any, error) {
		defer close(handlerDone)
		ctxs <- ctx
		for i := range reports {
			ReportProgress(ctx, wire.Progress{Stage: fmt.Sprintf("s%d", i)}) // each a new stage
		}
		return nil, nil
	})
	h.start()
	defer func() {
		select {
		case <-release:
		default:
			close(release) // let Run stop when the test fails early
		}
	}()
	h.submit("edge/dev1/cmd", cmdJSON("b", "long", ""))
	select {
	case <-handlerDone:
	case <-time.After(20 * time.Second):
		t.Fatal("the handler is held up by the blocked Progress function")
	}
	// At most progressQueue reports wait, and one more may be in the
	// blocked Progress call.
	s := h.d.Stats()
	if s.ProgressDropped < reports-progressQueue-1 || s.ProgressThrottled != 0 {
		t.Fatalf("while blocked: %d dropped, %d throttled; want at least %d dropped", s.ProgressDropped, s.ProgressThrottled, reports-progressQueue-1)
	}
	close(release)
	if r := h.next(); !r.OK || r.ID != "b" {
		t.Fatalf("response %+v", r)
	}
	got := log.all()
	s = h.d.Stats()
	if uint64(len(got)) != s.Progress || s.Progress+s.ProgressDropped != reports {
		t.Fatalf("%d reports sent, stats %d sent %d dropped, want %d in all", len(got), s.Progress, s.ProgressDropped, reports)
	}
	// The reports that went kept their order, the first one included (the
	// blocked call frees a place in the queue for one later report).
	prev := -1
	for i, p := range got {
		var n int
		if _, err := fmt.Sscanf(p.Stage, "s%d", &n); err != nil || n <= prev || (i == 0 && n != 0) {
			t.Fatalf("report %d has stage %s: %s", i, p.Stage, summary(got))
		}
		prev = n
	}
	// After the handler returned, its context reports nothing.
	ReportProgress(<-ctxs, wire.Progress{Stage: "late"})
	if s2 := h.d.Stats(); s2.ProgressDropped != s.ProgressDropped+1 || s2.Progress != s.Progress {
		t.Errorf("a late report: stats %+v, before %+v", s2, s)
	}
	// A command that follows still gets its response.
	h.submit("edge/dev1/cmd", cmdJSON("p", "ping", ""))
	if r := h.next(); !r.OK || r.ID != "p" {
		t.Fatalf("response %+v", r)
	}
	if len(log.all()) != len(got) {
		t.Errorf("a report was sent after its handler returned: %s", summary(log.all()))
	}
}

// TestProgressAfterTimeout: a handler that outlives its timeout reports
// nothing more; its timeout response is not held up.
func TestProgressAfterTimeout(t *testing.T) {
	var log progressLog
	h := newHarness(t, NewMemorySeen(0), Options{Timeout: time.Millisecond, Progress: log.add})
	late := make(chan struct{})
	lateDone := make(chan struct{})
	h.reg.Register("slow", func(ctx context.Context, _ json.RawMessage) (any, error) {
		defer close(lateDone)
		ReportProgress(ctx, wire.Progress{Stage: "download"}) // before or after the timeout
		<-ctx.Done()
		<-late // only after its timeout response went
		ReportProgress(ctx, wire.Progress{Stage: "verify"})
		return nil, nil
	})
	h.start()
	h.submit("edge/dev1/cmd", cmdJSON("t", "slow", ""))
	wantError(t, h.next(), "t", wire.CodeTimeout)
	close(late)
	<-lateDone
	if s := summary(log.all()); s != "" && s != "download:0/0" {
		t.Errorf("reports %s, want at most the one made before the timeout", s)
	}
	if s := h.d.Stats(); s.ProgressDropped < 1 || s.Progress+s.ProgressDropped != 2 || s.Progress != uint64(len(log.all())) {
		t.Errorf("stats %+v, want the late report dropped", s)
	}
}

// TestProgressPanicAndLimits: a Progress function that panics costs a
// dropped report, not the dispatcher; an overlong stage and message are
// cut at a character boundary.
func TestProgressPanicAndLimits(t *testing.T) {
	var log progressLog
	calls := 0
	h := newHarness(t, NewMemorySeen(0), Options{Progress: func(p wire.Progress) {
		if calls++; calls == 1 {
			panic("boom")
		}
		log.add(p)
	}})
	long := strings.Repeat("é", MaxProgressMessage) // two bytes each
	h.reg.Register("long", func(ctx context.Context, _ json.RawMessage) (any, error) {
		ReportProgress(ctx, wire.Progress{Stage: "a"})
		ReportProgress(ctx, wire.Progress{Stage: "x" + long, Message: "x" + long})
		return nil, nil
	})
	h.start()
	h.submit("edge/dev1/cmd", cmdJSON("l", "long", ""))
	if r := h.next(); !r.OK {
		t.Fatalf("response %+v", r)
	}
	got := log.all()
	if len(got) != 1 {
		t.Fatalf("reports %s", summary(got))
	}
	p := got[0]
	if len(p.Stage) > MaxProgressStage || len(p.Stage) < MaxProgressStage-1 || !utf8.ValidString(p.Stage) || !strings.HasPrefix(p.Stage, "xé") {
		t.Errorf("stage of %d bytes, valid %v", len(p.Stage), utf8.ValidString(p.Stage))
	}
	if len(p.Message) != MaxProgressMessage-1 || !utf8.ValidString(p.Message) {
		t.Errorf("message of %d bytes, valid %v", len(p.Message), utf8.ValidString(p.Message))
	}
	if s := h.d.Stats(); s.Progress != 1 || s.ProgressDropped != 1 {
		t.Errorf("stats %+v", s)
	}
}
