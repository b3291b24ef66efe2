package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	cmdpkg "github.com/edge-agent/edge-agent/sync/command"
	"github.com/edge-agent/edge-agent/sync/fleet"
	"github.com/edge-agent/edge-agent/sync/fleet/fleettest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// cli runs the command line in-process and returns its exit code and output.
func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// oneLineErr fails unless stderr is exactly one line.
func oneLineErr(t *testing.T, stderr string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "edgectl: ") || strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 {
		t.Errorf("stderr %q, want one line starting edgectl:", stderr)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := cli("version")
	if code != 0 || !strings.HasPrefix(out, "edgectl ") {
		t.Fatalf("version: code %d, output %q", code, out)
	}
}

func TestHelpAndUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout
	}{
		{[]string{"--help"}, 0, "fleet"},
		{[]string{}, 2, "Usage: edgectl"},
		{[]string{"fleet", "--help"}, 0, "watch"},
		{[]string{"fleet", "ls", "--help"}, 0, "-broker"},
		{[]string{"fleet", "cmd", "--help"}, 0, "group:NAME"},
		{[]string{"fleet", "watch", "--help"}, 0, "--count"},
		{[]string{"nonsense"}, 2, ""},
		{[]string{"fleet"}, 2, ""},
		{[]string{"fleet", "nonsense"}, 2, ""},
		{[]string{"fleet", "cmd", "d1"}, 2, ""},
		{[]string{"fleet", "cmd", "a/b", "ping"}, 2, ""},
		{[]string{"fleet", "cmd", "d1", "ping", "novalue"}, 2, ""},
		{[]string{"fleet", "cmd", "d1", "ping", "a=1", "a=2"}, 2, ""},
		{[]string{"fleet", "cmd", "d1", "ping", "{not json"}, 2, ""},
		{[]string{"fleet", "cmd", "d1", "ping", "--wait", "0s"}, 2, ""},
		{[]string{"fleet", "ls", "extra"}, 2, ""},
		{[]string{"fleet", "ls", "--bogus"}, 2, ""},
		{[]string{"fleet", "watch", "--count", "-1"}, 2, ""},
		{[]string{"version", "extra"}, 2, ""},
	} {
		code, out, errOut := cli(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Errorf("%v: exit %d, stdout %q; want %d and %q", tc.args, code, out, tc.code, tc.out)
		}
		if tc.code == 2 && len(tc.args) > 0 {
			oneLineErr(t, errOut)
		}
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{`{"name":"m","version":2}`}, `{"name":"m","version":2}`},
		{[]string{"name=m", "version=2", "force=true", "note=hello world", "list=[1,2]", "quoted=\"3\"", "empty="},
			`{"empty":"","force":true,"list":[1,2],"name":"m","note":"hello world","quoted":"3","version":2}`},
	} {
		got, err := parseArgs(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("parseArgs(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestFleetLs(t *testing.T) {
	b := mqtttest.Start(t)
	fleettest.Start(t, b.URL, fleettest.Options{ID: "cam-1", AgentVersion: "1.2.0", Groups: []string{"lab"},
		Models:   []wire.Model{{Name: "detector", Version: 3}},
		Hardware: []byte(`{"arch":"arm64","cpu":{"usable":4},"memory":{"usable_bytes":4294967296},"npus":[{"kind":"npu","name":"Hailo-8"}]}`)})
	fleettest.Start(t, b.URL, fleettest.Options{ID: "cam-2", AgentVersion: "1.1.0"}).Stop()

	code, out, errOut := cli("fleet", "ls", "--broker", b.URL, "--wait", "30s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "DEVICE") {
		t.Fatalf("output:\n%s", out)
	}
	for _, want := range [][]string{
		{"cam-1", "online", "1.2.0", "detector@3", "lab", "s ago", "arm64 4 cpu 4.0 GiB Hailo-8"},
		{"cam-2", "offline", "1.1.0"},
	} {
		line := ""
		for _, l := range lines {
			if strings.HasPrefix(l, want[0]+" ") {
				line = l
			}
		}
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("line %q lacks %q", line, w)
			}
		}
	}

	code, out, errOut = cli("fleet", "ls", "--broker", b.URL, "--json")
	var devices []fleet.Device
	if code != 0 || json.Unmarshal([]byte(out), &devices) != nil || len(devices) != 2 ||
		devices[0].ID != "cam-1" || devices[0].AgentVersion != "1.2.0" || devices[1].State != "offline" {
		t.Fatalf("--json: exit %d, %s %s", code, out, errOut)
	}

	code, out, _ = cli("fleet", "ls", "--broker", b.URL, "--prefix", "empty/")
	if code != 0 || !strings.Contains(out, "no devices") {
		t.Fatalf("empty fleet: exit %d, %q", code, out)
	}
}

