package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// storeKind makes a SeenStore for a test: the memory one, or a bbolt file
// in a temporary folder that is checked for consistency after the test.
type storeKind struct {
	name string
	open func(t *testing.T, dir string, ttl time.Duration) SeenStore
}

var storeKinds = []storeKind{
	{"memory", func(t *testing.T, _ string, ttl time.Duration) SeenStore { return NewMemorySeen(ttl) }},
	{"bbolt", func(t *testing.T, dir string, ttl time.Duration) SeenStore { return openBolt(t, dir, ttl) }},
}

func openBolt(t *testing.T, dir string, ttl time.Duration) *BoltSeen {
	t.Helper()
	s, err := OpenSeen(filepath.Join(dir, "commands.db"), ttl)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil && !errors.Is(err, ErrSeenClosed) {
			t.Errorf("consistency check: %v", err)
		}
		s.Close()
	})
	return s
}

// harness runs a Dispatcher and collects its responses.
type harness struct {
	t         *testing.T
	d         *Dispatcher
	reg       *Registry
	responses chan wire.Response
	cancel    context.CancelFunc
	done      chan struct{}
}

func newHarness(t *testing.T, seen SeenStore, o Options) *harness {
	t.Helper()
	h := &harness{t: t, reg: NewRegistry(), responses: make(chan wire.Response, 1000), done: make(chan struct{})}
	if o.Registry == nil {
		o.Registry = h.reg
		h.reg.Register(NamePing, Ping(o.Now))
	} else {
		h.reg = o.Registry
	}
	if o.Device == "" {
		o.Device = "dev1"
	}
	o.Seen = seen
	o.Respond = func(r wire.Response) { h.responses <- r }
	d, err := NewDispatcher(o)
	if err != nil {
		t.Fatal(err)
	}
	h.d = d
	return h
}

func (h *harness) start() {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		defer close(h.done)
		if err := h.d.Run(ctx); err != nil {
			h.t.Errorf("Run: %v", err)
		}
	}()
	h.t.Cleanup(func() {
		h.stop()
		waitGoroutines(h.t, before)
	})
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
}

// waitGoroutines fails the test when goroutines started since before do
// not end.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: %d before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *harness) submit(topic string, v any) {
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	h.d.Submit(topic, b)
}

// next returns the next response, failing after a generous wait.
func (h *harness) next() wire.Response {
	h.t.Helper()
	select {
	case r := <-h.responses:
		return r
	case <-time.After(20 * time.Second):
		h.t.Fatal("no response")
		return wire.Response{}
	}
}

func cmdJSON(id, name string, args string) string {
	if args == "" {
		return fmt.Sprintf(`{"id":%q,"name":%q}`, id, name)
	}
	return fmt.Sprintf(`{"id":%q,"name":%q,"args":%s}`, id, name, args)
}

func wantError(t *testing.T, r wire.Response, id, code string) {
	t.Helper()
	if r.OK || r.Error == nil || r.Error.Code != code || r.ID != id || r.Device != "dev1" {
		t.Fatalf("response %+v (error %+v), want id %q, code %q, device dev1", r, r.Error, id, code)
	}
}

func TestPing(t *testing.T) {
	clk := newClock()
	h := newHarness(t, NewMemorySeen(0), Options{Now: clk.Now})
	h.start()
	h.submit("edge/dev1/cmd", cmdJSON("a", "ping", ""))
	r := h.next()
	var p PingResult
	if !r.OK || r.ID != "a" || r.Device != "dev1" || json.Unmarshal(r.Result, &p) != nil || !p.Pong || !p.TS.Equal(clk.Now()) {
		t.Fatalf("ping: %+v result %s", r, r.Result)
	}
}

