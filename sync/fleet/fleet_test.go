package fleet_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/command"
	"github.com/edge-agent/edge-agent/sync/fleet"
	"github.com/edge-agent/edge-agent/sync/fleet/fleettest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// A hardware profile as `edge-agent probe --json` prints it (the parts the
// console summarises).
const profile = `{"schema":1,"arch":"arm64","board":{"model":"Raspberry Pi 5 Model B"},"cpu":{"logical":4,"usable":4},` +
	`"memory":{"total_bytes":8589934592,"usable_bytes":8000000000},"gpus":[],"npus":[{"kind":"npu","vendor":"hailo","name":"Hailo-8"}]}`

// checkGoroutines fails the test when the goroutines started after it was
// called do not end by the end of the test. Tests that call it are not
// parallel: go test runs them before the parallel ones.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		if !mqtttest.WaitFor(context.Background(), 10*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: %d before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestDevicesFromRetainedStatus(t *testing.T) {
	b := mqtttest.Start(t)
	fleettest.Start(t, b.URL, fleettest.Options{ID: "cam-1", Groups: []string{"lab", "east"}, AgentVersion: "1.2.0",
		Models: []wire.Model{{Name: "detector", Version: 3, SHA256: "ab"}}, Hardware: []byte(profile)})
	fleettest.Start(t, b.URL, fleettest.Options{ID: "cam-2", AgentVersion: "1.1.9", Silent: true})
	gone := fleettest.Start(t, b.URL, fleettest.Options{ID: "cam-0", AgentVersion: "1.0.0"})
	gone.Stop()

	checkGoroutines(t)
	c := &fleet.Console{Broker: b.URL}
	start := time.Now()
	devices, err := c.Devices(ctx(t), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The marker ends the wait once the retained messages are in.
	if elapsed := time.Since(start); elapsed >= 30*time.Second {
		t.Errorf("Devices took the whole wait (%s): the marker did not come back", elapsed)
	}
	if len(devices) != 3 {
		t.Fatalf("devices %+v", devices)
	}
	d0, d1, d2 := devices[0], devices[1], devices[2]
	if d0.ID != "cam-0" || d0.State != "offline" {
		t.Errorf("cam-0: %+v", d0)
	}
	if d1.ID != "cam-1" || d1.State != "online" || d1.AgentVersion != "1.2.0" || len(d1.Models) != 1 || d1.Models[0].Version != 3 ||
		strings.Join(d1.Groups, ",") != "lab,east" || d1.TS.IsZero() || time.Since(d1.TS) > time.Hour {
		t.Errorf("cam-1: %+v", d1)
	}
	if h := d1.Hardware; h == nil || h.Arch != "arm64" || h.CPUs != 4 || h.MemoryBytes != 8000000000 ||
		strings.Join(h.NPUs, ",") != "Hailo-8" || h.Board != "Raspberry Pi 5 Model B" {
		t.Errorf("cam-1 hardware: %+v", d1.Hardware)
	}
	if d2.ID != "cam-2" || d2.State != "online" || d2.AgentVersion != "1.1.9" || d2.Hardware != nil {
		t.Errorf("cam-2: %+v", d2)
	}
}

func TestDevicesEmptyFleet(t *testing.T) {
	t.Parallel()
	b := mqtttest.Start(t)
	devices, err := (&fleet.Console{Broker: b.URL, Prefix: "other/"}).Devices(ctx(t), 30*time.Second)
	if err != nil || len(devices) != 0 {
		t.Fatalf("devices %+v, err %v", devices, err)
	}
}