func TestFleetLsBrokerDown(t *testing.T) {
	code, out, errOut := cli("fleet", "ls", "--broker", "tcp://127.0.0.1:1")
	if code != 1 || out != "" || !strings.Contains(errOut, "connect") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	oneLineErr(t, errOut)
}

func compact(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}

func echo(_ context.Context, args json.RawMessage) (any, error) { return args, nil }

func TestFleetCmd(t *testing.T) {
	b := mqtttest.Start(t)
	handlers := map[string]cmdpkg.Handler{"echo": echo}
	fleettest.Start(t, b.URL, fleettest.Options{ID: "a", Groups: []string{"lab"}, Handlers: handlers})
	fleettest.Start(t, b.URL, fleettest.Options{ID: "b", Groups: []string{"lab"}, Handlers: handlers})
	fleettest.Start(t, b.URL, fleettest.Options{ID: "quiet", Groups: []string{"lab"}, Silent: true})

	t.Run("device", func(t *testing.T) {
		code, out, errOut := cli("fleet", "cmd", "a", "ping", "--broker", b.URL, "--wait", "30s")
		if code != 0 || !strings.Contains(out, "a  ok  {\"pong\":true") || !strings.Contains(out, "ping to a: 1 answered, 1 ok") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("key=value args", func(t *testing.T) {
		code, out, errOut := cli("fleet", "cmd", "--broker", b.URL, "b", "echo", "n=3", "name=x", "on=true", "--wait", "30s")
		if code != 0 || !strings.Contains(out, `{"n":3,"name":"x","on":true}`) {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("json args", func(t *testing.T) {
		code, out, errOut := cli("fleet", "cmd", "--broker", b.URL, "--json", "b", "echo", `{"list":[1,2]}`, "--wait", "30s")
		var res struct {
			fleet.Result
			OK bool `json:"ok"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || !res.OK || len(res.Replies) != 1 ||
			compact(res.Replies[0].Result) != `{"list":[1,2]}` {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("unknown command fails", func(t *testing.T) {
		code, out, errOut := cli("fleet", "cmd", "--broker", b.URL, "a", "no.such", "--wait", "30s")
		if code != 1 || !strings.Contains(out, "a  unknown_command") || !strings.Contains(errOut, "1 failed") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		oneLineErr(t, errOut)
	})
	t.Run("group names the silent device", func(t *testing.T) {
		t.Parallel()
		code, out, errOut := cli("fleet", "cmd", "--broker", b.URL, "group:lab", "ping", "--wait", "3s")
		if code != 1 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		for _, want := range []string{"a  ", "b  ", "quiet  no answer", "2 answered, 2 ok, 1 did not answer (quiet)"} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		oneLineErr(t, errOut)
		if !strings.Contains(errOut, "quiet") {
			t.Errorf("stderr %q does not name the silent device", errOut)
		}
	})
	t.Run("all --json", func(t *testing.T) {
		t.Parallel()
		code, out, errOut := cli("fleet", "cmd", "--broker", b.URL, "all", "ping", "--wait", "3s", "--json")
		var res cmdOutput
		if code != 1 || json.Unmarshal([]byte(out), &res) != nil || res.OK || len(res.Replies) != 2 ||
			len(res.Missing) != 1 || res.Missing[0].Device != "quiet" || res.Missing[0].State != "online" {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("nobody", func(t *testing.T) {
		t.Parallel()
		code, _, errOut := cli("fleet", "cmd", "--broker", b.URL, "group:nobody", "ping", "--wait", "1s")
		if code != 1 || !strings.Contains(errOut, "no device answered") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		oneLineErr(t, errOut)
	})
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
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

func TestFleetWatch(t *testing.T) {
	b := mqtttest.Start(t)
	dev := fleettest.Start(t, b.URL, fleettest.Options{ID: "w1", AgentVersion: "2.0.0", Models: []wire.Model{{Name: "det", Version: 3}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, []string{"fleet", "watch", "--broker", b.URL}, &out, &errOut) }()
	contains := func(s string) bool {
		return mqtttest.WaitFor(context.Background(), 20*time.Second, func() bool { return strings.Contains(out.String(), s) })
	}
	if !contains("status     w1 online agent 2.0.0 models det@3 (retained)") {
		t.Fatalf("no status line:\n%s%s", out.String(), errOut.String())
	}
	pred := wire.Prediction{Pipeline: "cam", Model: wire.Model{Name: "det", Version: 3}, LatencyUS: 1500,
		Top: []wire.Label{{Label: "cat", Score: 0.9}, {Label: "dog", Score: 0.1}}}
	dev.PublishPredictions(true, pred)
	dev.Publish("metrics", []byte(`{"device":"w1","seq":5,"ts":"2026-11-26T12:00:00Z","metrics":{"cpu_pct":41.5,"temp_c":60}}`))
	for _, want := range []string{
		"prediction w1 #1 cam det@3 cat=0.900 dog=0.100 1.5ms",
		"metrics    w1 #5 cpu_pct=41.5 temp_c=60",
	} {
		if !contains(want) {
			t.Fatalf("no line %q:\n%s", want, out.String())
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}

	// --json with --count: one JSON object per line, then exit 0.
	var jout, jerr syncBuffer
	jdone := make(chan int, 1)
	go func() {
		jdone <- runContext(context.Background(), []string{"fleet", "watch", "--broker", b.URL, "--json", "--count", "2"}, &jout, &jerr)
	}()
	// The retained status is the first event; then a live prediction.
	if !mqtttest.WaitFor(context.Background(), 20*time.Second, func() bool { return strings.Contains(jout.String(), `"kind":"status"`) }) {
		t.Fatalf("no status event: %s %s", jout.String(), jerr.String())
	}
	dev.PublishPredictions(false, pred)
	select {
	case code := <-jdone:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, jerr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("watch --count 2 did not stop")
	}
	lines := strings.Split(strings.TrimSpace(jout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines:\n%s", jout.String())
	}
	var e fleet.Event
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil || e.Kind != fleet.KindPrediction || e.Seq != 2 || e.Device != "w1" {
		t.Fatalf("second event %s: %v", lines[1], err)
	}
}

// TestBinaryExitCodes runs the built binary: exit 0 on success, 1 when a
// device fails or does not answer or the broker is unreachable, 2 on usage
// errors, each failure with one line on stderr.
func TestBinaryExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	host, err := exec.Command("go", "env", "GOHOSTARCH").Output()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.TrimSpace(string(host)); h != runtime.GOARCH {
		t.Skipf("tests run as %s on a %s host (qemu-user): the built binary cannot be executed", runtime.GOARCH, h)
	}
	bin := filepath.Join(t.TempDir(), "edgectl")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b := mqtttest.Start(t)
	fleettest.Start(t, b.URL, fleettest.Options{ID: "up"})
	fleettest.Start(t, b.URL, fleettest.Options{ID: "mute", Silent: true})
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"version"}, 0},
		{[]string{"fleet", "ls", "--broker", b.URL}, 0},
		{[]string{"fleet", "cmd", "up", "ping", "--broker", b.URL, "--wait", "30s"}, 0},
		{[]string{"fleet", "cmd", "mute", "ping", "--broker", b.URL, "--wait", "1s"}, 1},
		{[]string{"fleet", "cmd", "up", "no.such", "--broker", b.URL, "--wait", "30s"}, 1},
		{[]string{"fleet", "ls", "--broker", "tcp://127.0.0.1:1"}, 1},
		{[]string{"fleet", "cmd", "up"}, 2},
		{[]string{"nonsense"}, 2},
	} {
		cmd := exec.Command(bin, tc.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr.String())
		}
		if tc.code != 0 {
			oneLineErr(t, stderr.String())
		}
	}
}