func TestDispatcher(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Run("duplicate id runs once", func(t *testing.T) {
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{})
				var runs atomic.Int32
				h.reg.Register("count", func(context.Context, json.RawMessage) (any, error) {
					return map[string]int32{"run": runs.Add(1)}, nil
				})
				h.start()
				// A QoS 1 redelivery on the same topic, the same id on the
				// group and all topics, and a redelivery much later.
				for _, topic := range []string{"edge/dev1/cmd", "edge/dev1/cmd", "edge/group/g/cmd", "edge/all/cmd"} {
					h.submit(topic, cmdJSON("dup", "count", ""))
				}
				var first wire.Response
				for i := 0; i < 4; i++ {
					r := h.next()
					if !r.OK || r.ID != "dup" || string(r.Result) != `{"run":1}` {
						t.Fatalf("response %d: %+v result %s", i, r, r.Result)
					}
					if i == 0 {
						first = r
					} else if string(r.Result) != string(first.Result) {
						t.Fatalf("re-sent response %s differs from the first %s", r.Result, first.Result)
					}
				}
				if n := runs.Load(); n != 1 {
					t.Fatalf("handler ran %d times, want 1", n)
				}
				if s := h.d.Stats(); s.Duplicates != 3 || s.Run != 1 {
					t.Fatalf("stats %+v", s)
				}
			})
			t.Run("a failed command is not run again either", func(t *testing.T) {
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{})
				var runs atomic.Int32
				h.reg.Register("fail", func(context.Context, json.RawMessage) (any, error) {
					runs.Add(1)
					return nil, &wire.Error{Code: wire.CodeBadRequest, Message: "no such model"}
				})
				h.start()
				h.submit("edge/dev1/cmd", cmdJSON("f", "fail", `{"x":1}`))
				h.submit("edge/all/cmd", cmdJSON("f", "fail", `{"x":1}`))
				for i := 0; i < 2; i++ {
					r := h.next()
					wantError(t, r, "f", wire.CodeBadRequest)
					if r.Error.Message != "no such model" {
						t.Fatalf("message %q", r.Error.Message)
					}
				}
				if runs.Load() != 1 {
					t.Fatalf("ran %d times", runs.Load())
				}
			})
			t.Run("expired", func(t *testing.T) {
				clk := newClock()
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{Now: clk.Now})
				var runs atomic.Int32
				h.reg.Register("count", func(context.Context, json.RawMessage) (any, error) { runs.Add(1); return nil, nil })
				h.start()
				past := clk.Now().Add(-time.Second).Format(time.RFC3339Nano)
				future := clk.Now().Add(time.Minute).Format(time.RFC3339Nano)
				h.submit("edge/dev1/cmd", fmt.Sprintf(`{"id":"old","name":"count","expires_at":%q}`, past))
				wantError(t, h.next(), "old", wire.CodeExpired)
				h.submit("edge/dev1/cmd", fmt.Sprintf(`{"id":"now","name":"count","expires_at":%q}`, clk.Now().Format(time.RFC3339Nano)))
				wantError(t, h.next(), "now", wire.CodeExpired)
				h.submit("edge/dev1/cmd", fmt.Sprintf(`{"id":"new","name":"count","expires_at":%q}`, future))
				if r := h.next(); !r.OK || r.ID != "new" {
					t.Fatalf("unexpired command: %+v %+v", r, r.Error)
				}
				if runs.Load() != 1 {
					t.Fatalf("ran %d times, want 1", runs.Load())
				}
				// Redelivered after it expired: the stored response, not "expired".
				clk.Advance(time.Hour)
				h.submit("edge/dev1/cmd", fmt.Sprintf(`{"id":"new","name":"count","expires_at":%q}`, future))
				if r := h.next(); !r.OK || r.ID != "new" || runs.Load() != 1 {
					t.Fatalf("redelivery: %+v, runs %d", r, runs.Load())
				}
			})
			t.Run("malformed", func(t *testing.T) {
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{MaxPayload: 4096})
				h.start()
				for _, tc := range []struct{ payload, id string }{
					{`{"id":"x","name":`, ""},
					{`not json`, ""},
					{``, ""},
					{`null`, ""},
					{`[1,2]`, ""},
					{`{"name":"ping"}`, ""},
					{`{"id":7,"name":"ping"}`, ""},
					{`{"id":"","name":"ping"}`, ""},
					{`{"id":"m1"}`, "m1"},
					{`{"id":"m2","name":""}`, "m2"},
					{`{"id":"m3","name":["ping"]}`, "m3"},
					{`{"id":"m4","name":"ping","args":[1]}`, "m4"},
					{`{"id":"m5","name":"ping","args":"x"}`, "m5"},
					{`{"id":"m6","name":"ping","expires_at":"tomorrow"}`, "m6"},
					{`{"id":"m7","name":"ping"} trailing`, ""},
					{`{"id":"` + strings.Repeat("x", MaxIDLen+1) + `","name":"ping"}`, ""},
					{`{"id":"m8","name":"ping","pad":"` + strings.Repeat("x", 5000) + `"}`, ""},
				} {
					h.submit("edge/dev1/cmd", tc.payload)
					r := h.next()
					wantError(t, r, tc.id, wire.CodeBadRequest)
					if r.Error.Message == "" {
						t.Errorf("%q: empty message", tc.payload)
					}
				}
				if s := h.d.Stats(); s.BadRequests != 17 || s.Run != 0 {
					t.Fatalf("stats %+v", s)
				}
				// The dispatcher goes on.
				h.submit("edge/dev1/cmd", cmdJSON("ok", "ping", `{}`))
				if r := h.next(); !r.OK {
					t.Fatalf("after malformed commands: %+v", r)
				}
			})
			t.Run("unknown", func(t *testing.T) {
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{})
				h.start()
				h.submit("edge/dev1/cmd", cmdJSON("u", "self.destruct", ""))
				r := h.next()
				wantError(t, r, "u", wire.CodeUnknown)
				if !strings.Contains(r.Error.Message, "self.destruct") {
					t.Fatalf("message %q", r.Error.Message)
				}
			})
			t.Run("timeout cancels the handler", func(t *testing.T) {
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{Timeout: time.Hour, Timeouts: map[string]time.Duration{"slow": 50 * time.Millisecond}})
				cancelled := make(chan error, 1)
				h.reg.Register("slow", func(ctx context.Context, _ json.RawMessage) (any, error) {
					<-ctx.Done()
					cancelled <- ctx.Err()
					return "too late", nil
				})
				h.start()
				h.submit("edge/dev1/cmd", cmdJSON("s", "slow", ""))
				wantError(t, h.next(), "s", wire.CodeTimeout)
				if err := <-cancelled; !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("handler context: %v", err)
				}
				// The stored response is the timeout: not run again.
				h.submit("edge/dev1/cmd", cmdJSON("s", "slow", ""))
				wantError(t, h.next(), "s", wire.CodeTimeout)
				if s := h.d.Stats(); s.Run != 1 || s.Timeouts != 1 || s.Duplicates != 1 {
					t.Fatalf("stats %+v", s)
				}
			})
			t.Run("panic", func(t *testing.T) {
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{})
				h.reg.Register("boom", func(context.Context, json.RawMessage) (any, error) { panic("kaboom") })
				h.reg.Register("badresult", func(context.Context, json.RawMessage) (any, error) { return func() {}, nil })
				h.reg.Register("typednil", func(context.Context, json.RawMessage) (any, error) {
					var e *wire.Error
					return nil, e
				})
				h.start()
				h.submit("edge/dev1/cmd", cmdJSON("p", "boom", ""))
				r := h.next()
				wantError(t, r, "p", wire.CodeFailed)
				if !strings.Contains(r.Error.Message, "kaboom") {
					t.Fatalf("message %q", r.Error.Message)
				}
				h.submit("edge/dev1/cmd", cmdJSON("b", "badresult", ""))
				wantError(t, h.next(), "b", wire.CodeFailed)
				h.submit("edge/dev1/cmd", cmdJSON("n", "typednil", ""))
				wantError(t, h.next(), "n", wire.CodeFailed)
				h.submit("edge/dev1/cmd", cmdJSON("after", "ping", ""))
				if r := h.next(); !r.OK {
					t.Fatalf("after a panic: %+v", r)
				}
				if s := h.d.Stats(); s.Panics != 2 || s.Failed != 3 { // the typed nil error panics in Error()
					t.Fatalf("stats %+v", s)
				}
			})
			t.Run("busy", func(t *testing.T) {
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{Queue: 1})
				started, release := make(chan struct{}), make(chan struct{})
				h.reg.Register("block", func(ctx context.Context, _ json.RawMessage) (any, error) {
					started <- struct{}{}
					<-release
					return "released", nil
				})
				h.start()
				h.submit("edge/dev1/cmd", cmdJSON("b1", "block", ""))
				<-started                                             // b1 runs and holds the dispatcher
				h.submit("edge/dev1/cmd", cmdJSON("b2", "ping", ""))  // waits in the queue
				h.submit("edge/dev1/cmd", cmdJSON("b3", "ping", ""))  // queue full
				h.submit("edge/dev1/cmd", cmdJSON("b4", "block", "")) // queue full
				wantError(t, h.next(), "b3", wire.CodeBusy)
				wantError(t, h.next(), "b4", wire.CodeBusy)
				close(release)
				if r := h.next(); !r.OK || r.ID != "b1" {
					t.Fatalf("b1: %+v", r)
				}
				if r := h.next(); !r.OK || r.ID != "b2" {
					t.Fatalf("b2: %+v", r)
				}
				// Busy ids were not recorded: they may be sent again.
				h.submit("edge/dev1/cmd", cmdJSON("b3", "ping", ""))
				if r := h.next(); !r.OK || r.ID != "b3" {
					t.Fatalf("b3 again: %+v", r)
				}
			})
			t.Run("arrival order", func(t *testing.T) {
				h := newHarness(t, sk.open(t, t.TempDir(), 0), Options{Queue: 100})
				var mu sync.Mutex
				var order []string
				h.reg.Register("note", func(_ context.Context, args json.RawMessage) (any, error) {
					var a struct{ N string }
					if err := DecodeArgs(args, &a); err != nil {
						return nil, err
					}
					mu.Lock()
					order = append(order, a.N)
					mu.Unlock()
					return nil, nil
				})
				// Submitted before Run: they wait in the queue.
				for i := 0; i < 50; i++ {
					h.submit("edge/dev1/cmd", cmdJSON(fmt.Sprint("o", i), "note", fmt.Sprintf(`{"N":"%d"}`, i)))
				}
				h.start()
				for i := 0; i < 50; i++ {
					if r := h.next(); !r.OK || r.ID != fmt.Sprint("o", i) {
						t.Fatalf("response %d: %+v", i, r)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				for i, n := range order {
					if n != fmt.Sprint(i) {
						t.Fatalf("order %v", order)
					}
				}
			})
		})
	}
}

