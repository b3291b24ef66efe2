package api_test

import (
	"context"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/api/apitest"
)

func listen(t *testing.T, o api.Options) (*api.Server, error) {
	t.Helper()
	if o.Backend == nil {
		o.Backend = apitest.NewFake()
	}
	o.Logger = apitest.TestLogger(t)
	s, err := api.Listen(o)
	if err == nil {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		})
	}
	return s, err
}

func TestSocketModeAndGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: changing a socket's group to nogroup needs root (tests run as root in CI)")
	}
	g, err := user.LookupGroup("nogroup")
	if err != nil {
		t.Skipf("skipped: no group nogroup on this system: %v", err)
	}
	gid, _ := strconv.Atoi(g.Gid)
	path := filepath.Join(apitest.SocketDir(t), "run", "edge-agent", "agent.sock")
	if _, err := listen(t, api.Options{Path: path, Mode: 0o660, Group: "nogroup"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o660 || int(st.Gid) != gid {
		t.Errorf("socket %v gid %d, want a socket with mode 0660 and gid %d", fi.Mode(), st.Gid, gid)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil || di.Mode().Perm() != 0o755 {
		t.Errorf("created parent dir: %v %v, want mode 0755", di.Mode(), err)
	}
}

func TestDefaultMode(t *testing.T) {
	path := filepath.Join(apitest.SocketDir(t), "agent.sock")
	if _, err := listen(t, api.Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().Perm() != api.DefaultMode {
		t.Errorf("socket mode %v (%v), want %v", fi.Mode(), err, api.DefaultMode)
	}
}

func TestListenStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(apitest.SocketDir(t), "agent.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close() // a crashed agent's socket: the file stays, nothing listens
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	srv, err := listen(t, api.Options{Path: path})
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	go srv.Serve(context.Background())
	if r := get(t, path, "/v1/status"); r.status != 200 {
		t.Errorf("status %d, want 200", r.status)
	}
}

func TestListenRefusals(t *testing.T) {
	dir := apitest.SocketDir(t)
	busy := filepath.Join(dir, "busy.sock")
	first, err := listen(t, api.Options{Path: busy})
	if err != nil {
		t.Fatal(err)
	}
	go first.Serve(context.Background())
	file := filepath.Join(dir, "file.sock")
	if err := os.WriteFile(file, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		o    api.Options
		msg  string
	}{
		{"another agent", api.Options{Path: busy}, "is listening on it"},
		{"not a socket", api.Options{Path: file}, "is not a socket"},
		{"no path", api.Options{}, "socket path is empty"},
		{"long path", api.Options{Path: "/tmp/" + strings.Repeat("x", 120) + ".sock"}, "longer than the 107"},
		{"missing group", api.Options{Path: filepath.Join(dir, "g.sock"), Group: "edge-agent-no-such-group"}, `group "edge-agent-no-such-group"`},
		{"missing admin group", api.Options{Path: filepath.Join(dir, "a.sock"), AdminGroup: "edge-agent-no-such-admin"}, `admin group: group "edge-agent-no-such-admin"`},
		{"bad mode", api.Options{Path: filepath.Join(dir, "m.sock"), Mode: os.ModeSetuid | 0o660}, "bits beyond"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := listen(t, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Listen: %v, want an error containing %q", err, tc.msg)
			}
		})
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "precious" {
		t.Errorf("a regular file at the socket path was touched: %q %v", b, err)
	}
	if r := get(t, busy, "/v1/status"); r.status != 200 {
		t.Errorf("the running agent was disturbed: status %d", r.status)
	}
	if _, err := api.Listen(api.Options{Path: filepath.Join(dir, "nb.sock")}); err == nil || !strings.Contains(err.Error(), "no backend") {
		t.Errorf("Listen without a backend: %v, want an error", err)
	}
}

func TestShutdownRemovesSocket(t *testing.T) {
	path := filepath.Join(apitest.SocketDir(t), "agent.sock")
	srv, err := api.Listen(api.Options{Path: path, Backend: apitest.NewFake(), Logger: apitest.TestLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	// Never served: Shutdown still closes the listener and removes the file.
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket file after Shutdown: %v, want it removed", err)
	}
	if err := srv.Serve(context.Background()); err != nil {
		t.Errorf("Serve after Shutdown: %v, want nil", err)
	}
}

func TestServeEndsWithContext(t *testing.T) {
	path := filepath.Join(apitest.SocketDir(t), "agent.sock")
	srv, err := api.Listen(api.Options{Path: path, Backend: apitest.NewFake(), Logger: apitest.TestLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	if r := get(t, path, "/v1/status"); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket file after Serve ended: %v, want it removed", err)
	}
}
