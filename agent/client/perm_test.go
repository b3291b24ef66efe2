package client_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/api/apitest"
	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// TestHelperProcess is not a test: TestPermissionHint runs the test binary
// as another user with this test selected; it asks the agent for its status
// and prints the outcome.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("EDGE_CLIENT_TEST_HELPER") != "1" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := client.New(os.Getenv("EDGE_CLIENT_TEST_SOCKET")).Status(ctx)
	fmt.Printf("forbidden=%v err=%v\n", client.IsForbidden(err), err)
	os.Exit(0)
}

// asNobody runs the helper as uid/gid 65534 against socket.
func asNobody(t *testing.T, socket string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(apitest.SocketDir(t), "client.test")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := testenv.CommandContext(ctx, bin, "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "EDGE_CLIENT_TEST_HELPER=1", "EDGE_CLIENT_TEST_SOCKET="+socket)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s%s", err, out, stderr.Bytes())
	}
	return string(out)
}

func TestPermissionHint(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: running a client as another uid needs root")
	}
	// The kernel refuses nobody on a 0660 socket of group users.
	srv := apitest.Start(t, api.Options{Mode: 0o660, Group: "users"})
	out := asNobody(t, srv.Path())
	for _, want := range []string{"permission denied", "add your user to group users", "usermod -aG users"} {
		if !strings.Contains(out, want) {
			t.Errorf("nobody on a 0660 socket: %q lacks %q", out, want)
		}
	}
	// On a 0666 socket the kernel lets nobody in and the agent refuses.
	open := apitest.Start(t, api.Options{Mode: 0o666})
	out = asNobody(t, open.Path())
	if !strings.Contains(out, "forbidden=true") || !strings.Contains(out, "uid 65534 may not use the agent's socket") {
		t.Errorf("nobody on a 0666 socket: %q, want a 403 forbidden error", out)
	}
}
