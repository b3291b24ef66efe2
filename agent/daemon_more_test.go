package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/internal/testenv"
	"github.com/edge-agent/edge-agent/sync/fleet"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestDaemonEmbeddedBroker: mqtt.broker embedded starts an in-process
// broker that a subscriber on its port gets the predictions from.
func TestDaemonEmbeddedBroker(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	const device = "embedded-test"
	cfg := testConfig(dir, "embedded", device, "")
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{ConfigPath: path, Sets: []string{fmt.Sprintf("mqtt.embedded_listen=127.0.0.1:%d", port)},
			LogOutput: io.Discard, Ready: func() { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("daemon: %v", err)
	}
	sub := subscribePredictions(t, fmt.Sprintf("tcp://127.0.0.1:%d", port), device)
	waitUntil(t, "predictions through the embedded broker", func() bool { return sub.count() >= 5 })
	cl := client.New(filepath.Join(dir, "agent.sock"))
	defer cl.Close()
	st, err := cl.Status(ctx)
	if err != nil || !st.MQTT.Connected || st.MQTT.Broker != fmt.Sprintf("tcp://127.0.0.1:%d (embedded)", port) {
		t.Fatalf("status mqtt %+v %v", st.MQTT, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestDaemonImagePipeline runs person_detect on the shared images through
// a file sensor: person.bmp is classified "person" and no_person.bmp
// "notperson", as TFLite Micro's person_detection test expects.
func TestDaemonImagePipeline(t *testing.T) {
	modelPath := testenv.Shared(t, "models", "person_detect.tflite")
	images := t.TempDir()
	for _, name := range []string{"person.bmp", "no_person.bmp"} {
		b, err := os.ReadFile(testenv.Shared(t, "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		// Sorted: 1 person, then 2 no_person.
		prefix := map[string]string{"person.bmp": "1-", "no_person.bmp": "2-"}[name]
		if err := os.WriteFile(filepath.Join(images, prefix+name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`device: {id: image-test}
data_dir: %s
socket: {path: %s, group: "", admin_group: ""}
mqtt: {broker: "", metrics_interval: 0s}
models:
  - {name: person, path: %s, labels: [notperson, person]}
sensors:
  - name: camera
    type: file
    rate: 0
    file: {path: %s, format: images, loop: false}
pipelines:
  - name: people
    sensor: camera
    model: person
    preprocess: {image: {encoding: stored}}
    postprocess: {kind: classification, top_k: 1}
`, filepath.Join(dir, "data"), filepath.Join(dir, "agent.sock"), modelPath, images)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stop := startDaemon(t, path)
	cl := client.New(filepath.Join(dir, "agent.sock"))
	defer cl.Close()
	ctx := context.Background()
	var labels []string
	waitUntil(t, "two image predictions", func() bool {
		p, err := cl.Predictions(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		labels = labels[:0]
		for _, r := range p.Records {
			labels = append(labels, r.Top[0].Label)
		}
		return len(labels) == 2
	})
	if labels[0] != "person" || labels[1] != "notperson" {
		t.Fatalf("labels %v, want [person notperson]", labels)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestDaemonFleetCommands sends the daemon's own commands over a real
// broker with the fleet console: config.get returns the running
// configuration, models.list the served models, reload applies a changed
// file and reports a refused one.
func TestDaemonFleetCommands(t *testing.T) {
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "fleet-cmd-test"
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(testConfig(dir, b.URL, device, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	startDaemon(t, path)
	console := &fleet.Console{Broker: b.URL}
	ctx := context.Background()
	send := func(name string) fleet.Reply {
		t.Helper()
		var res fleet.Result
		waitUntil(t, "a reply to "+name, func() bool {
			var err error
			res, err = console.Send(ctx, device, name, nil, 5*time.Second)
			return err == nil && len(res.Replies) == 1
		})
		return res.Replies[0]
	}
	r := send("config.get")
	var cfg struct {
		Device struct {
			ID string `json:"id"`
		} `json:"device"`
		Pipelines []struct {
			Name string `json:"name"`
		} `json:"pipelines"`
	}
	if !r.OK || json.Unmarshal(r.Result, &cfg) != nil || cfg.Device.ID != device || len(cfg.Pipelines) != 1 {
		t.Fatalf("config.get: %+v %s", r, r.Result)
	}
	r = send("models.list")
	var ms []struct {
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
	}
	if !r.OK || json.Unmarshal(r.Result, &ms) != nil || len(ms) != 1 || ms[0].Name != "demo-motion" || len(ms[0].SHA256) != 64 {
		t.Fatalf("models.list: %+v %s", r, r.Result)
	}
	// A changed file: reload applies it, and says which changed keys wait
	// for a restart.
	changed := strings.Replace(testConfig(dir, b.URL, device, `  - name: second
    sensor: accel
    model: demo-motion
    preprocess: {window: {size: 32, stride: 32}}
`), "log: {level: debug}", "log: {level: info, format: json}", 1)
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	r = send("reload")
	var rr ReloadResult
	if !r.OK || json.Unmarshal(r.Result, &rr) != nil || !rr.Applied || rr.Pipelines != 2 || len(rr.RestartNeeded) != 1 || rr.RestartNeeded[0] != "log.format" {
		t.Fatalf("reload: %+v %s", r, r.Result)
	}
	// A broken file: refused, with the reason.
	if err := os.WriteFile(path, []byte("sensors: [{name: a, type: laser}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = send("reload")
	if r.OK || r.Error == nil || !strings.Contains(r.Error.Message, "laser") {
		t.Fatalf("bad reload: %+v", r)
	}
	cl := client.New(filepath.Join(dir, "agent.sock"))
	defer cl.Close()
	st, err := cl.Status(ctx)
	if err != nil || len(st.Pipelines) != 2 {
		t.Fatalf("after the refused reload: %+v %v", st.Pipelines, err)
	}
}
