package apitest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
)

// SocketDir returns a new short-named temporary directory (mode 0755, so
// tests running a client as another user can reach a socket in it),
// removed when the test ends. Socket paths are limited to 107 bytes, too
// short for t.TempDir under long test names.
func SocketDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "eapi")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Start listens with o and serves until the test ends; it returns the
// running server. o.Path defaults to agent.sock in a new SocketDir,
// o.Backend to NewFake(), o.Logger to the test's log at debug level.
func Start(t testing.TB, o api.Options) *api.Server {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(SocketDir(t), "agent.sock")
	}
	if o.Backend == nil {
		o.Backend = NewFake()
	}
	if o.Logger == nil {
		o.Logger = TestLogger(t)
	}
	srv, err := api.Listen(o)
	if err != nil {
		t.Fatalf("api.Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("api server: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("api server did not stop within 30s of its context ending")
		}
	})
	return srv
}

// TestLogger returns a debug-level logger that writes to the test's log
// until the test's cleanups have run (then records are dropped: logging to
// a finished test panics). Call it before starting what logs, so its
// cleanup runs after that has stopped.
func TestLogger(t testing.TB) *slog.Logger {
	w := &logWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type logWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

// Write logs one record.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
