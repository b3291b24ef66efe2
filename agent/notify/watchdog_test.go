package notify

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// quiet is how long a test listens to conclude that nothing is sent: a
// watchdog interval and a half of the 200ms used below. Only used where the
// code under test must send nothing at all, so a slow machine cannot make it
// fail.
const quiet = 300 * time.Millisecond

// startWatchdog runs RunWatchdog until the test ends (and checks that it
// returns once its context is cancelled).
func startWatchdog(t *testing.T, n *Notifier, healthy func() error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.RunWatchdog(ctx, healthy)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(wait):
				t.Error("RunWatchdog did not return after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// watchdogNotifier is a Notifier whose watchdog is 200ms (pings every 100ms).
func watchdogNotifier(t *testing.T, logs *records) (*Notifier, *net.UnixConn) {
	t.Helper()
	conn := fakeSystemd(t, "")
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	n := New(slog.New(logs))
	if got := n.WatchdogInterval(); got != 200*time.Millisecond {
		t.Fatalf("WatchdogInterval() = %v, want 200ms", got)
	}
	return n, conn
}

// waitFor polls cond until it holds, failing the test after a generous wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWatchdogPingsOnlyWhileHealthy(t *testing.T) {
	logs := &records{}
	n, conn := watchdogNotifier(t, logs)
	if err := n.Status("running 1 pipeline"); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, conn); got != "STATUS=running 1 pipeline" {
		t.Fatalf("got %q", got)
	}

	var sick atomic.Bool
	var sickChecks atomic.Int64
	healthy := func() error {
		if sick.Load() {
			sickChecks.Add(1)
			return errors.New("pipeline motion stalled for 31s")
		}
		return nil
	}
	stop := startWatchdog(t, n, healthy)

	// Healthy: pings arrive.
	for i := 0; i < 3; i++ {
		if got := receive(t, conn); got != "WATCHDOG=1" {
			t.Fatalf("ping %d while healthy: got %q, want WATCHDOG=1", i, got)
		}
	}

	// Unhealthy: STATUS= says why, then nothing, however many checks fail.
	sick.Store(true)
	for {
		got := receive(t, conn)
		if got == "WATCHDOG=1" {
			continue // sent before the loop saw the change
		}
		if want := "STATUS=unhealthy, watchdog withheld: pipeline motion stalled for 31s"; got != want {
			t.Fatalf("on becoming unhealthy: got %q, want %q", got, want)
		}
		break
	}
	target := sickChecks.Load() + 4
	waitFor(t, "4 more failed health checks", func() bool { return sickChecks.Load() >= target })
	if msg, ok := receiveWithin(t, conn, quiet); ok {
		t.Fatalf("sent %q while unhealthy (after %d failed checks)", msg, sickChecks.Load())
	}
	if k := logs.count(slog.LevelWarn, "withholding the systemd watchdog ping"); k != 1 {
		t.Fatalf("unhealthy spell logged %d times at warn, want once", k)
	}

	// Healthy again: pings resume and the status comes back.
	sick.Store(false)
	if got, want := receive(t, conn), "WATCHDOG=1\nSTATUS=running 1 pipeline"; got != want {
		t.Fatalf("on recovery: got %q, want %q", got, want)
	}
	for i := 0; i < 2; i++ {
		if got := receive(t, conn); got != "WATCHDOG=1" {
			t.Fatalf("ping %d after recovery: got %q, want WATCHDOG=1", i, got)
		}
	}
	if k := logs.count(slog.LevelInfo, "healthy again"); k != 1 {
		t.Fatalf("recovery logged %d times, want once", k)
	}

	// After cancellation nothing more is sent.
	stop()
	for {
		msg, ok := receiveWithin(t, conn, quiet)
		if !ok {
			break
		}
		if msg != "WATCHDOG=1" {
			t.Fatalf("unexpected %q around the stop", msg)
		}
		// A ping may be queued from the last tick before the stop; then the
		// socket must go quiet.
	}
}

func TestWatchdogNewReasonUpdatesStatusOnly(t *testing.T) {
	logs := &records{}
	n, conn := watchdogNotifier(t, logs)
	var reason atomic.Value
	reason.Store("")
	var checks atomic.Int64
	startWatchdog(t, n, func() error {
		checks.Add(1)
		if r := reason.Load().(string); r != "" {
			return errors.New(r)
		}
		return nil
	})
	if got := receive(t, conn); got != "WATCHDOG=1" {
		t.Fatalf("first ping: got %q", got)
	}
	for i, r := range []string{"sensor accel silent", "outbox full"} {
		reason.Store(r)
		want := "STATUS=unhealthy, watchdog withheld: " + r
		for {
			got := receive(t, conn)
			if got == "WATCHDOG=1" && i == 0 {
				continue
			}
			if got != want {
				t.Fatalf("reason %q: got %q, want %q", r, got, want)
			}
			break
		}
	}
	target := checks.Load() + 3
	waitFor(t, "3 more health checks", func() bool { return checks.Load() >= target })
	if msg, ok := receiveWithin(t, conn, quiet); ok {
		t.Fatalf("sent %q with an unchanged reason", msg)
	}
	if k := logs.count(slog.LevelWarn, "withholding"); k != 1 {
		t.Fatalf("a changed reason logged the spell %d times at warn, want once", k)
	}
	// No status was ever set: recovery is a bare ping.
	reason.Store("")
	if got := receive(t, conn); got != "WATCHDOG=1" {
		t.Fatalf("on recovery: got %q, want WATCHDOG=1", got)
	}
}

func TestWatchdogNilHealthyAlwaysPings(t *testing.T) {
	n, conn := watchdogNotifier(t, &records{})
	startWatchdog(t, n, nil)
	for i := 0; i < 3; i++ {
		if got := receive(t, conn); got != "WATCHDOG=1" {
			t.Fatalf("ping %d: got %q", i, got)
		}
	}
}

func TestWatchdogForAnotherProcessIsDisabled(t *testing.T) {
	conn := fakeSystemd(t, "")
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()+1))
	n := New(nil)
	if !n.Enabled() {
		t.Fatal("notifications disabled, want only the watchdog disabled")
	}
	if got := n.WatchdogInterval(); got != 0 {
		t.Fatalf("WatchdogInterval() = %v for another process's watchdog, want 0", got)
	}
	returned := make(chan struct{})
	var checks atomic.Int64
	go func() {
		n.RunWatchdog(context.Background(), func() error { checks.Add(1); return nil })
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(wait):
		t.Fatal("RunWatchdog did not return with the watchdog disabled")
	}
	if msg, ok := receiveWithin(t, conn, quiet); ok {
		t.Fatalf("sent %q with the watchdog disabled", msg)
	}
	if k := checks.Load(); k != 0 {
		t.Fatalf("health checked %d times with the watchdog disabled", k)
	}
}

func TestWatchdogSendFailureLoggedOnce(t *testing.T) {
	logs := &records{}
	n, conn := watchdogNotifier(t, logs)
	var checks atomic.Int64
	// systemd went away: every ping fails.
	conn.Close()
	startWatchdog(t, n, func() error { checks.Add(1); return nil })
	waitFor(t, "5 health checks", func() bool { return checks.Load() >= 5 })
	waitFor(t, "the failure to be logged", func() bool {
		return logs.count(slog.LevelWarn, "notification failed") >= 1
	})
	if k := logs.count(slog.LevelWarn, "notification failed"); k != 1 {
		t.Fatalf("failing pings logged %d times, want once (after %d checks)", k, checks.Load())
	}
}
