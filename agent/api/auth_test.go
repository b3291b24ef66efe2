package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/api/apitest"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

const (
	helperEnv      = "EDGE_API_TEST_HELPER"
	helperSocket   = "EDGE_API_TEST_SOCKET"
	helperRequests = "EDGE_API_TEST_REQUESTS"
	nobody         = 65534
)

// TestHelperProcess is not a test: the auth tests run the test binary as
// another user with this test selected, and it sends the requests named in
// the environment ("METHOD PATH" lines) and prints "METHOD PATH STATUS" or
// "METHOD PATH error ..." for each.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	c := unixClient(os.Getenv(helperSocket))
	body, _ := json.Marshal(api.InferRequest{Inputs: [][]float64{demoInput()}})
	for _, line := range strings.Split(os.Getenv(helperRequests), "\n") {
		method, target, _ := strings.Cut(line, " ")
		var rd io.Reader
		if method == http.MethodPost {
			if strings.HasSuffix(target, "/samples") {
				rd = strings.NewReader(`{"samples":[{"values":[1,2]}]}`)
			} else {
				rd = bytes.NewReader(body)
			}
		}
		req, err := http.NewRequest(method, "http://edge-agent"+target, rd)
		if err != nil {
			fmt.Printf("%s error %v\n", line, err)
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			fmt.Printf("%s error %v\n", line, err)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("%s %d\n", line, resp.StatusCode)
	}
	os.Exit(0)
}

// helperBinary copies the test binary where another user can run it.
func helperBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(apitest.SocketDir(t), "api.test")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// runAs sends requests to the socket from a process running as uid/gid
// with the given supplementary groups, and returns each request's result
// ("200", "403", or "error ...").
func runAs(t *testing.T, bin, socket string, uid, gid uint32, groups []uint32, requests ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := testenv.CommandContext(ctx, bin, "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperSocket+"="+socket, helperRequests+"="+strings.Join(requests, "\n"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: groups}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, syscall.EPERM) {
		t.Skipf("skipped: cannot start a process as uid %d here: %v", uid, err)
	}
	if err != nil {
		t.Fatalf("helper as uid %d: %v\n%s%s", uid, err, out, stderr.Bytes())
	}
	res := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		for _, r := range requests {
			if rest, ok := strings.CutPrefix(line, r+" "); ok {
				res[r] = rest
			}
		}
	}
	if len(res) != len(requests) {
		t.Fatalf("helper output %q lacks some of %q", out, requests)
	}
	return res
}

// syncBuffer is a log sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func needGroup(t *testing.T, name string) uint32 {
	t.Helper()
	g, err := user.LookupGroup(name)
	if err != nil {
		t.Skipf("skipped: no group %s on this system: %v", name, err)
	}
	var gid uint32
	fmt.Sscan(g.Gid, &gid)
	return gid
}

// TestPeerPolicy connects as uid 65534 (nobody) with several socket and
// admin groups and checks what it may do: the peer's uid, gid and groups
// come from SO_PEERCRED and /proc, not from anything the client says.
func TestPeerPolicy(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: running a client as another uid needs root (run the tests as root to cover peer credentials)")
	}
	usersGID := needGroup(t, "users")
	needGroup(t, "nogroup")
	bin := helperBinary(t)
	const (
		status    = "GET /v1/status"
		metrics   = "GET /metrics"
		infer     = "POST /v1/models/demo-motion/infer"
		pushEnv   = "POST /v1/sensors/env/samples" // push group nogroup
		pushAdmin = "POST /v1/sensors/admin-only/samples"
	)
	all := []string{status, metrics, infer, pushEnv, pushAdmin}
	metricsH := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "up 1\n") })
	for _, tc := range []struct {
		name         string
		group, admin string
		mode         os.FileMode
		groups       []uint32 // nobody's supplementary groups
		want         map[string]string
		logged       string
	}{
		{
			name: "stranger", mode: 0o666,
			want:   map[string]string{status: "403", metrics: "403", infer: "403", pushEnv: "200", pushAdmin: "403"},
			logged: `level=WARN msg="api: request refused" uid=65534 gid=65534`,
		},
		{
			name: "socket group by primary gid", group: "nogroup", mode: 0o666,
			want:   map[string]string{status: "200", metrics: "200", infer: "200", pushEnv: "200", pushAdmin: "403"},
			logged: `level=WARN msg="api: changing request refused" uid=65534 gid=65534`,
		},
		{
			name: "socket group by supplementary group", group: "users", mode: 0o666, groups: []uint32{usersGID},
			want:   map[string]string{status: "200", metrics: "200", infer: "200", pushEnv: "200", pushAdmin: "403"},
			logged: `level=INFO msg="api: changing request allowed" uid=65534 gid=65534`,
		},
		{
			name: "admin group by supplementary group", admin: "users", mode: 0o666, groups: []uint32{usersGID},
			want:   map[string]string{status: "200", metrics: "200", infer: "200", pushEnv: "200", pushAdmin: "200"},
			logged: `reason="member of admin group users"`,
		},
		{
			name: "admin group by primary gid", admin: "nogroup", mode: 0o666,
			want:   map[string]string{status: "200", metrics: "200", infer: "200", pushEnv: "200", pushAdmin: "200"},
			logged: `sensor=admin-only reason="member of admin group nogroup" decision=allow`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			f := apitest.NewFake()
			srv, err := api.Listen(api.Options{
				Path: filepath.Join(apitest.SocketDir(t), "agent.sock"), Mode: tc.mode, Group: tc.group, AdminGroup: tc.admin,
				Backend: f, Metrics: metricsH, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ctx) }()
			defer func() { cancel(); <-done }()
			got := runAs(t, bin, srv.Path(), nobody, nobody, tc.groups, all...)
			for _, r := range all {
				if got[r] != tc.want[r] {
					t.Errorf("%s as nobody: %s, want %s", r, got[r], tc.want[r])
				}
			}
			if !strings.Contains(logs.String(), tc.logged) {
				t.Errorf("log lacks %q:\n%s", tc.logged, logs.String())
			}
			if n := len(f.Pushed("env")); n != 1 {
				t.Errorf("sensor env got %d pushes, want 1", n)
			}
		})
	}

	// With mode 0660 and the socket owned by root's group, the kernel
	// refuses nobody before the server sees anything.
	t.Run("socket permissions", func(t *testing.T) {
		srv := apitest.Start(t, api.Options{Mode: 0o660})
		got := runAs(t, bin, srv.Path(), nobody, nobody, nil, status)
		if !strings.Contains(got[status], "permission denied") {
			t.Errorf("nobody on a 0660 root socket: %q, want permission denied", got[status])
		}
	})
}

func TestPeerCredentialsOfSelf(t *testing.T) {
	var logs syncBuffer
	srv := apitest.Start(t, api.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if r := get(t, srv.Path(), "/v1/status"); r.status != 200 {
		t.Fatalf("own process: status %d", r.status)
	}
	want := fmt.Sprintf("uid=%d gid=%d pid=%d", os.Geteuid(), os.Getegid(), os.Getpid())
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks the peer's credentials %q:\n%s", want, logs.String())
	}
}
