package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/agent"
	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// buildVersioned builds edge-agent with a version (and build tags) baked
// in and returns the binary's path.
func buildVersioned(t *testing.T, dir, version, tags string) string {
	t.Helper()
	out := filepath.Join(dir, "edge-agent-"+version)
	args := []string{"build", "-o", out, "-ldflags", "-X main.version=" + version}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	build := exec.Command("go", append(args, ".")...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", version, err, b)
	}
	return out
}

// supervisor restarts the agent whenever it exits, as systemd's
// Restart= does, and records the exit statuses.
type supervisor struct {
	t    *testing.T
	bin  string
	args []string
	log  *os.File

	mu       sync.Mutex
	cur      *exec.Cmd
	stopping bool
	exits    []int
	done     chan struct{}
}

func supervise(t *testing.T, bin string, args ...string) *supervisor {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), "supervised-*.log")
	if err != nil {
		t.Fatal(err)
	}
	s := &supervisor{t: t, bin: bin, args: args, log: logf, done: make(chan struct{})}
	go s.loop()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("supervised agent log:\n%s", b)
		}
	})
	return s
}

func (s *supervisor) loop() {
	defer close(s.done)
	for starts := 0; starts < 50; starts++ {
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			return
		}
		cmd := exec.Command(s.bin, s.args...)
		cmd.Stdout, cmd.Stderr = s.log, s.log
		if err := cmd.Start(); err != nil {
			s.mu.Unlock()
			fmt.Fprintf(s.log, "supervisor: start: %v\n", err)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		s.cur = cmd
		s.mu.Unlock()
		err := cmd.Wait()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		s.mu.Lock()
		s.exits = append(s.exits, code)
		s.mu.Unlock()
		fmt.Fprintf(s.log, "supervisor: exit %d\n", code)
		time.Sleep(100 * time.Millisecond) // RestartSec
	}
}

func (s *supervisor) stop() {
	s.mu.Lock()
	s.stopping = true
	if s.cur != nil && s.cur.ProcessState == nil {
		s.cur.Process.Signal(syscall.SIGTERM)
	}
	s.mu.Unlock()
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		s.t.Error("supervised agent did not stop within 60s")
	}
}

func (s *supervisor) exitCodes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.exits...)
}

