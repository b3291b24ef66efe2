package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/api/apitest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// agent starts the API server with a fake backend on a temporary socket.
func agent(t *testing.T) (*apitest.Fake, string) {
	t.Helper()
	f := apitest.NewFake()
	srv := apitest.Start(t, api.Options{Backend: f})
	return f, srv.Path()
}

// lines reports whether out has a line matching each regexp (columns are
// separated by runs of spaces).
func hasLines(t *testing.T, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(`(?m)^` + p + `\s*$`).MatchString(out) {
			t.Errorf("output lacks a line matching %q:\n%s", p, out)
		}
	}
}

func TestLocalStatus(t *testing.T) {
	f, sock := agent(t)
	code, out, errOut := cli("status", "--socket", sock)
	if code != 0 {
		t.Fatalf("status: exit %d, stderr %q", code, errOut)
	}
	hasLines(t, out,
		`device\s+dev-1 \(groups lab\)`,
		`agent\s+1\.2\.3, up 1h2m3s \(since 2025-06-01T12:00:00Z\)`,
		`mqtt\s+tcp://127\.0\.0\.1:1883 connected, 96\.5 KiB sent, 100 records delivered`,
		`buffer\s+42 records, 12\.1 KiB of 64\.0 MiB, 3 dropped \(file 64\.0 KiB\)`,
		`MODEL\s+VERSION\s+SHA256\s+INPUTS\s+OUTPUTS\s+ARENA\s+INSTALLED\s+SOURCE`,
		`demo-motion\s+1\s+3f1c5a9e0b7d\.\.\.\s+float32\[1,32,3\]\s+float32\[1,3\]\s+4\.0 KiB\s+-\s+builtin:demo-motion`,
		`PIPELINE\s+SENSOR\s+MODEL\s+SAMPLES\s+REJECTED\s+DROPPED\s+INFERENCES\s+PUBLISHED\s+ERRORS\s+P50\s+STATE`,
		`motion\s+accel\s+demo-motion\s+5000\s+3 \(nan 2, out_of_range 1\)\s+4\s+620\s+610\s+1\s+0\.42 ms\s+ok \(last error: queue full\)`,
		`accel\s+simulated\s+running\s+5000\s+0\s+-`,
		`env\s+socket\s+running\s+12\s+1\s+bad sample`,
	)
	code, out, _ = cli("status", "--socket", sock, "--json")
	var st api.Status
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || !reflect.DeepEqual(st, f.StatusDoc) {
		t.Errorf("status --json: exit %d, %q does not match the agent's document", code, out)
	}
}

func TestLocalHWModelsBuffer(t *testing.T) {
	f, sock := agent(t)
	code, out, errOut := cli("hw", "--socket", sock)
	if code != 0 {
		t.Fatalf("hw: %d %q", code, errOut)
	}
	hasLines(t, out, `system\s+Debian GNU/Linux 12, kernel 6\.1\.0, arm64`, `board\s+Raspberry Pi 5`,
		`cpu\s+ARM Cortex-A76: 4 logical, 4 online, 4 usable`, `memory\s+8\.0 GiB total, 4\.0 GiB available`, `gpus\s+none`)
	code, out, _ = cli("hw", "--socket", sock, "--json")
	var hw, want map[string]any
	json.Unmarshal(f.HardwareDoc, &want)
	if code != 0 || json.Unmarshal([]byte(out), &hw) != nil || !reflect.DeepEqual(hw, want) {
		t.Errorf("hw --json: %d %q", code, out)
	}

	code, out, _ = cli("models", "--socket", sock)
	hasLines(t, out, `MODEL\s+VERSION.*`, `demo-motion\s+1\s+3f1c5a9e0b7d\.\.\..*`)
	code, out, _ = cli("models", "--socket", sock, "--json")
	var ms []api.Model
	if code != 0 || json.Unmarshal([]byte(out), &ms) != nil || !reflect.DeepEqual(ms, f.ModelList) {
		t.Errorf("models --json: %d %q", code, out)
	}
	// Versions installed over the air, the served one on trial.
	m := f.ModelList[0]
	m.Version = 3
	m.Installed = []api.InstalledVersion{{Version: 1, State: "installed"}, {Version: 2, State: "previous"}, {Version: 3, State: "active"}}
	m.Trial = &api.ModelTrial{Version: 3}
	f.ModelList = []api.Model{m}
	_, out, _ = cli("models", "--socket", sock)
	hasLines(t, out, `demo-motion\s+3\s+.*\s+3 \(active, on trial\), 2 \(previous\), 1\s+builtin:demo-motion`)
	f.ModelList = nil
	if _, out, _ = cli("models", "--socket", sock, "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("models --json with none: %q, want []", out)
	}
	if _, out, _ = cli("models", "--socket", sock); strings.TrimSpace(out) != "no models" {
		t.Errorf("models with none: %q", out)
	}

	code, out, _ = cli("buffer", "--socket", sock)
	if code != 0 {
		t.Fatalf("buffer: %d", code)
	}
	hasLines(t, out, `outbox: 42 records, 12\.1 KiB of 64\.0 MiB, 3 dropped \(file 64\.0 KiB\)`,
		`CLASS\s+RECORDS\s+BYTES\s+FIRST SEQ\s+LAST SEQ\s+DELIVERED\s+DROPPED`,
		`metrics\s+2\s+345 B\s+7\s+8\s+6\s+0`,
		`predictions\s+40\s+11\.7 KiB\s+101\s+140\s+100\s+3`)
	code, out, _ = cli("buffer", "--socket", sock, "--json")
	var b api.Buffer
	if code != 0 || json.Unmarshal([]byte(out), &b) != nil || !reflect.DeepEqual(b, f.BufferDoc) {
		t.Errorf("buffer --json: %d %q", code, out)
	}
}

