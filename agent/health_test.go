package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/agent/config"
	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/agent/models"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/ota"
	"github.com/edge-agent/edge-agent/sync/fleet"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// failingModel builds a model with the demo model's input and output
// shapes that loads but fails at run time on accelerometer data: it
// scales the samples by 1000, casts them to int32 and uses them as GATHER
// indices into a 2-element table, so any sample outside [0, 0.002) is an
// out-of-range index (an Eval error), as gravity alone makes sure.
func failingModel(t *testing.T) []byte {
	t.Helper()
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, demo.WindowLen, demo.Axes}, nil)
	k := b.Const("k", tensor.Float32, []int{1}, nil, []float32{1000})
	scaled := b.Tensor("scaled", tensor.Float32, []int{1, demo.WindowLen, demo.Axes}, nil)
	idx := b.Tensor("idx", tensor.Int32, []int{1, demo.WindowLen, demo.Axes}, nil)
	table := b.Const("table", tensor.Float32, []int{2}, nil, []float32{0.25, 0.75})
	g := b.Tensor("g", tensor.Float32, []int{1, demo.WindowLen, demo.Axes}, nil)
	axes := b.Const("axes", tensor.Int32, []int{1}, nil, []int32{1})
	out := b.Tensor("out", tensor.Float32, []int{1, demo.Axes}, nil)
	b.Op(builder.Mul, []int{in, k}, []int{scaled}, builder.MulOptions{})
	b.Op(builder.Cast, []int{scaled}, []int{idx}, builder.CastOptions{InDataType: tensor.Float32, OutDataType: tensor.Int32})
	b.Op(builder.Gather, []int{table, idx}, []int{g}, builder.GatherOptions{})
	b.Op(builder.Mean, []int{g, axes}, []int{out}, builder.ReducerOptions{})
	b.Inputs(in)
	b.Outputs(out)
	data, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// alerts collects a device's alert records from MQTT.
type alerts struct {
	mu   sync.Mutex
	recs []map[string]any
}