func TestSendToDevice(t *testing.T) {
	b := mqtttest.Start(t)
	var mu sync.Mutex
	var got []string
	fleettest.Start(t, b.URL, fleettest.Options{ID: "d1", Handlers: map[string]command.Handler{
		"echo": func(_ context.Context, args json.RawMessage) (any, error) {
			mu.Lock()
			got = append(got, string(args))
			mu.Unlock()
			return args, nil
		},
	}})
	checkGoroutines(t)
	c := &fleet.Console{Broker: b.URL}

	start := time.Now()
	res, err := c.Send(ctx(t), "d1", "ping", nil, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) >= 30*time.Second {
		t.Error("Send to one device waited the whole wait after its answer")
	}
	if !res.OK() || len(res.Replies) != 1 || res.Replies[0].Device != "d1" || !res.Replies[0].Expected || res.Topic != "edge/d1/cmd" {
		t.Fatalf("result %+v", res)
	}
	var pong command.PingResult
	if err := json.Unmarshal(res.Replies[0].Result, &pong); err != nil || !pong.Pong {
		t.Fatalf("ping result %s", res.Replies[0].Result)
	}

	res, err = c.Send(ctx(t), "d1", "echo", json.RawMessage(`{"n":3,"s":"x"}`), 30*time.Second)
	if err != nil || !res.OK() || string(res.Replies[0].Result) != `{"n":3,"s":"x"}` {
		t.Fatalf("echo: %+v %v", res, err)
	}
	res, err = c.Send(ctx(t), "d1", "no.such.command", nil, 30*time.Second)
	if err != nil || res.OK() || len(res.Failed()) != 1 || res.Replies[0].Error.Code != wire.CodeUnknown {
		t.Fatalf("unknown command: %+v %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("echo ran %d times", len(got))
	}
}

// TestSendGroupAndAll: a group command reaches the group's members, an all
// command every online device; a silent member is named, an offline device
// is not expected by "all".
func TestSendGroupAndAll(t *testing.T) {
	t.Parallel()
	b := mqtttest.Start(t)
	for _, o := range []fleettest.Options{
		{ID: "a", Groups: []string{"lab"}},
		{ID: "b", Groups: []string{"lab", "east"}},
		{ID: "c", Groups: []string{"east"}},
		{ID: "quiet", Groups: []string{"lab"}, Silent: true},
	} {
		fleettest.Start(t, b.URL, o)
	}
	fleettest.Start(t, b.URL, fleettest.Options{ID: "off", Groups: []string{"lab"}}).Stop()
	c := &fleet.Console{Broker: b.URL}
	const wait = 3 * time.Second

	// Three commands at once, each on its own connection.
	var wg sync.WaitGroup
	results := map[string]fleet.Result{}
	var mu sync.Mutex
	for _, target := range []string{"group:lab", "all", "group:east"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Send(ctx(t), target, "ping", nil, wait)
			if err != nil {
				t.Errorf("%s: %v", target, err)
			}
			mu.Lock()
			results[target] = res
			mu.Unlock()
		}()
	}
	wg.Wait()

	res := results["group:lab"]
	if got := replied(res); got != "a,b" {
		t.Errorf("group:lab answered by %s, want a,b", got)
	}
	if got := missing(res); got != "off:offline,quiet:online" {
		t.Errorf("group:lab missing %s", got)
	}
	if res.OK() || res.Topic != "edge/group/lab/cmd" {
		t.Errorf("result %+v", res)
	}
	res = results["all"]
	if got := replied(res); got != "a,b,c" {
		t.Errorf("all answered by %s, want a,b,c", got)
	}
	if got := missing(res); got != "quiet:online" {
		t.Errorf("all missing %s", got)
	}
	if res = results["group:east"]; !res.OK() || replied(res) != "b,c" {
		t.Errorf("group:east: %+v", res)
	}
	if ids := map[string]bool{results["all"].ID: true, results["group:lab"].ID: true, results["group:east"].ID: true}; len(ids) != 3 {
		t.Errorf("command ids are not distinct: %v", ids)
	}
}

func replied(res fleet.Result) string {
	var ids []string
	for _, r := range res.Replies {
		if !r.OK || !r.Expected {
			ids = append(ids, r.Device+"(!)")
			continue
		}
		ids = append(ids, r.Device)
	}
	sortStrings(ids)
	return strings.Join(ids, ",")
}