func record(seq uint64) wire.Prediction {
	return wire.Prediction{
		Seq: seq, TS: time.Date(2025, 6, 1, 12, 0, 0, int(seq)*int(time.Millisecond), time.UTC), Pipeline: "motion",
		Model: wire.Model{Name: "demo-motion", Version: 1}, LatencyUS: 420, Output: json.RawMessage(`[0.1,0.8,0.1]`),
		Top: []wire.Label{{Label: "walking", Score: 0.8}},
	}
}

func TestLocalPredictions(t *testing.T) {
	f, sock := agent(t)
	if _, out, _ := cli("predictions", "--socket", sock); !strings.Contains(out, "no predictions after seq 0 (held: none)") {
		t.Errorf("no predictions: %q", out)
	}
	for s := uint64(1); s <= 5; s++ {
		f.Publish(record(s))
	}
	code, out, _ := cli("predictions", "--socket", sock, "--since", "1", "--limit", "2")
	if code != 0 {
		t.Fatalf("predictions: exit %d", code)
	}
	hasLines(t, out, `SEQ\s+TIME\s+PIPELINE\s+MODEL\s+LATENCY\s+TOP`,
		`2\s+2025-06-01T12:00:00\.002Z\s+motion\s+demo-motion v1\s+0\.42 ms\s+walking 0\.800`,
		`3\s+2025-06-01T12:00:00\.003Z.*`, `\(more after seq 3: use --since 3\)`)
	if strings.Contains(out, "\n4 ") {
		t.Errorf("--limit 2 printed more:\n%s", out)
	}
	code, out, _ = cli("predictions", "--socket", sock, "--json")
	var p api.Predictions
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || len(p.Records) != 5 || p.LastSeq != 5 {
		t.Errorf("predictions --json: %d %q", code, out)
	}
}

func TestLocalFollow(t *testing.T) {
	f, sock := agent(t)
	f.Publish(record(1))
	f.Publish(record(2))
	// --since 1: the held record 2, then live ones; --count ends it.
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runContext(context.Background(), []string{"predictions", "--follow", "--since", "1", "--count", "3", "--json", "--socket", sock}, &out, &errOut)
	}()
	waitFor(t, "the stream to open", func() bool { return f.Subscribers() == 1 })
	f.Publish(record(3))
	f.Publish(record(4))
	f.Publish(record(5)) // after --count: not printed
	if code := <-done; code != 0 {
		t.Fatalf("follow --count 3: exit %d, stderr %q", code, errOut.String())
	}
	var seqs []uint64
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r wire.Prediction
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		seqs = append(seqs, r.Seq)
	}
	if !reflect.DeepEqual(seqs, []uint64{2, 3, 4}) {
		t.Errorf("followed seqs %v, want [2 3 4]", seqs)
	}

	// Without --since only new records; Ctrl-C (the context) ends it with 0.
	waitFor(t, "the first stream to close", func() bool { return f.Subscribers() == 0 })
	ctx, cancel := context.WithCancel(context.Background())
	var out2 syncBuffer
	go func() { done <- runContext(ctx, []string{"predictions", "--follow", "--socket", sock}, &out2, &errOut) }()
	waitFor(t, "the stream to open", func() bool { return f.Subscribers() == 1 })
	f.Publish(record(6))
	waitFor(t, "record 6", func() bool { return strings.Contains(out2.String(), "walking") })
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("interrupted follow: exit %d, stderr %q", code, errOut.String())
	}
	if !regexp.MustCompile(`^6\s+2025-06-01T12:00:00\.006Z\s+motion\s+demo-motion v1\s+0\.42 ms\s+walking 0\.800\n$`).MatchString(out2.String()) {
		t.Errorf("follow output %q, want only record 6", out2.String())
	}
}