// TestSelfUpdateE2E replaces the running agent binary over the air, as
// the fleet does, under a supervisor that restarts it as systemd would:
// v2 (picked among the bundle's files by its arch variant) is installed,
// started and marked healthy after its window; v1 is then refused as
// older; v3, a build that crashes right after its boot check, crash-loops
// until its starts are used up, and the boot check restores v2, which
// reports the rollback as an alert.
func TestSelfUpdateE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the agent binary")
	}
	ctl := buildEdgectl(t)
	work := t.TempDir()
	v1 := buildVersioned(t, work, "v1", "")
	v2 := buildVersioned(t, work, "v2", "")
	v3 := buildVersioned(t, work, "v3", "edgeagent_crashtest")
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "selfupdate-e2e"
	run := func(args ...string) (string, error) {
		out, err := exec.Command(ctl, args...).CombinedOutput()
		return string(out), err
	}
	keys, pub := fleetKeys(t, ctl, dir)
	target := filepath.Join(dir, "bin", "edge-agent")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, v1, target)
	cfg := runConfig(t, dir, b.URL, device, "0660",
		"ota: {trusted_keys: [\""+pub+"\"], health: {window: 1s}, agent: {max_starts: 2}}\n")

	alerts := make(chan map[string]any, 16)
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(b.URL).SetClientID("selfupdate-alerts"))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe(wire.Topics{}.Stream(device, "alerts"), 1, func(_ mqtt.Client, m mqtt.Message) {
		var batch wire.Batch
		if json.Unmarshal(m.Payload(), &batch) != nil {
			return
		}
		for _, r := range batch.Records {
			var a map[string]any
			if json.Unmarshal(r, &a) == nil {
				alerts <- a
			}
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}

	sup := supervise(t, target, "run", "--config", cfg)
	sock := filepath.Join(dir, "agent.sock")
	agentVersion := func() string {
		out, err := exec.Command(ctl, "status", "--socket", sock, "--json").Output()
		var st struct {
			AgentVersion string `json:"agent_version"`
		}
		if err != nil || json.Unmarshal(out, &st) != nil {
			return ""
		}
		return st.AgentVersion
	}
	waitFor(t, "agent v1 serving", func() bool { return agentVersion() == "v1" })
	online := func(version string) func(wire.Status) bool {
		return func(st wire.Status) bool { return st.State == "online" && st.AgentVersion == version }
	}
	waitStatus(t, b.URL, device, online("v1"))

	// An agent bundle with a generic file that is no binary at all and
	// this architecture's binary as a variant: the variant is picked.
	junk := filepath.Join(work, "edge-agent-generic")
	if err := os.WriteFile(junk, []byte("not an executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	sign := func(version int, bin string) string {
		t.Helper()
		arch := filepath.Join(work, fmt.Sprintf("v%d", version), "edge-agent-linux-"+runtime.GOARCH)
		if err := os.MkdirAll(filepath.Dir(arch), 0o755); err != nil {
			t.Fatal(err)
		}
		copyFile(t, bin, arch)
		out := filepath.Join(dir, fmt.Sprintf("agent-v%d.bundle", version))
		if o, err := run("ota", "sign", "--key", keys+".key", "--kind", "agent", "--name", "edge-agent",
			"--version", fmt.Sprint(version), "--gzip", "--variant", filepath.Base(arch)+":arch == "+runtime.GOARCH,
			"--out", out, junk, arch); err != nil {
			t.Fatalf("sign agent v%d: %v\n%s", version, err, o)
		}
		return out
	}
	fleetOTA := func(bundle string) (string, error) {
		return run("fleet", "ota", device, bundle, "--broker", b.URL, "--wait", "60s", "--serve", "127.0.0.1:0")
	}
	if out, err := fleetOTA(sign(2, v2)); err != nil || !strings.Contains(out, "restarting") || !strings.Contains(out, device+": install") {
		t.Fatalf("fleet ota agent v2: %v\n%s", err, out)
	}
	waitFor(t, "agent v2 serving", func() bool { return agentVersion() == "v2" })
	marker := filepath.Join(dir, "data", "agent-update.json")
	waitFor(t, "v2 marked healthy (boot marker removed)", func() bool {
		_, err := os.Stat(marker)
		return errors.Is(err, os.ErrNotExist)
	})
	sameFile(t, target, v2)
	sameFile(t, target+".old", v1)
	waitStatus(t, b.URL, device, online("v2"))
	if codes := sup.exitCodes(); len(codes) != 1 || codes[0] != agent.ExitRestart {
		t.Fatalf("exit statuses %v, want one %d (the restart into v2)", codes, agent.ExitRestart)
	}

	// Older than the installed agent: refused, nothing restarts.
	if out, err := fleetOTA(sign(1, v1)); err == nil || !strings.Contains(out, "not_newer") {
		t.Fatalf("fleet ota agent v1: %v, want not_newer\n%s", err, out)
	}

	// v3 crash-loops: two starts (max_starts), then the third start's boot
	// check restores v2.
	if out, err := fleetOTA(sign(3, v3)); err != nil || !strings.Contains(out, "restarting") {
		t.Fatalf("fleet ota agent v3: %v\n%s", err, out)
	}
	var rollback map[string]any
	waitFor(t, "the agent.rollback alert from the restored v2", func() bool {
		select {
		case a := <-alerts:
			if a["kind"] == "agent.rollback" {
				rollback = a
				return true
			}
		default:
		}
		return false
	})
	if rollback["version"] != "3" || rollback["running"] != "v2" || !strings.Contains(rollback["reason"].(string), "started 3 times") {
		t.Fatalf("rollback alert %v", rollback)
	}
	waitFor(t, "agent v2 serving again", func() bool { return agentVersion() == "v2" })
	sameFile(t, target, v2)
	want := []int{agent.ExitRestart, agent.ExitRestart, 3, 3, agent.ExitRestart}
	if codes := sup.exitCodes(); fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("exit statuses %v, want %v (v1 -> v2, v2 -> v3, v3 crashes twice, v3's boot check restores v2)", codes, want)
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("boot marker after the rollback: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

func sameFile(t *testing.T, path, want string) {
	t.Helper()
	a, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("%s is not %s", path, filepath.Base(want))
	}
}