func missing(res fleet.Result) string {
	var ids []string
	for _, m := range res.Missing {
		ids = append(ids, m.Device+":"+m.State)
	}
	return strings.Join(ids, ",")
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestSendToSilentOrUnknownDevice(t *testing.T) {
	t.Parallel()
	b := mqtttest.Start(t)
	fleettest.Start(t, b.URL, fleettest.Options{ID: "mute", Silent: true})
	c := &fleet.Console{Broker: b.URL}
	res, err := c.Send(ctx(t), "mute", "ping", nil, time.Second)
	if err != nil || res.OK() || len(res.Replies) != 0 || missing(res) != "mute:online" {
		t.Fatalf("silent device: %+v %v", res, err)
	}
	res, err = c.Send(ctx(t), "ghost", "ping", nil, time.Second)
	if err != nil || res.OK() || missing(res) != "ghost:unknown" {
		t.Fatalf("unknown device: %+v %v", res, err)
	}
}

// TestSendExpiry: the command carries expires_at; a device whose clock is
// past it refuses it as expired.
func TestSendExpiry(t *testing.T) {
	t.Parallel()
	b := mqtttest.Start(t)
	fleettest.Start(t, b.URL, fleettest.Options{ID: "d1"})
	c := &fleet.Console{Broker: b.URL, Expires: -time.Hour}
	// Negative Expires sends no expires_at: the command runs.
	if res, err := c.Send(ctx(t), "d1", "ping", nil, 30*time.Second); err != nil || !res.OK() {
		t.Fatalf("no expiry: %+v %v", res, err)
	}
	c.Expires = time.Nanosecond
	res, err := c.Send(ctx(t), "d1", "ping", nil, 30*time.Second)
	if err != nil || res.OK() || len(res.Replies) != 1 || res.Replies[0].Error.Code != wire.CodeExpired {
		t.Fatalf("expired: %+v %v", res, err)
	}
}

func TestWatch(t *testing.T) {
	b := mqtttest.Start(t)
	dev := fleettest.Start(t, b.URL, fleettest.Options{ID: "w1", AgentVersion: "2.0.0", Hardware: []byte(profile)})
	checkGoroutines(t)
	c := &fleet.Console{Broker: b.URL}
	wctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var events []fleet.Event
	done := make(chan error, 1)
	go func() {
		done <- c.Watch(wctx, func(e fleet.Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		})
	}()
	find := func(match func(fleet.Event) bool) (fleet.Event, bool) {
		var found fleet.Event
		ok := mqtttest.WaitFor(context.Background(), 20*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, e := range events {
				if match(e) {
					found = e
					return true
				}
			}
			return false
		})
		return found, ok
	}
	st, ok := find(func(e fleet.Event) bool { return e.Kind == fleet.KindStatus })
	if !ok || st.Device != "w1" || !st.Retained || st.Status.State != "online" || st.Status.AgentVersion != "2.0.0" {
		t.Fatalf("status event %+v (found %v)", st, ok)
	}
	if hw, ok := find(func(e fleet.Event) bool { return e.Kind == fleet.KindHardware }); !ok || hw.Hardware.Arch != "arm64" {
		t.Fatalf("hardware event %+v", hw)
	}
	// Subscribed (the retained status came): live messages follow.
	pred := wire.Prediction{TS: time.Now().UTC(), Pipeline: "cam", Model: wire.Model{Name: "det", Version: 3},
		LatencyUS: 1500, Top: []wire.Label{{Label: "cat", Score: 0.9}}}
	dev.PublishPredictions(false, pred, pred)
	dev.PublishPredictions(true, pred) // gzip, as the uplink's Gzip option
	dev.Publish("metrics", fleettest.Gzip([]byte(`{"device":"w1","seq":7,"ts":"2026-11-26T12:00:00Z","metrics":{"cpu":0.5}}`)))
	dev.Publish("alerts", []byte(`{"device":"w1","records":[{"seq":1,"msg":"hot"}]}`))
	dev.Publish("predictions", []byte(`{"device":"w1","records":[{"seq":4,"malformed":true,"raw":"AAE="}]}`))
	dev.Publish("predictions", []byte(`not json`))
	for seq := uint64(1); seq <= 3; seq++ {
		e, ok := find(func(e fleet.Event) bool { return e.Kind == fleet.KindPrediction && e.Seq == seq })
		if !ok || e.Prediction == nil || e.Prediction.Model.Name != "det" || e.Prediction.Top[0].Label != "cat" || e.Device != "w1" {
			t.Fatalf("prediction %d: %+v", seq, e)
		}
	}
	if e, ok := find(func(e fleet.Event) bool { return e.Kind == fleet.KindMetrics }); !ok || e.Seq != 7 || e.Metrics.Metrics["cpu"] != 0.5 {
		t.Fatalf("metrics %+v", e)
	}
	if e, ok := find(func(e fleet.Event) bool { return e.Kind == fleet.KindAlert }); !ok || e.Seq != 1 || !strings.Contains(string(e.Record), "hot") {
		t.Fatalf("alert %+v", e)
	}
	if e, ok := find(func(e fleet.Event) bool { return e.Kind == fleet.KindPrediction && e.Seq == 4 }); !ok || !e.Malformed {
		t.Fatalf("malformed record %+v", e)
	}
	if e, ok := find(func(e fleet.Event) bool { return e.Kind == fleet.KindInvalid }); !ok || e.Device != "w1" || e.Error == "" {
		t.Fatalf("invalid message %+v", e)
	}
	// A command's response shows too.
	res, err := c.Send(ctx(t), "w1", "ping", nil, 30*time.Second)
	if err != nil || !res.OK() {
		t.Fatalf("send: %+v %v", res, err)
	}
	if _, ok := find(func(e fleet.Event) bool {
		return e.Kind == fleet.KindResponse && e.Response.ID == res.ID && e.Response.OK
	}); !ok {
		t.Fatal("no response event")
	}
	// A progress report shows too.
	dev.Publish("cmd/progress", []byte(`{"id":"c9","device":"w1","ts":"2026-11-26T12:00:00Z","stage":"download","done":5,"total":10}`))
	if e, ok := find(func(e fleet.Event) bool { return e.Kind == fleet.KindProgress }); !ok || e.Device != "w1" ||
		e.Progress.ID != "c9" || e.Progress.Stage != "download" || e.Progress.Done != 5 || e.Progress.Total != 10 {
		t.Fatalf("progress event %+v", e)
	}
	// The device goes away: its offline status shows.
	dev.Stop()
	if _, ok := find(func(e fleet.Event) bool {
		return e.Kind == fleet.KindStatus && e.Status.State == "offline" && !e.Retained
	}); !ok {
		t.Fatal("no offline status event")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Watch: %v", err)
	}
}

