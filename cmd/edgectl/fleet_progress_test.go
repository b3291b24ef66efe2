package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	cmdpkg "github.com/edge-agent/edge-agent/sync/command"
	"github.com/edge-agent/edge-agent/sync/fleet"
	"github.com/edge-agent/edge-agent/sync/fleet/fleettest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

func TestFormatProgress(t *testing.T) {
	for _, c := range []struct {
		p    wire.Progress
		want string
	}{
		{wire.Progress{Device: "dev-1", Stage: "download", Done: 1258291, Total: 4 << 20}, "dev-1: download 1.2 MiB / 4.0 MiB (30%)"},
		{wire.Progress{Device: "dev-1", Stage: "download", Done: 512}, "dev-1: download 512 B"},
		{wire.Progress{Device: "dev-1", Stage: "download", Done: 3 << 30, Total: 3 << 30}, "dev-1: download 3.0 GiB / 3.0 GiB (100%)"},
		{wire.Progress{Device: "dev-1", Stage: "verify"}, "dev-1: verify"},
		{wire.Progress{Device: "dev-1", Stage: "install", Done: 2, Total: 5, Message: "models/detector/3"}, "dev-1: install 2 / 5 (40%) - models/detector/3"},
		{wire.Progress{Device: "d", Stage: "x", Done: 9, Total: 3}, "d: x 9 / 3 (100%)"},
		{wire.Progress{Device: "d", Stage: "", Message: "a\nb\x1b[31m"}, "d: - - a b [31m"},
	} {
		if got := formatProgress(c.p); got != c.want {
			t.Errorf("formatProgress(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
	long := formatProgress(wire.Progress{Device: "d", Stage: "s", Message: strings.Repeat("é", 200)})
	if !strings.HasSuffix(long, "...") || len(long) > len("d: s - ")+200+3 || strings.ContainsRune(long, '\uFFFD') {
		t.Errorf("long message %q", long)
	}
}

// otaHandler stands in for the agent's ota.apply: it checks that the
// bundle came inline, reports a download and a verify stage, and answers.
func otaHandler(ctx context.Context, args json.RawMessage) (any, error) {
	var a struct {
		Bundle []byte `json:"bundle"`
	}
	if err := cmdpkg.DecodeArgs(args, &a); err != nil {
		return nil, err
	}
	n := int64(len(a.Bundle))
	cmdpkg.ReportProgress(ctx, wire.Progress{Stage: "download", Done: n / 4, Total: n})
	cmdpkg.ReportProgress(ctx, wire.Progress{Stage: "verify"})
	return map[string]any{"installed": "detector", "version": 3}, nil
}

// TestFleetProgress: fleet ota and fleet cmd print each progress report on
// stderr as it comes (a line for a person, or a JSON line with --json),
// and their stdout is what it was without progress.
func TestFleetProgress(t *testing.T) {
	b := mqtttest.Start(t)
	fleettest.Start(t, b.URL, fleettest.Options{ID: "dev-1", Handlers: map[string]cmdpkg.Handler{cmdpkg.NameOTAApply: otaHandler}})
	bundle := filepath.Join(t.TempDir(), "detector-3.bundle")
	if err := os.WriteFile(bundle, make([]byte, 4<<20), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("ota", func(t *testing.T) {
		code, out, errOut := cli("fleet", "ota", "dev-1", bundle, "--broker", b.URL, "--wait", "30s")
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		if want := "dev-1: download 1.0 MiB / 4.0 MiB (25%)\ndev-1: verify\n"; errOut != want {
			t.Errorf("stderr\n%s\nwant\n%s", errOut, want)
		}
		if !strings.Contains(out, `dev-1  ok  {"installed":"detector","version":3}`) || !strings.Contains(out, "ota.apply to dev-1: 1 answered, 1 ok") ||
			strings.Contains(out, "download") {
			t.Errorf("stdout\n%s", out)
		}
	})
	t.Run("ota --json", func(t *testing.T) {
		code, out, errOut := cli("fleet", "ota", "--json", "dev-1", bundle, "--broker", b.URL, "--wait", "30s")
		var res cmdOutput
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || !res.OK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if len(lines) != 2 {
			t.Fatalf("stderr %q, want two JSON lines", errOut)
		}
		for i, stage := range []string{"download", "verify"} {
			var p wire.Progress
			if err := json.Unmarshal([]byte(lines[i]), &p); err != nil || p.ID != res.ID || p.Device != "dev-1" || p.Stage != stage {
				t.Errorf("line %d %q (%v): want %s of %s from dev-1", i, lines[i], err, stage, res.ID)
			}
		}
	})
	t.Run("cmd", func(t *testing.T) {
		args, err := json.Marshal(map[string]any{"bundle": make([]byte, 8)})
		if err != nil {
			t.Fatal(err)
		}
		code, out, errOut := cli("fleet", "cmd", "dev-1", "ota.apply", string(args), "--broker", b.URL, "--wait", "30s")
		if code != 0 || errOut != "dev-1: download 2 B / 8 B (25%)\ndev-1: verify\n" || !strings.Contains(out, "1 answered, 1 ok") {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
		}
		// A command without progress prints none.
		code, _, errOut = cli("fleet", "cmd", "dev-1", "ping", "--broker", b.URL, "--wait", "30s")
		if code != 0 || errOut != "" {
			t.Fatalf("ping: exit %d, stderr %q", code, errOut)
		}
	})
}

// TestFleetWatchShowsProgress: fleet watch prints a progress event as one
// line.
func TestFleetWatchShowsProgress(t *testing.T) {
	line := formatEvent(fleet.Event{Kind: fleet.KindProgress, Device: "dev-1", Received: time.Now(),
		Progress: &wire.Progress{ID: "c1", Device: "dev-1", Stage: "download", Done: 1 << 20, Total: 2 << 20}})
	if !strings.HasSuffix(line, "progress   dev-1 c1 download 1.0 MiB / 2.0 MiB (50%)") {
		t.Errorf("line %q", line)
	}
}