func TestLocalInfer(t *testing.T) {
	_, sock := agent(t)
	dir := t.TempDir()
	raw := make([]byte, 0, 96*4)
	in := make([]float64, 96)
	for i := range in {
		in[i] = float64(i % 3) // channel means 0, 1, 2
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(float32(in[i])))
	}
	req, _ := json.Marshal(api.InferRequest{Inputs: [][]float64{in}})
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bin, js := write("input_0.bin", raw), write("req.json", req)
	rawNamedJSON, jsonNamedBin := write("raw.json", raw), write("req.in", req)
	for _, args := range [][]string{{bin}, {js}, {rawNamedJSON, "--raw"}, {jsonNamedBin, "--json-input"}} {
		code, out, errOut := cli(append([]string{"infer", "demo-motion", "--socket", sock}, args...)...)
		if code != 0 {
			t.Errorf("infer %v: exit %d, %q", args, code, errOut)
			continue
		}
		hasLines(t, out, `model\s+demo-motion v1 \(sha256 3f1c5a9e0b7d\.\.\.\)`, `latency\s+0\.42 ms`, `top\s+shaking 2\.000`,
			`output 0 scores\s+float32\[1,3\]: 0 1 2`)
	}
	code, out, _ := cli("infer", "demo-motion", bin, "--socket", sock, "--json")
	var resp api.InferResponse
	if code != 0 || json.Unmarshal([]byte(out), &resp) != nil || !reflect.DeepEqual(resp.Outputs[0].Values, api.Values{0, 1, 2}) {
		t.Errorf("infer --json: %d %q", code, out)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"infer", "nope", bin}, 1, `infer nope: no model "nope" (not_found, HTTP 404)`},
		{[]string{"infer", "demo-motion", write("short.bin", raw[:8])}, 1, "got 2 values, want 96"},
		{[]string{"infer", "demo-motion", write("empty.bin", nil)}, 1, "empty.bin is empty"},
		{[]string{"infer", "demo-motion", write("bad.json", []byte(`{"inputz":[]}`))}, 1, `bad.json: not an inference request`},
		{[]string{"infer", "demo-motion", write("two.json", []byte(`{"inputs":[[1]]} {}`))}, 1, "data after the request"},
		{[]string{"infer", "demo-motion", filepath.Join(dir, "missing.bin")}, 1, "no such file"},
		{[]string{"infer", "demo-motion", bin, "--raw", "--json-input"}, 2, "exclude each other"},
		{[]string{"infer", "demo-motion"}, 2, "takes 2 arguments, got 1"},
	} {
		code, _, errOut := cli(append(tc.args, "--socket", sock)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
		oneLineErr(t, errOut)
	}
}

func TestLocalNoAgent(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "agent.sock")
	for _, cmd := range []string{"status", "hw", "models", "predictions", "buffer"} {
		code, out, errOut := cli(cmd, "--socket", missing)
		if code != 1 || out != "" || !strings.Contains(errOut, "edge-agent is not running (no socket at "+missing+")") {
			t.Errorf("%s without an agent: exit %d, stdout %q, stderr %q", cmd, code, out, errOut)
		}
		oneLineErr(t, errOut)
	}
	code, _, errOut := cli("predictions", "--follow", "--socket", missing)
	if code != 1 || !strings.Contains(errOut, "not running") {
		t.Errorf("follow without an agent: %d %q", code, errOut)
	}
	// $EDGE_AGENT_SOCKET sets the default, --socket still wins.
	_, sock := agent(t)
	t.Setenv(socketEnv, sock)
	if code, _, errOut := cli("status"); code != 0 {
		t.Errorf("status with $%s: exit %d %q", socketEnv, code, errOut)
	}
	if code, _, _ := cli("status", "--socket", missing); code != 1 {
		t.Errorf("--socket does not override $%s", socketEnv)
	}
}

func TestLocalHelpAndUsage(t *testing.T) {
	for _, cmd := range []string{"status", "hw", "models", "predictions", "infer", "buffer"} {
		code, out, _ := cli(cmd, "--help")
		if code != 0 || !strings.Contains(out, "Usage: edgectl "+cmd) || !strings.Contains(out, "-socket") || !strings.Contains(out, "-json") {
			t.Errorf("%s --help: exit %d, %q", cmd, code, out)
		}
	}
	for _, args := range [][]string{
		{"status", "extra"}, {"hw", "--bogus"}, {"models", "--socket", ""},
		{"predictions", "--limit", "0"}, {"predictions", "--limit", "10001"}, {"predictions", "--since", "-1"},
		{"predictions", "--count", "2"}, {"predictions", "--follow", "--count", "-1"}, {"buffer", "--timeout", "soon"},
	} {
		code, _, errOut := cli(args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, errOut)
		}
		oneLineErr(t, errOut)
	}
}

// waitFor polls cond; the deadline only keeps a broken test from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