// TestWatchReconnects: the broker restarts under a watch; the watch says so
// and goes on.
func TestWatchReconnects(t *testing.T) {
	t.Parallel()
	b := mqtttest.Start(t)
	b.RequireProcess()
	c := &fleet.Console{Broker: b.URL, ConnectTimeout: 2 * time.Second}
	wctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var kinds []string
	done := make(chan error, 1)
	go func() {
		done <- c.Watch(wctx, func(e fleet.Event) {
			mu.Lock()
			kinds = append(kinds, e.Kind+":"+e.Device)
			mu.Unlock()
		})
	}()
	has := func(k string) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, x := range kinds {
				if x == k {
					return true
				}
			}
			return false
		}
	}
	// The first connection is up once a device's retained status shows.
	d := fleettest.Start(t, b.URL, fleettest.Options{ID: "r1"})
	if !mqtttest.WaitFor(context.Background(), 20*time.Second, has("status:r1")) {
		t.Fatal("no status before the restart")
	}
	d.Stop()
	b.Kill()
	if !mqtttest.WaitFor(context.Background(), 20*time.Second, has("connection:")) {
		t.Fatal("no connection-lost event")
	}
	b.Restart()
	// paho reconnects with backoff; a device that appears after it is seen.
	if !mqtttest.WaitFor(context.Background(), 60*time.Second, func() bool {
		mu.Lock()
		n := 0
		for _, x := range kinds {
			if x == "connection:" {
				n++
			}
		}
		mu.Unlock()
		return n >= 2
	}) {
		t.Fatal("no reconnection event")
	}
	fleettest.Start(t, b.URL, fleettest.Options{ID: "r2"})
	if !mqtttest.WaitFor(context.Background(), 20*time.Second, has("status:r2")) {
		t.Fatalf("no status after the restart: %v", kinds)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestConsoleErrors(t *testing.T) {
	t.Parallel()
	b := mqtttest.Start(t)
	closed := "tcp://127.0.0.1:1"
	for _, tc := range []struct {
		name string
		c    fleet.Console
		run  func(c *fleet.Console) error
		want string
	}{
		{"refused", fleet.Console{Broker: closed}, devices, "connect"},
		{"scheme", fleet.Console{Broker: "http://x:1"}, devices, "scheme"},
		{"tls files on tcp", fleet.Console{Broker: b.URL, CAFile: "/nonexistent"}, devices, "not ssl://"},
		{"password file without user", fleet.Console{Broker: b.URL, PasswordFile: "/x"}, devices, "without a username"},
		{"bad target", fleet.Console{Broker: b.URL}, send("a/b", "ping", nil), "not a device id"},
		{"bad group", fleet.Console{Broker: b.URL}, send("group:", "ping", nil), "invalid group"},
		{"bad args", fleet.Console{Broker: b.URL}, send("d", "ping", json.RawMessage(`[1]`)), "not a JSON object"},
		{"no name", fleet.Console{Broker: b.URL}, send("d", "", nil), "empty command name"},
		{"watch refused", fleet.Console{Broker: closed}, func(c *fleet.Console) error {
			return c.Watch(context.Background(), func(fleet.Event) {})
		}, "connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(&tc.c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func devices(c *fleet.Console) error {
	_, err := c.Devices(context.Background(), time.Second)
	return err
}

func send(target, name string, args json.RawMessage) func(c *fleet.Console) error {
	return func(c *fleet.Console) error {
		_, err := c.Send(context.Background(), target, name, args, time.Second)
		return err
	}
}

// TestTLSAndPassword: a mutual-TLS broker with passwords; the console
// connects with the CA, its certificate and a password file, and is
// refused with a wrong password.
func TestTLSAndPassword(t *testing.T) {
	t.Parallel()
	b := mqtttest.Start(t, mqtttest.Options{TLS: true, ClientCerts: true, Users: map[string]string{"ops": "s3cret"}})
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := fleet.Console{Broker: b.URL, CAFile: b.CAFile, CertFile: b.ClientCertFile, KeyFile: b.ClientKeyFile, Username: "ops", PasswordFile: pw}
	if _, err := c.Devices(ctx(t), 30*time.Second); err != nil {
		t.Fatalf("mutual TLS with password: %v", err)
	}
	bad := c
	bad.PasswordFile, bad.Password = "", "wrong"
	if _, err := bad.Devices(ctx(t), time.Second); err == nil {
		t.Fatal("wrong password accepted")
	}
	noCert := c
	noCert.CertFile, noCert.KeyFile = "", ""
	if _, err := noCert.Devices(ctx(t), time.Second); err == nil {
		t.Fatal("connection without a client certificate accepted")
	}
	noCA := c
	noCA.CAFile = ""
	if _, err := noCA.Devices(ctx(t), time.Second); err == nil {
		t.Fatal("broker certificate accepted without its CA")
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want fleet.Target
		err  bool
	}{
		{"all", fleet.Target{All: true}, false},
		{"group:lab", fleet.Target{Group: "lab"}, false},
		{"cam-1", fleet.Target{Device: "cam-1"}, false},
		{"group:", fleet.Target{}, true},
		{"group:a/b", fleet.Target{}, true},
		{"", fleet.Target{}, true},
		{"a+b", fleet.Target{}, true},
		{"group", fleet.Target{}, true},
	} {
		got, err := fleet.ParseTarget(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseTarget(%q) = %+v, %v", tc.in, got, err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("%+v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
}

func TestDecompress(t *testing.T) {
	plain := []byte(`{"device":"x","records":[]}`)
	if out, err := fleet.Decompress(plain); err != nil || string(out) != string(plain) {
		t.Fatalf("plain: %q %v", out, err)
	}
	if out, err := fleet.Decompress(fleettest.Gzip(plain)); err != nil || string(out) != string(plain) {
		t.Fatalf("gzip: %q %v", out, err)
	}
	if _, err := fleet.Decompress([]byte{0x1f, 0x8b, 1, 2, 3}); err == nil {
		t.Fatal("corrupt gzip accepted")
	}
	// 3 gzip members of 512 KiB of zeros each: one stream to a reader,
	// past a 1 MiB limit.
	member := fleettest.Gzip(make([]byte, 512<<10))
	bomb := append(append(append([]byte{}, member...), member...), member...)
	if _, err := fleet.DecompressLimit(bomb, 1<<20); !errors.Is(err, fleet.ErrTooLarge) {
		t.Fatalf("gzip bomb: %v", err)
	}
}
