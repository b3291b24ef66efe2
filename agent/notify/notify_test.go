package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// wait bounds every blocking read: generous, only so a broken test does not hang.
const wait = 10 * time.Second

// fakeSystemd listens on a unixgram socket as systemd does and points
// NOTIFY_SOCKET at it. name "" uses a file in a temporary directory; a name
// starting with "@" is an abstract socket.
func fakeSystemd(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	if name == "" {
		name = filepath.Join(t.TempDir(), "notify")
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	t.Setenv("WATCHDOG_USEC", "")
	t.Setenv("WATCHDOG_PID", "")
	return conn
}

// receive reads the next datagram.
func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	msg, ok := receiveWithin(t, conn, wait)
	if !ok {
		t.Fatalf("no notification within %v", wait)
	}
	return msg
}

// receiveWithin reads the next datagram, or reports false when none comes
// within d.
func receiveWithin(t *testing.T, conn *net.UnixConn, d time.Duration) (string, bool) {
	t.Helper()
	buf := make([]byte, 8192)
	if err := conn.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatal(err)
	}
	k, _, err := conn.ReadFromUnix(buf)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "", false
		}
		t.Fatalf("read notification: %v", err)
	}
	return string(buf[:k]), true
}

// records is a slog handler that keeps what was logged.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

// count returns how many records at level have a message containing text.
func (r *records) count(level slog.Level, text string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := 0
	for _, rec := range r.recs {
		if rec.Level == level && strings.Contains(rec.Message, text) {
			k++
		}
	}
	return k
}

func TestDisabledOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	n := New(nil)
	if n.Enabled() {
		t.Fatal("Enabled() = true without NOTIFY_SOCKET")
	}
	if d := n.WatchdogInterval(); d != 0 {
		t.Fatalf("WatchdogInterval() = %v without NOTIFY_SOCKET, want 0", d)
	}
	for name, f := range map[string]func() error{
		"Ready":     func() error { return n.Ready("up") },
		"Status":    func() error { return n.Status("x") },
		"Reloading": n.Reloading,
		"Stopping":  n.Stopping,
	} {
		if err := f(); err != nil {
			t.Errorf("%s outside systemd: %v, want nil", name, err)
		}
	}
	returned := make(chan struct{})
	go func() {
		n.RunWatchdog(context.Background(), nil)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(wait):
		t.Fatal("RunWatchdog did not return with the watchdog disabled")
	}
}

func TestReadySendsReadyStatusAndMainPID(t *testing.T) {
	conn := fakeSystemd(t, "")
	n := New(nil)
	if !n.Enabled() {
		t.Fatal("Enabled() = false with NOTIFY_SOCKET set")
	}
	if err := n.Ready("serving 2 pipelines, 1 model"); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("READY=1\nSTATUS=serving 2 pipelines, 1 model\nMAINPID=%d", os.Getpid())
	if got := receive(t, conn); got != want {
		t.Fatalf("Ready sent %q, want %q", got, want)
	}
	if err := n.Ready(""); err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("READY=1\nMAINPID=%d", os.Getpid())
	if got := receive(t, conn); got != want {
		t.Fatalf("Ready(\"\") sent %q, want %q", got, want)
	}
}

func TestAbstractSocket(t *testing.T) {
	name := fmt.Sprintf("@edge-agent-notify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	conn := fakeSystemd(t, name)
	n := New(nil)
	if err := n.Ready("up"); err != nil {
		t.Fatalf("Ready over abstract socket %s: %v", name, err)
	}
	want := fmt.Sprintf("READY=1\nSTATUS=up\nMAINPID=%d", os.Getpid())
	if got := receive(t, conn); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if err := n.Stopping(); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, conn); got != "STOPPING=1" {
		t.Fatalf("got %q, want STOPPING=1", got)
	}
}

func TestStatusIsOneLine(t *testing.T) {
	conn := fakeSystemd(t, "")
	n := New(nil)
	if err := n.Status("reload failed:\nbad key\r\tmodels"); err != nil {
		t.Fatal(err)
	}
	if got, want := receive(t, conn), "STATUS=reload failed: bad key  models"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	long := strings.Repeat("é", maxStatus) // 2 bytes each: the cut must not split one
	if err := n.Status(long); err != nil {
		t.Fatal(err)
	}
	got := strings.TrimPrefix(receive(t, conn), "STATUS=")
	if len(got) > maxStatus || len(got) < maxStatus-1 || strings.Trim(got, "é") != "" {
		t.Fatalf("long status cut to %d bytes, want whole characters within %d bytes", len(got), maxStatus)
	}
}

func TestReloadingSendsMonotonicTime(t *testing.T) {
	conn := fakeSystemd(t, "")
	n := New(nil)
	before := monotonicUsec(t)
	if err := n.Reloading(); err != nil {
		t.Fatal(err)
	}
	after := monotonicUsec(t)
	got := receive(t, conn)
	m := regexp.MustCompile(`^RELOADING=1\nMONOTONIC_USEC=([0-9]+)$`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("Reloading sent %q, want RELOADING=1 and MONOTONIC_USEC=<µs>", got)
	}
	usec, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if usec < before || usec > after {
		t.Fatalf("MONOTONIC_USEC=%d not between the clock's %d and %d around the call", usec, before, after)
	}
	if err := n.Ready("reloaded"); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, conn); !strings.HasPrefix(got, "READY=1\nSTATUS=reloaded\n") {
		t.Fatalf("Ready after reload sent %q", got)
	}
}

func monotonicUsec(t *testing.T) int64 {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Nano() / 1000
}

func TestStopping(t *testing.T) {
	conn := fakeSystemd(t, "")
	n := New(nil)
	if err := n.Stopping(); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, conn); got != "STOPPING=1" {
		t.Fatalf("got %q, want STOPPING=1", got)
	}
}

func TestSendErrorNamesTheSocket(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-socket")
	t.Setenv("NOTIFY_SOCKET", missing)
	n := New(nil)
	err := n.Ready("up")
	if err == nil {
		t.Fatal("Ready to a missing socket: no error")
	}
	if !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "READY=1") {
		t.Fatalf("error %q does not name the socket and the message", err)
	}
	if !errors.Is(err, unix.ENOENT) {
		t.Fatalf("error %q does not wrap ENOENT", err)
	}
}

func TestWatchdogInterval(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	cases := []struct {
		name, usec, pid string
		want            time.Duration
		warns           bool
	}{
		{"this process", "30000000", self, 30 * time.Second, false},
		{"no pid", "200000", "", 200 * time.Millisecond, false},
		{"another process", "30000000", strconv.Itoa(os.Getpid() + 1), 0, false},
		{"unset", "", "", 0, false},
		{"not a number", "30s", self, 0, true},
		{"zero", "0", self, 0, true},
		{"bad pid", "30000000", "init", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakeSystemd(t, "")
			t.Setenv("WATCHDOG_USEC", c.usec)
			t.Setenv("WATCHDOG_PID", c.pid)
			logs := &records{}
			n := New(slog.New(logs))
			if got := n.WatchdogInterval(); got != c.want {
				t.Fatalf("WatchdogInterval() = %v, want %v", got, c.want)
			}
			if got := logs.count(slog.LevelWarn, "watchdog disabled") == 1; got != c.warns {
				t.Fatalf("warned about the environment: %v, want %v", got, c.warns)
			}
		})
	}
}
