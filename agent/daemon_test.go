package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// testConfig is a demo-like configuration under dir; extra is appended
// to the pipelines list.
func testConfig(dir, broker, device, extraPipelines string) string {
	return fmt.Sprintf(`device: {id: %s}
data_dir: %s
log: {level: debug}
agent: {shutdown_timeout: 20s}
socket: {path: %s, group: "", admin_group: ""}
mqtt: {broker: %q, metrics_interval: 0s}
models:
  - {name: demo-motion, path: "builtin:demo-motion", labels: [idle, walking, shaking]}
sensors:
  - name: accel
    type: simulated
    rate: 200
    simulated: {signal: motion, seed: 7}
pipelines:
  - name: motion
    sensor: accel
    model: demo-motion
    preprocess: {window: {size: 32, stride: 8}}
    postprocess: {kind: classification, top_k: 3}
%s`, device, filepath.Join(dir, "data"), filepath.Join(dir, "agent.sock"), broker, extraPipelines)
}

// startDaemon runs the daemon on the config file and waits until it is
// ready. The returned func stops it and returns Run's error.
func startDaemon(t *testing.T, path string) (reload chan struct{}, stop func() error) {
	t.Helper()
	return startDaemonWith(t, Options{ConfigPath: path})
}

// startDaemonWith is startDaemon with more options (ConfigPath set).
func startDaemonWith(t *testing.T, o Options) (reload chan struct{}, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	reload = make(chan struct{})
	done := make(chan error, 1)
	logf, err := os.Create(filepath.Join(t.TempDir(), "agent.log"))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		o.Version, o.LogOutput, o.Reload, o.Ready = "test", logf, reload, func() { close(ready) }
		done <- Run(ctx, o)
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("daemon did not start: %v\n%s", err, b)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("daemon not ready after 60s")
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(60 * time.Second):
				runErr = fmt.Errorf("daemon did not stop within 60s")
			}
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("agent log:\n%s", b)
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return reload, stop
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mqttPredictions subscribes to a device's predictions and collects them
// by seq.
type mqttPredictions struct {
	mu    sync.Mutex
	bySeq map[uint64]wire.Prediction
}

