package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is Options.Now for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return cond()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testLogger sends the outbox's log lines to t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}

// opener opens a fresh queue of one implementation; the queue is checked
// (Check) and closed when the test ends.
type opener func(t *testing.T, o Options) Queue

type impl struct {
	name string
	open opener
}

var impls = []impl{
	{"memory", func(t *testing.T, o Options) Queue { return openMemory(t, o) }},
	{"bolt", func(t *testing.T, o Options) Queue {
		return openBolt(t, filepath.Join(t.TempDir(), "outbox.db"), o)
	}},
}

func openMemory(t *testing.T, o Options) *Memory {
	t.Helper()
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	m, err := NewMemory(o)
	if err != nil {
		t.Fatalf("NewMemory: %v", err)
	}
	t.Cleanup(func() {
		err := m.Check()
		if errors.Is(err, ErrClosed) {
			return // closed by the test: nothing left to check
		}
		if err != nil {
			t.Errorf("consistency check after the test: %v", err)
		}
		_ = m.Close()
	})
	return m
}

// openBolt opens path; when the test ends, the outbox is checked (bbolt's
// check and the outbox's) and closed. One the test closed is reopened for
// the check.
func openBolt(t testing.TB, path string, o Options) *Bolt {
	t.Helper()
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	b, err := Open(path, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		err := b.Check()
		if errors.Is(err, ErrClosed) {
			b2, err := Open(path, o)
			if err != nil {
				t.Errorf("reopen for the consistency check after the test: %v", err)
				return
			}
			defer b2.Close()
			err = b2.Check()
			if err != nil {
				t.Errorf("consistency check (reopened) after the test: %v", err)
			}
			return
		}
		if err != nil {
			t.Errorf("consistency check after the test: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func mustAppend(t testing.TB, q Queue, class string, payload []byte) uint64 {
	t.Helper()
	seq, err := q.Append(context.Background(), class, payload)
	if err != nil {
		t.Fatalf("Append(%s, %d bytes): %v", class, len(payload), err)
	}
	return seq
}

// payload returns n bytes that name class and i.
func payload(class string, i, n int) []byte {
	p := []byte(fmt.Sprintf("%s-%d|", class, i))
	for len(p) < n {
		p = append(p, byte('a'+len(p)%26))
	}
	return p[:n]
}

// seqs returns the seqs of records.
func seqs(recs []Record) []uint64 {
	out := make([]uint64, len(recs))
	for i, r := range recs {
		out[i] = r.Seq
	}
	return out
}

func span(first, last uint64) []uint64 {
	var out []uint64
	for s := first; s <= last; s++ {
		out = append(out, s)
	}
	return out
}

func peekAll(t testing.TB, q Queue, class string) []Record {
	t.Helper()
	recs, err := q.Peek(class, 0, 0, 0)
	if err != nil {
		t.Fatalf("Peek(%s): %v", class, err)
	}
	return recs
}

// rss returns the process's resident memory from /proc/self/status (kB
// fields VmRSS, RssAnon, RssFile).
func rss() map[string]int64 {
	out := map[string]int64{}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		var k string
		var v int64
		if n, _ := fmt.Sscanf(line, "%s %d kB", &k, &v); n == 2 {
			out[k[:len(k)-1]] = v * 1024
		}
	}
	return out
}

// setVar sets a tunable for one test.
func setVar[T any](t testing.TB, p *T, v T) {
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}