func subscribeAlerts(t *testing.T, url, device string) *alerts {
	t.Helper()
	a := &alerts{}
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID("test-alerts-" + device))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	tok := c.Subscribe(wire.Topics{}.Stream(device, "alerts"), 1, func(_ mqtt.Client, m mqtt.Message) {
		var b wire.Batch
		if err := json.Unmarshal(m.Payload(), &b); err != nil {
			t.Errorf("alert batch %q: %v", m.Payload(), err)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		for _, r := range b.Records {
			var rec map[string]any
			if err := json.Unmarshal(r, &rec); err != nil {
				t.Errorf("alert %s: %v", r, err)
				continue
			}
			a.recs = append(a.recs, rec)
		}
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return a
}

// find returns the first rollback alert of version, if any.
func (a *alerts) find(version int64) (map[string]any, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.recs {
		if r["kind"] == "ota.rollback" && r["version"] == float64(version) {
			return r, true
		}
	}
	return nil, false
}

// TestDaemonHealthGate runs the health window end to end: a version that
// fails at run time is rolled back to the configured model (there is no
// installed one before it), with the verdict in ota.apply's answer and an
// alert on MQTT; a good version passes its window; a version beyond the
// latency bound goes back to the previous installed version; a version
// on trial across more agent starts than allowed is rolled back at start.
func TestDaemonHealthGate(t *testing.T) {
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "health-test"
	priv, pub, err := ota.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	writeCfg := func(health string) {
		t.Helper()
		cfg := testConfig(dir, b.URL, device, "") + "ota: {trusted_keys: [\"" + pub.String() + "\"], health: {" + health + "}}\n"
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCfg("window: 2s, min_calls: 5, max_error_rate: 0.2")
	al := subscribeAlerts(t, b.URL, device)
	reload, stop := startDaemon(t, path)
	console := &fleet.Console{Broker: b.URL}
	ctx := context.Background()
	apply := func(bundle []byte) fleet.Reply {
		t.Helper()
		return sendApply(t, console, device, map[string]any{"bundle": bundle, "wait_health": true}, 30*time.Second)
	}
	sock := filepath.Join(dir, "agent.sock")
	served := func() (int64, string) {
		t.Helper()
		cl := client.New(sock)
		defer cl.Close()
		ms, err := cl.Models(ctx)
		if err != nil || len(ms) != 1 {
			t.Fatalf("models %+v %v", ms, err)
		}
		return ms[0].Version, ms[0].Source
	}
	good, err := demo.BuildModel()
	if err != nil {
		t.Fatal(err)
	}

	// v2 loads but fails on every window: rolled back to the configured
	// builtin model, version 1.
	r := apply(bundle(t, priv, "demo-motion", 2, failingModel(t)))
	if r.OK || r.Error == nil || r.Error.Code != "rolled_back" || !strings.Contains(r.Error.Message, "error rate") {
		t.Fatalf("failing v2: %+v", r)
	}
	if v, src := served(); v != 1 || !strings.HasPrefix(src, models.BuiltinPrefix) {
		t.Fatalf("after the failing v2: serving version %d from %s, want the configured model", v, src)
	}
	waitUntil(t, "the rollback alert of v2", func() bool {
		a, ok := al.find(2)
		return ok && a["to"] == float64(0) && strings.Contains(a["reason"].(string), "max_error_rate")
	})

	// v3 is good: it passes its window.
	r = apply(bundle(t, priv, "demo-motion", 3, good))
	var ar ApplyResult
	if !r.OK || json.Unmarshal(r.Result, &ar) != nil || ar.Health == nil || ar.Health.State != "passed" || ar.Health.Calls < 5 || ar.Health.Errors != 0 {
		t.Fatalf("good v3: %+v %s", r, r.Result)
	}
	if ar.Trial == nil || ar.Trial.Window != "2s" {
		t.Fatalf("v3 trial %+v", ar.Trial)
	}
	if v, _ := served(); v != 3 {
		t.Fatalf("serving version %d after v3", v)
	}

	// With a latency bound no inference can meet, v4 goes back to v3.
	writeCfg("window: 2s, min_calls: 5, max_latency: 1ns")
	reload <- struct{}{}
	waitUntil(t, "the reloaded health bounds", func() bool {
		r, err := console.Send(ctx, device, "config.get", nil, 10*time.Second)
		if err != nil || len(r.Replies) != 1 {
			return false
		}
		var c config.Config
		return json.Unmarshal(r.Replies[0].Result, &c) == nil && c.OTA.Health.MaxLatency.Duration() == time.Nanosecond
	})
	r = apply(bundle(t, priv, "demo-motion", 4, good))
	if r.OK || r.Error == nil || r.Error.Code != "rolled_back" || !strings.Contains(r.Error.Message, "latency") {
		t.Fatalf("slow v4: %+v", r)
	}
	if v, _ := served(); v != 3 {
		t.Fatalf("serving version %d after the slow v4, want 3", v)
	}
	waitUntil(t, "the rollback alert of v4", func() bool {
		a, ok := al.find(4)
		return ok && a["to"] == float64(3)
	})

	// v5 on a long trial; the agent restarts more often than allowed
	// (max_restarts 1: the second start rolls it back before it loads).
	writeCfg("window: 10m, min_calls: 5, max_restarts: 1")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop = startDaemon(t, path)
	// Sent until answered: the restarted daemon may not have subscribed
	// to its commands yet when the first one goes out.
	if r := sendApply(t, console, device, map[string]any{"bundle": bundle(t, priv, "demo-motion", 5, good)}, 10*time.Second); !r.OK {
		t.Fatalf("v5: %+v", r)
	}
	if v, _ := served(); v != 5 {
		t.Fatalf("serving version %d after v5", v)
	}
	{
		cl := client.New(sock)
		ms, err := cl.Models(ctx)
		cl.Close()
		if err != nil || len(ms) != 1 || ms[0].Trial == nil || ms[0].Trial.Version != 5 {
			t.Fatalf("models during v5's trial: %+v %v", ms, err)
		}
		states := map[int64]string{}
		for _, v := range ms[0].Installed {
			states[v.Version] = v.State
		}
		if want := map[int64]string{2: "installed", 3: "previous", 4: "installed", 5: "active"}; fmt.Sprint(states) != fmt.Sprint(want) {
			t.Fatalf("installed versions %v, want %v", states, want)
		}
	}
	var recs []trialRecord
	raw, err := os.ReadFile(filepath.Join(dir, "data", trialsFile))
	if err != nil || json.Unmarshal(raw, &recs) != nil || len(recs) != 1 || recs[0].Version != 5 || recs[0].Previous != 3 {
		t.Fatalf("persisted trials %s: %v", raw, err)
	}
	for start := 1; start <= 2; start++ {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		_, stop = startDaemon(t, path)
		want := int64(5)
		if start == 2 {
			want = 3
		}
		if v, _ := served(); v != want {
			t.Fatalf("start %d during v5's trial: serving version %d, want %d", start, v, want)
		}
	}
	waitUntil(t, "the rollback alert of v5", func() bool {
		a, ok := al.find(5)
		return ok && a["to"] == float64(3) && strings.Contains(a["reason"].(string), "max_restarts")
	})
	if _, err := os.Stat(filepath.Join(dir, "data", trialsFile)); !os.IsNotExist(err) {
		t.Fatalf("trials file after the rollback: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