func subscribePredictions(t *testing.T, url, device string) *mqttPredictions {
	t.Helper()
	mp := &mqttPredictions{bySeq: map[uint64]wire.Prediction{}}
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID("test-sub-" + device))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	tok := c.Subscribe(wire.Topics{}.Stream(device, "predictions"), 1, func(_ mqtt.Client, m mqtt.Message) {
		var b wire.Batch
		if err := json.Unmarshal(m.Payload(), &b); err != nil {
			t.Errorf("batch %q: %v", m.Payload(), err)
			return
		}
		mp.mu.Lock()
		defer mp.mu.Unlock()
		for _, r := range b.Records {
			var p wire.Prediction
			if err := json.Unmarshal(r, &p); err != nil {
				t.Errorf("record %s: %v", r, err)
				continue
			}
			mp.bySeq[p.Seq] = p
		}
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return mp
}

func (mp *mqttPredictions) get(seq uint64) (wire.Prediction, bool) {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	p, ok := mp.bySeq[seq]
	return p, ok
}

func (mp *mqttPredictions) count() int {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	return len(mp.bySeq)
}

// TestDaemonPredictionsOverSocketAndMQTT runs the daemon in process
// against a real broker: the same records, by seq, reach MQTT and the
// local socket (history and stream); a reload with a good configuration
// adds a pipeline and keeps seq rising; a bad one changes nothing; a stop
// delivers everything stored.
func TestDaemonPredictionsOverSocketAndMQTT(t *testing.T) {
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "daemon-test"
	sub := subscribePredictions(t, b.URL, device)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(testConfig(dir, b.URL, device, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	reload, stop := startDaemon(t, cfgPath)
	cl := client.New(filepath.Join(dir, "agent.sock"))
	defer cl.Close()
	ctx := context.Background()

	st, err := cl.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Device != device || len(st.Models) != 1 || st.Models[0].Name != "demo-motion" || len(st.Pipelines) != 1 || len(st.Sensors) != 1 {
		t.Fatalf("status %+v", st)
	}

	// Ten predictions in the socket's history, each also on MQTT with the
	// same content.
	var recs []wire.Prediction
	waitUntil(t, "10 predictions on the socket", func() bool {
		p, err := cl.Predictions(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		recs = p.Records
		return len(recs) == 10
	})
	for i, p := range recs {
		if p.Seq != uint64(i+1) || p.Pipeline != "motion" || p.Model.Name != "demo-motion" || len(p.Top) != 3 || len(p.Model.SHA256) != 64 {
			t.Fatalf("record %d: %+v", i, p)
		}
	}
	waitUntil(t, "the same seqs over MQTT", func() bool {
		for _, p := range recs {
			if _, ok := sub.get(p.Seq); !ok {
				return false
			}
		}
		return true
	})
	for _, p := range recs {
		m, _ := sub.get(p.Seq)
		if m.Top[0].Label != p.Top[0].Label || m.Top[0].Score != p.Top[0].Score || !m.TS.Equal(p.TS) {
			t.Fatalf("seq %d: socket %+v, MQTT %+v", p.Seq, p, m)
		}
	}

	// The stream from seq 5 starts at 6 and goes on live.
	sctx, scancel := context.WithCancel(ctx)
	var streamed []uint64
	err = cl.Stream(sctx, 5, func(p wire.Prediction) error {
		streamed = append(streamed, p.Seq)
		if len(streamed) == 20 {
			scancel()
		}
		return nil
	})
	scancel()
	if len(streamed) != 20 {
		t.Fatalf("stream: %v (%v)", streamed, err)
	}
	for i, s := range streamed {
		if s != uint64(6+i) {
			t.Fatalf("stream seqs %v, want 6..25 in order", streamed)
		}
	}

	// A good reload: a second pipeline on the same sensor.
	good := testConfig(dir, b.URL, device, `  - name: motion-changes
    sensor: accel
    model: demo-motion
    preprocess: {window: {size: 32, stride: 16}}
    publish: on_change
`)
	if err := os.WriteFile(cfgPath, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := cl.Predictions(ctx, ^uint64(0), 1)
	reload <- struct{}{}
	waitUntil(t, "two pipelines after the reload", func() bool {
		st, err := cl.Status(ctx)
		return err == nil && len(st.Pipelines) == 2
	})
	waitUntil(t, "new predictions after the reload", func() bool {
		p, err := cl.Predictions(ctx, before.LastSeq, 5)
		return err == nil && len(p.Records) == 5
	})

	// A bad reload (an unknown key) keeps the two pipelines running.
	if err := os.WriteFile(cfgPath, []byte(good+"bogus_key: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reload <- struct{}{}
	mid, _ := cl.Predictions(ctx, ^uint64(0), 1)
	waitUntil(t, "predictions after the bad reload", func() bool {
		p, err := cl.Predictions(ctx, mid.LastSeq, 5)
		return err == nil && len(p.Records) == 5
	})
	st, err = cl.Status(ctx)
	if err != nil || len(st.Pipelines) != 2 {
		t.Fatalf("after a bad reload: %+v %v", st.Pipelines, err)
	}

	// Stop: everything stored has been delivered to the broker, with no
	// gap, and the outbox is empty.
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	q, err := outbox.Open(filepath.Join(dir, "data", "outbox.db"), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ps := q.Stats().Classes["predictions"]
	if ps.Records != 0 || ps.LastSeq < 30 {
		t.Fatalf("outbox after stop: %+v", ps)
	}
	waitUntil(t, "every seq on MQTT", func() bool { return sub.count() == int(ps.LastSeq) })
	for s := uint64(1); s <= ps.LastSeq; s++ {
		if _, ok := sub.get(s); !ok {
			t.Fatalf("seq %d never reached MQTT", s)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "agent.sock")); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}
