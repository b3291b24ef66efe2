package selfupdate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// buildAgentProg builds testdata/agentprog for this test binary's GOOS and
// GOARCH with the version (and crash behaviour) baked in, and returns the
// binary's bytes.
func buildAgentProg(t *testing.T, version string, crash bool) []byte {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH (%v): cannot build the test agent", err)
	}
	out := filepath.Join(t.TempDir(), "agentprog-"+version)
	ldflags := "-X main.version=" + version
	if crash {
		ldflags += " -X main.crash=1"
	}
	cmd := exec.CommandContext(t.Context(), goTool, "build", "-o", out, "-ldflags", ldflags, "./testdata/agentprog")
	cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test agent %s: %v\n%s", version, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// agentRun is one start of the test agent.
type agentRun struct {
	out  string // its first output line
	code int    // its exit status
}

// start runs the binary at l.target once, as systemd would start it.
func start(t *testing.T, l layout, maxStarts int) agentRun {
	t.Helper()
	cmd := testenv.CommandContext(t.Context(), l.target, "-marker", l.marker, "-target", l.target, "-max-starts", strconv.Itoa(maxStarts))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() < 0 {
			t.Fatalf("running %s: %v\n%s", l.target, err, stderr.Bytes())
		}
		code = ee.ExitCode()
	}
	line, _, _ := strings.Cut(stdout.String(), "\n")
	return agentRun{out: line, code: code}
}

// systemd starts the target until it exits 0 (Restart=on-failure), at most
// limit times, and returns every start.
func systemd(t *testing.T, l layout, maxStarts, limit int) []agentRun {
	t.Helper()
	var runs []agentRun
	for len(runs) < limit {
		r := start(t, l, maxStarts)
		runs = append(runs, r)
		if r.code == 0 {
			break
		}
	}
	return runs
}

// TestSelfUpdateUnderSystemd installs real binaries and plays systemd: a
// healthy update sticks, a crash-looping one is rolled back.
func TestSelfUpdateUnderSystemd(t *testing.T) {
	const maxStarts = 3
	v1 := buildAgentProg(t, "v1", false)
	v2 := buildAgentProg(t, "v2", false)
	v3 := buildAgentProg(t, "v3", true)
	l := newLayout(t, v1)

	if r := start(t, l, maxStarts); r != (agentRun{"version=v1 trial=false start=0", 0}) {
		t.Fatalf("installed v1 started as %+v", r)
	}

	// A healthy update: v2 starts once on trial, reports healthy, stays.
	if err := Apply(l.target, bytes.NewReader(v2), sumHex(v2), l.marker, "v2"); err != nil {
		t.Fatalf("Apply v2: %v", err)
	}
	wantContent(t, l.target, v2)
	wantContent(t, l.old, v1)
	runs := systemd(t, l, maxStarts, maxStarts+2)
	if want := []agentRun{{"version=v2 trial=true start=1", 0}}; fmt.Sprint(runs) != fmt.Sprint(want) {
		t.Fatalf("after applying v2, systemd saw %+v, want %+v", runs, want)
	}
	wantAbsent(t, l.marker)
	for i := 0; i < 2; i++ {
		if r := start(t, l, maxStarts); r != (agentRun{"version=v2 trial=false start=0", 0}) {
			t.Fatalf("restart %d after v2 became healthy: %+v", i, r)
		}
	}
	wantContent(t, l.target, v2)
	wantContent(t, l.old, v1)

	// A crash-looping update: v3 exits 1 on each of its maxStarts trial
	// starts, the next start restores v2 and exits non-zero, and systemd
	// then starts v2, which runs normally.
	if err := Apply(l.target, bytes.NewReader(v3), sumHex(v3), l.marker, "v3"); err != nil {
		t.Fatalf("Apply v3: %v", err)
	}
	wantContent(t, l.old, v2)
	runs = systemd(t, l, maxStarts, maxStarts+5)
	var want []agentRun
	for i := 1; i <= maxStarts; i++ {
		want = append(want, agentRun{fmt.Sprintf("version=v3 trial=true start=%d", i), 1})
	}
	if len(runs) != maxStarts+2 {
		t.Fatalf("systemd started the agent %d times, want %d: %+v", len(runs), maxStarts+2, runs)
	}
	if fmt.Sprint(runs[:maxStarts]) != fmt.Sprint(want) {
		t.Fatalf("trial starts %+v, want %+v", runs[:maxStarts], want)
	}
	if r := runs[maxStarts]; r.code != 3 || !strings.HasPrefix(r.out, "rolled-back version=v3 reason=update v3 did not become healthy in 3 starts") {
		t.Fatalf("start %d: %+v, want the rollback (exit 3)", maxStarts+1, r)
	}
	if r := runs[maxStarts+1]; r != (agentRun{"version=v2 trial=false start=0", 0}) {
		t.Fatalf("start %d: %+v, want v2 running normally", maxStarts+2, r)
	}
	wantAbsent(t, l.marker)
	wantAbsent(t, l.old)
	wantContent(t, l.target, v2)
	if r := start(t, l, maxStarts); r != (agentRun{"version=v2 trial=false start=0", 0}) {
		t.Fatalf("restart after the rollback: %+v", r)
	}
}