// TestBoltSeenAcrossRestart: an id run before a restart of the store (and
// the dispatcher) is not run after it; a command interrupted by a crash is
// answered "interrupted" and not run again.
func TestBoltSeenAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	var runs atomic.Int32
	reg := NewRegistry()
	reg.Register("count", func(context.Context, json.RawMessage) (any, error) {
		return map[string]int32{"run": runs.Add(1)}, nil
	})
	run := func(payloads ...string) []wire.Response {
		s, err := OpenSeen(filepath.Join(dir, "commands.db"), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, s, Options{Registry: reg})
		h.start()
		var out []wire.Response
		for _, p := range payloads {
			h.submit("edge/dev1/cmd", p)
			out = append(out, h.next())
		}
		h.stop()
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := run(cmdJSON("r1", "count", ""))
	if !first[0].OK || string(first[0].Result) != `{"run":1}` {
		t.Fatalf("first run: %+v", first[0])
	}
	again := run(cmdJSON("r1", "count", ""), cmdJSON("r2", "count", ""))
	if string(again[0].Result) != `{"run":1}` || string(again[1].Result) != `{"run":2}` || runs.Load() != 2 {
		t.Fatalf("after restart: %s %s, runs %d", again[0].Result, again[1].Result, runs.Load())
	}

	// A crash while r3 ran: its id was begun, never finished.
	s, err := OpenSeen(filepath.Join(dir, "commands.db"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Begin("r3", time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out := run(cmdJSON("r3", "count", ""), cmdJSON("r3", "count", ""))
	for _, r := range out {
		wantError(t, r, "r3", wire.CodeFailed)
		if !strings.Contains(r.Error.Message, "interrupted") {
			t.Fatalf("message %q", r.Error.Message)
		}
	}
	if runs.Load() != 2 {
		t.Fatalf("interrupted command ran again: runs %d", runs.Load())
	}
}

func TestSeenTTLAndPrune(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			s := sk.open(t, t.TempDir(), time.Hour)
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := s.Begin("a", t0, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Finish("a", t0, []byte(`{"id":"a","ok":true}`)); err != nil {
				t.Fatal(err)
			}
			// b expires long after the TTL: kept until then.
			if err := s.Begin("b", t0, t0.Add(5*time.Hour)); err != nil {
				t.Fatal(err)
			}
			// c is finished without Begin.
			if err := s.Finish("c", t0.Add(30*time.Minute), []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
			look := func(id string, at time.Time) ([]byte, bool) {
				resp, seen, err := s.Lookup(id, at)
				if err != nil {
					t.Fatal(err)
				}
				return resp, seen
			}
			if resp, seen := look("a", t0.Add(59*time.Minute)); !seen || string(resp) != `{"id":"a","ok":true}` {
				t.Fatalf("a before TTL: %q %v", resp, seen)
			}
			if resp, seen := look("b", t0.Add(time.Minute)); !seen || resp != nil {
				t.Fatalf("b running: %q %v", resp, seen)
			}
			if _, seen := look("a", t0.Add(time.Hour)); seen {
				t.Fatal("a seen after its TTL")
			}
			if _, seen := look("b", t0.Add(4*time.Hour)); !seen {
				t.Fatal("b forgotten before its expires_at")
			}
			if n, err := s.Prune(t0.Add(time.Hour)); err != nil || n != 1 {
				t.Fatalf("prune at 1h: %d %v, want 1", n, err)
			}
			if _, seen := look("c", t0.Add(time.Hour)); !seen {
				t.Fatal("c pruned early")
			}
			if n, err := s.Prune(t0.Add(5 * time.Hour)); err != nil || n != 2 {
				t.Fatalf("prune at 5h: %d %v, want 2", n, err)
			}
			for _, id := range []string{"a", "b", "c"} {
				if _, seen := look(id, t0); seen {
					t.Fatalf("%s still there after prune", id)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Lookup("a", t0); !errors.Is(err, ErrSeenClosed) {
				t.Fatalf("lookup after close: %v", err)
			}
			if err := s.Close(); !errors.Is(err, ErrSeenClosed) {
				t.Fatalf("second close: %v", err)
			}
		})
	}
}

// TestDispatcherPrunes: Run prunes the store periodically.
func TestDispatcherPrunes(t *testing.T) {
	clk := newClock()
	s := NewMemorySeen(time.Minute)
	h := newHarness(t, s, Options{Now: clk.Now, PruneInterval: 10 * time.Millisecond})
	h.start()
	h.submit("edge/dev1/cmd", cmdJSON("p1", "ping", ""))
	h.next()
	if s.Len() != 1 {
		t.Fatalf("store holds %d ids", s.Len())
	}
	clk.Advance(2 * time.Minute)
	if !waitFor(func() bool { return s.Len() == 0 }) {
		t.Fatal("the expired id was not pruned")
	}
}

func TestBoltSeenLocked(t *testing.T) {
	dir := t.TempDir()
	openBolt(t, dir, 0)
	if _, err := OpenSeen(filepath.Join(dir, "commands.db"), 0); err == nil {
		t.Fatal("a second open of a held store succeeded")
	}
}

// TestStopWithRunningHandler: a handler that honours its context lets Run
// return; its id stays "begun" so a redelivery is not run again.
func TestStopWithRunningHandler(t *testing.T) {
	s := openBolt(t, t.TempDir(), 0)
	h := newHarness(t, s, Options{})
	started := make(chan struct{})
	h.reg.Register("wait", func(ctx context.Context, _ json.RawMessage) (any, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h.start()
	h.submit("edge/dev1/cmd", cmdJSON("w", "wait", ""))
	<-started
	h.stop()
	if resp, seen, err := s.Lookup("w", time.Now()); err != nil || !seen {
		t.Fatalf("after stop: %q %v %v", resp, seen, err)
	}
}

func TestNewDispatcherValidates(t *testing.T) {
	for _, o := range []Options{
		{Device: "", Registry: NewRegistry(), Respond: func(wire.Response) {}},
		{Device: "a/b", Registry: NewRegistry(), Respond: func(wire.Response) {}},
		{Device: "d", Respond: func(wire.Response) {}},
		{Device: "d", Registry: NewRegistry()},
	} {
		if _, err := NewDispatcher(o); err == nil {
			t.Errorf("NewDispatcher(%+v) succeeded", o)
		}
	}
	d, err := NewDispatcher(Options{Device: "d", Registry: NewRegistry(), Respond: func(wire.Response) {}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Run(ctx); err == nil {
		t.Fatal("second Run succeeded")
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	r.Register(NameStatus, Status(func() wire.Status { return wire.Status{State: "online"} }))
	r.Register(NamePing, Ping(nil))
	if got := strings.Join(r.Names(), ","); got != "ping,status" {
		t.Fatalf("names %s", got)
	}
	for _, bad := range []func(){
		func() { r.Register(NamePing, Ping(nil)) },
		func() { r.Register("", Ping(nil)) },
		func() { r.Register("x", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			bad()
		}()
	}
	h, _ := r.Lookup(NameStatus)
	v, err := h(context.Background(), nil)
	if st, ok := v.(wire.Status); err != nil || !ok || st.State != "online" {
		t.Fatalf("status handler: %v %v", v, err)
	}
	type stats struct{ Records int }
	v, err = BufferStats(func() stats { return stats{Records: 3} })(context.Background(), nil)
	if s, ok := v.(stats); err != nil || !ok || s.Records != 3 {
		t.Fatalf("buffer.stats handler: %v %v", v, err)
	}
	probeErr := errors.New("probe failed")
	if _, err := Probe(func(context.Context) (any, error) { return nil, probeErr })(context.Background(), nil); !errors.Is(err, probeErr) {
		t.Fatalf("probe handler error: %v", err)
	}
}

func TestDecodeArgs(t *testing.T) {
	var a struct {
		Name    string `json:"name"`
		Version int    `json:"version"`
	}
	if err := DecodeArgs(json.RawMessage(`{"name":"m","version":3}`), &a); err != nil || a.Name != "m" || a.Version != 3 {
		t.Fatalf("%+v %v", a, err)
	}
	if err := DecodeArgs(nil, &a); err != nil {
		t.Fatalf("nil args: %v", err)
	}
	for _, bad := range []string{`{"nme":"m"}`, `{"version":"3"}`, `{"name":"m"} {}`} {
		err := DecodeArgs(json.RawMessage(bad), &a)
		var we *wire.Error
		if !errors.As(err, &we) || we.Code != wire.CodeBadRequest {
			t.Errorf("DecodeArgs(%s) = %v, want a bad_request", bad, err)
		}
	}
}

func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
