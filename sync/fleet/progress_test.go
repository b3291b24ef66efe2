package fleet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/command"
	"github.com/edge-agent/edge-agent/sync/fleet"
	"github.com/edge-agent/edge-agent/sync/fleet/fleettest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// otaLike is a handler that reports a download and a verify stage, then
// answers; between the two it waits for gate (when not nil).
func otaLike(gate <-chan struct{}) command.Handler {
	return func(ctx context.Context, _ json.RawMessage) (any, error) {
		command.ReportProgress(ctx, wire.Progress{Stage: "download", Done: 1 << 20, Total: 4 << 20})
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		command.ReportProgress(ctx, wire.Progress{Stage: "verify", Message: "signature ok"})
		return map[string]int{"version": 3}, nil
	}
}

// progressLog collects reports and fails the test when two calls overlap.
type progressLog struct {
	t    *testing.T
	busy atomic.Bool
	mu   sync.Mutex
	got  []wire.Progress
	// first, when set, is called with the first report.
	first func(wire.Progress)
}

func (l *progressLog) add(p wire.Progress) {
	if !l.busy.CompareAndSwap(false, true) {
		l.t.Error("two onProgress calls at once")
	}
	defer l.busy.Store(false)
	l.mu.Lock()
	l.got = append(l.got, p)
	n := len(l.got)
	l.mu.Unlock()
	if n == 1 && l.first != nil {
		l.first(p)
	}
}

func (l *progressLog) all() []wire.Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wire.Progress(nil), l.got...)
}

// stages writes a device's reports as "stage:done/total" separated by spaces.
func stages(ps []wire.Progress, device string) string {
	var parts []string
	for _, p := range ps {
		if p.Device == device {
			parts = append(parts, fmt.Sprintf("%s:%d/%d", p.Stage, p.Done, p.Total))
		}
	}
	return strings.Join(parts, " ")
}

// TestSendWithProgressToDevice: a fake device (a real command.Dispatcher)
// reports two stages, then answers; the console passes both reports on,
// with the command's id and the device, before SendWithProgress returns,
// and leaves out reports of other commands and ones that do not decode.
func TestSendWithProgressToDevice(t *testing.T) {
	b := mqtttest.Start(t)
	gate := make(chan struct{})
	fleettest.Start(t, b.URL, fleettest.Options{ID: "d1", Handlers: map[string]command.Handler{command.NameOTAApply: otaLike(gate)}})
	checkGoroutines(t)
	c := &fleet.Console{Broker: b.URL}
	foreignSent := make(chan error, 1)
	log := &progressLog{t: t}
	// While the handler waits, a report of another command and a payload
	// that does not decode arrive on the device's progress topic.
	log.first = func(wire.Progress) {
		go func() {
			defer close(gate)
			foreignSent <- publishRaw(b.URL, "edge/d1/cmd/progress",
				`{"id":"someone-else","device":"d1","ts":"2026-11-26T12:00:00Z","stage":"download","done":9}`, `not json`)
		}()
	}
	res, err := c.SendWithProgress(ctx(t), "d1", command.NameOTAApply, nil, 30*time.Second, log.add)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-foreignSent; err != nil {
		t.Fatal(err)
	}
	if !res.OK() || len(res.Replies) != 1 || string(res.Replies[0].Result) != `{"version":3}` {
		t.Fatalf("result %+v", res)
	}
	got := log.all()
	if s := stages(got, "d1"); s != "download:1048576/4194304 verify:0/0" || len(got) != 2 {
		t.Fatalf("reports %+v, want download and verify from d1", got)
	}
	for _, p := range got {
		if p.ID != res.ID || p.TS.IsZero() {
			t.Errorf("report %+v: want id %s and a time", p, res.ID)
		}
	}
	if got[1].Message != "signature ok" {
		t.Errorf("message %q", got[1].Message)
	}
	// Send is SendWithProgress without progress.
	res, err = c.Send(ctx(t), "d1", command.NameOTAApply, nil, 30*time.Second)
	if err != nil || !res.OK() {
		t.Fatalf("Send: %+v %v", res, err)
	}
}

// TestSendWithProgressToGroup: a group command's reports come from every
// member that runs it, each under its own device id.
func TestSendWithProgressToGroup(t *testing.T) {
	t.Parallel()
	b := mqtttest.Start(t)
	h := map[string]command.Handler{command.NameOTAApply: otaLike(nil)}
	fleettest.Start(t, b.URL, fleettest.Options{ID: "a", Groups: []string{"lab"}, Handlers: h})
	fleettest.Start(t, b.URL, fleettest.Options{ID: "b", Groups: []string{"lab"}, Handlers: h})
	fleettest.Start(t, b.URL, fleettest.Options{ID: "other", Groups: []string{"east"}, Handlers: h})
	c := &fleet.Console{Broker: b.URL}
	log := &progressLog{t: t}
	res, err := c.SendWithProgress(ctx(t), "group:lab", command.NameOTAApply, nil, 2*time.Second, log.add)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || replied(res) != "a,b" {
		t.Fatalf("result %+v", res)
	}
	got := log.all()
	for _, d := range []string{"a", "b"} {
		if s := stages(got, d); s != "download:1048576/4194304 verify:0/0" {
			t.Errorf("%s reported %q", d, s)
		}
	}
	if len(got) != 4 {
		t.Errorf("%d reports, want 4: %+v", len(got), got)
	}
	for _, p := range got {
		if p.ID != res.ID {
			t.Errorf("report %+v: want id %s", p, res.ID)
		}
	}
}

// publishRaw publishes payloads on topic (QoS 1) from a client of its own.
func publishRaw(broker, topic string, payloads ...string) error {
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("raw-publisher").SetAutoReconnect(false))
	if tok := cl.Connect(); !tok.WaitTimeout(20*time.Second) || tok.Error() != nil {
		return fmt.Errorf("connect: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	for _, p := range payloads {
		tok := cl.Publish(topic, 1, false, []byte(p))
		if !tok.WaitTimeout(20 * time.Second) {
			return fmt.Errorf("publish %s: no answer", topic)
		}
		if err := tok.Error(); err != nil {
			return fmt.Errorf("publish %s: %w", topic, err)
		}
	}
	return nil
}
