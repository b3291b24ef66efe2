package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	d := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", d.DataDir, "/var/lib/edge-agent"},
		{"socket.path", d.Socket.Path, "/run/edge-agent/agent.sock"},
		{"socket.mode", d.Socket.Mode, FileMode(0o660)},
		{"socket.group", d.Socket.Group, "edge-agent"},
		{"socket.admin_group", d.Socket.AdminGroup, "edge-agent-admin"},
		{"socket.history", d.Socket.History, 1000},
		{"mqtt.broker", d.MQTT.Broker, "tcp://127.0.0.1:1883"},
		{"mqtt.prefix", d.MQTT.Prefix, "edge/"},
		{"mqtt.keepalive", d.MQTT.Keepalive.Duration(), 30 * time.Second},
		{"mqtt.connect_timeout", d.MQTT.ConnectTimeout.Duration(), 10 * time.Second},
		{"mqtt.batch_max_records", d.MQTT.BatchMaxRecords, 256},
		{"mqtt.batch_max_bytes", d.MQTT.BatchMaxBytes, Size(64 << 10)},
		{"mqtt.metrics_interval", d.MQTT.MetricsInterval.Duration(), 10 * time.Second},
		{"buffer.max_bytes", d.Buffer.MaxBytes, Size(64 << 20)},
		{"buffer.policy", d.Buffer.Policy, "drop_oldest"},
		{"log.level", d.Log.Level, "info"},
		{"log.format", d.Log.Format, "text"},
		{"agent.shutdown_timeout", d.Agent.ShutdownTimeout.Duration(), 10 * time.Second},
		{"agent.stall_timeout", d.Agent.StallTimeout.Duration(), 30 * time.Second},
		{"ota.max_bundle_bytes", d.OTA.MaxBundleBytes, Size(256 << 20)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	host, _ := os.Hostname()
	if want := DeviceIDFromHost(host); d.Device.ID != want || !strings.HasPrefix(want, "edge-") {
		t.Errorf("device.id = %q, want %q", d.Device.ID, want)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("the defaults are not valid: %v", err)
	}
}

func TestDeviceIDFromHost(t *testing.T) {
	for host, want := range map[string]string{
		"gateway-17":             "edge-gateway-17",
		"Pi.local":               "edge-Pi.local",
		"a b/c+d#e":              "edge-a-b-c-d-e",
		"":                       "edge-device",
		"héllo":                  "edge-h-llo",
		strings.Repeat("x", 100): "edge-" + strings.Repeat("x", 59),
	} {
		if got := DeviceIDFromHost(host); got != want {
			t.Errorf("DeviceIDFromHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestEmptyDocumentsGiveTheDefaults(t *testing.T) {
	for name, src := range map[string]string{
		"empty":         "",
		"comments only": "# nothing here\n\n# still nothing\n",
		"null document": "~\n",
		"null sections": "mqtt:\nsocket:\nlog:\n",
		"explicit end":  "---\n...\n",
	} {
		t.Run(name, func(t *testing.T) {
			c := mustParse(t, src)
			want := Default()
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got %+v\nwant %+v", c, want)
			}
		})
	}
}

func TestAKeyOverridesOnlyItself(t *testing.T) {
	c := mustParse(t, "mqtt:\n  gzip: true\n  batch_max_bytes: 128KiB\n")
	if !c.MQTT.Gzip || c.MQTT.BatchMaxBytes != 128<<10 {
		t.Errorf("mqtt = %+v", c.MQTT)
	}
	if c.MQTT.Broker != Default().MQTT.Broker || c.MQTT.Keepalive != Default().MQTT.Keepalive {
		t.Errorf("keys not given lost their defaults: %+v", c.MQTT)
	}
}

func TestElementDefaults(t *testing.T) {
	c := mustParse(t, base+`
  - name: img
    sensor: cam
    model: m1
    preprocess:
      image: {width: 96, height: 96, color: gray}
`)
	m := c.Model("m1")
	if m.Version != 1 || m.Threads != 1 {
		t.Errorf("model defaults: version %d threads %v", m.Version, m.Threads)
	}
	s := c.Sensor("accel")
	if s.Rate != 10 {
		t.Errorf("simulated rate default %v, want 10", s.Rate)
	}
	if sim := s.Simulated; sim.Seed != 1 || sim.Amplitude != 1 || sim.Channels != 1 || sim.Frequency != 1 {
		t.Errorf("simulated defaults %+v", sim)
	}
	if env := c.Sensor("env"); env.Rate != 0 {
		t.Errorf("a socket sensor got rate %v; rate does not apply to it", env.Rate)
	}
	cam := c.Sensor("cam")
	if cam.Rate != 0 || !cam.File.Loop || cam.File.Format != FormatImages {
		t.Errorf("file defaults: rate %v %+v", cam.Rate, cam.File)
	}
	p := c.Pipeline("motion")
	if p.Queue != 16 || p.Publish != PublishAlways || p.Postprocess.Kind != KindClassification ||
		p.Postprocess.TopK != 1 || p.Postprocess.Output != 0 {
		t.Errorf("pipeline defaults %+v", p)
	}
	img := c.Pipeline("img").Preprocess.Image
	if img.Resize != ResizeBilinear || img.Layout != "" || img.Color != ColorGray || img.Encoding != EncodingValue {
		t.Errorf("image defaults %+v", img)
	}
}

func TestExplicitValuesBeatElementDefaults(t *testing.T) {
	c := mustParse(t, `
models:
  - {name: m, path: builtin:demo-motion, version: 7, threads: auto}
sensors:
  - name: s
    type: simulated
    rate: 0.5
    simulated: {signal: sine, seed: 0, amplitude: 0, channels: 4, frequency: 0.25}
  - {name: f, type: file, file: {path: x.csv, loop: false}}
  - {name: i, type: iio, iio: {device: iio:device1, channels: [in_voltage0], root: /tmp/fixture}}
`)
	if m := c.Model("m"); m.Version != 7 || m.Threads != AutoThreads {
		t.Errorf("model %+v", m)
	}
	s := c.Sensor("s")
	if s.Rate != 0.5 || s.Simulated.Seed != 0 || s.Simulated.Amplitude != 0 || s.Simulated.Channels != 4 || s.Simulated.Frequency != 0.25 {
		t.Errorf("sensor %+v %+v", s, s.Simulated)
	}
	if f := c.Sensor("f").File; f.Loop || f.Format != FormatCSV {
		t.Errorf("file %+v", f)
	}
	if i := c.Sensor("i").IIO; i.Root != "/tmp/fixture" {
		t.Errorf("iio root %q", i.Root)
	}
	mustParse(t, "sensors: [{name: i, type: iio, iio: {device: d, channels: [a]}}]")
}

func TestGuessFileFormat(t *testing.T) {
	for p, want := range map[string]string{
		"a.csv": FormatCSV, "A.CSV": FormatCSV, "rec/x.wav": FormatWAV, "t.bin": FormatRaw, "t.raw": FormatRaw,
		"frames": FormatImages, "frames/": FormatImages, "x.png": FormatImages, "x.jpeg": FormatImages,
		"x.dat": "",
	} {
		if got := GuessFileFormat(p); got != want {
			t.Errorf("GuessFileFormat(%q) = %q, want %q", p, got, want)
		}
	}
	_, err := Parse([]byte("sensors: [{name: f, type: file, file: {path: x.dat}}]"), "config.yaml", nil)
	wantError(t, err, 1, "sensors[0].file.format", "cannot tell the format")
}

// TestStructuralErrors covers errors found before decoding: each names the
// file, the line and what is wrong.
func TestStructuralErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		path, msg string
	}{
		{"unknown top-level key", "data_dir: /x\nmodles: []\n", 2, "", `unknown key "modles" at the top level (did you mean "models"?)`},
		{"unknown key in a section", "log:\n  level: info\nmqtt:\n  brokr: tcp://x:1\n", 4, "", `unknown key "brokr" in mqtt (did you mean "broker"?)`},
		{"unknown key deep in a list", base + "    postprocess:\n      kind: raw\n      topk: 3\n", 24, "", `unknown key "topk" in pipelines[0].postprocess`},
		{"unknown key with no close match", "buffer:\n  zzzzzz: 1\n", 2, "", "known keys: max_age, max_bytes, policy"},
		{"key given twice", "log:\n  level: info\n  level: warn\n", 3, "log.level", "key given twice"},
		{"bad duration", "agent:\n  shutdown_timeout: 10 seconds\n", 2, "agent.shutdown_timeout", `bad duration "10 seconds"`},
		{"duration without unit", "mqtt: {keepalive: 30}\n", 1, "mqtt.keepalive", `has no unit (write e.g. "30s")`},
		{"bad size", "buffer:\n  max_bytes: 64MB5\n", 2, "buffer.max_bytes", "unknown unit"},
		{"size with bad unit", "buffer: {max_bytes: 10 parsecs}\n", 1, "buffer.max_bytes", `unknown unit "parsecs"`},
		{"negative size", "buffer: {max_bytes: -5}\n", 1, "buffer.max_bytes", "negative"},
		{"threads zero", "models: [{name: m, path: x.tflite, threads: 0}]\n", 1, "models[0].threads", `want an integer >= 1 or "auto"`},
		{"threads word", "models:\n- name: m\n  path: x.tflite\n  threads: many\n", 4, "models[0].threads", "auto"},
		{"mode without leading zero", "socket: {mode: 660}\n", 1, "socket.mode", "leading 0"},
		{"mode not octal", "socket: {mode: \"0689\"}\n", 1, "socket.mode", "not an octal"},
		{"mode too wide", "socket: {mode: \"04755\"}\n", 1, "socket.mode", "at most 0777"},
		{"integer wanted", "socket:\n  history: lots\n", 2, "socket.history", `want an integer, got "lots"`},
		{"float for integer", "socket: {history: 1.5}\n", 1, "socket.history", "want an integer"},
		{"negative unsigned", "sensors: [{name: s, type: simulated, simulated: {signal: sine, seed: -1}}]\n", 1, "sensors[0].simulated.seed", "must not be negative"},
		{"bool wanted", "mqtt:\n  gzip: sometimes\n", 2, "mqtt.gzip", "want true or false"},
		{"number wanted", "sensors:\n- name: s\n  type: iio\n  rate: fast\n", 4, "sensors[0].rate", "want a number"},
		{"list wanted", "device:\n  groups: lab\n", 2, "device.groups", `want a list, got "lab"`},
		{"mapping wanted", "mqtt: tcp://x:1883\n", 1, "mqtt", "want a mapping of keys"},
		{"scalar wanted", "data_dir: [a, b]\n", 1, "data_dir", "want a single value, got a list"},
		{"top level not a mapping", "- a\n- b\n", 1, "", "want a mapping of keys, got a list"},
		{"non-scalar key", "? [a]\n: b\n", 1, "", "keys must be plain names"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "config.yaml", nil)
			e := wantError(t, err, tc.line, tc.path, tc.msg)
			if e.Source != "config.yaml" {
				t.Errorf("source %q", e.Source)
			}
			prefix := "config.yaml:" + strconv.Itoa(tc.line) + ": "
			if !strings.HasPrefix(e.Error(), prefix) {
				t.Errorf("%q does not start with %q", e.Error(), prefix)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse([]byte("mqtt:\n  brokr: x\n"), "config.yaml", nil)
	if got, want := err.Error(), `config.yaml:2: unknown key "brokr" in mqtt (did you mean "broker"?)`; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	_, err = Parse([]byte(base+"    queue: 0\n"), "/etc/edge-agent/config.yaml", nil)
	if got, want := err.Error(), "/etc/edge-agent/config.yaml:22: pipelines[0].queue: must be between 1 and 100000, got 0"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 22 || ce.Path != "pipelines[0].queue" {
		t.Errorf("errors.As: %+v", ce)
	}
}

func TestSyntaxErrorsKeepTheirLine(t *testing.T) {
	_, err := Parse([]byte("log:\n  level: info\n  format: [text\n"), "config.yaml", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "config.yaml:") || strings.Contains(err.Error(), "yaml: ") {
		t.Fatalf("error %v", err)
	}
	e := allErrors(err)[0]
	if e.Line < 2 || e.Msg != "did not find expected ',' or ']'" {
		t.Errorf("error %+v: want yaml's message and a line near the flow list", e)
	}
	_, err = Parse([]byte("a: b\n  c: d\n"), "x.yaml", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "x.yaml:") {
		t.Errorf("error %v", err)
	}
}

func TestOneDocumentOnly(t *testing.T) {
	_, err := Parse([]byte("data_dir: /a\n---\ndata_dir: /b\n"), "config.yaml", nil)
	wantError(t, err, 2, "", "second YAML document")
}

func TestSeveralErrorsAreAllReported(t *testing.T) {
	_, err := Parse([]byte("log:\n  level: loud\n  format: xml\nbuffer:\n  policy: keep_all\n"), "config.yaml", nil)
	wantError(t, err, 2, "log.level", `"loud" is not one of debug, info, warn, error`)
	wantError(t, err, 3, "log.format", `"xml" is not one of text, json`)
	wantError(t, err, 5, "buffer.policy", `"keep_all" is not one of drop_oldest, reject_new`)
	if lines := strings.Count(err.Error(), "\n") + 1; lines != 3 {
		t.Errorf("%d lines in %q, want 3", lines, err)
	}
}

func TestManyErrorsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("models:\n")
	for range 30 {
		b.WriteString("  - {name: '', path: x.tflite}\n")
	}
	_, err := Parse([]byte(b.String()), "config.yaml", nil)
	if n := len(allErrors(err)); n != maxErrors {
		t.Errorf("%d errors reported, want %d", n, maxErrors)
	}
	if !strings.HasSuffix(err.Error(), "... and 10 more") {
		t.Errorf("error does not say how many were left out: ...%s", err.Error()[len(err.Error())-40:])
	}
}

func TestAnchorsAndMerges(t *testing.T) {
	c := mustParse(t, base+`
  - <<: &common
      sensor: accel
      model: m1
      preprocess:
        window: {size: 16, stride: 16}
    name: motion-16
  - <<: *common
    name: motion-other
    publish: on_change
`)
	for _, name := range []string{"motion-16", "motion-other"} {
		p := c.Pipeline(name)
		if p == nil || p.Sensor != "accel" || p.Preprocess.Window.Size != 16 {
			t.Fatalf("pipeline %s = %+v", name, p)
		}
		if p.Queue != 16 {
			t.Errorf("%s: element defaults not applied to merged elements (queue %d)", name, p.Queue)
		}
	}
	if c.Pipeline("motion-other").Publish != PublishOnChange {
		t.Error("explicit key did not override the merge")
	}
	_, err := Parse([]byte(base+"  - <<: {sensr: accel}\n    name: x\n"), "config.yaml", nil)
	wantError(t, err, 22, "", `unknown key "sensr" in pipelines[1]`)
}

func TestAliasBombIsRefused(t *testing.T) {
	// Each element merges the previous one ten times: 10^8 keys in all.
	src := "models:\n  - &m0 {name: a, path: x.tflite}\n"
	for i := 1; i <= 8; i++ {
		ref := fmt.Sprintf("*m%d", i-1)
		src += fmt.Sprintf("  - &m%d {<<: [%s%s]}\n", i, strings.Repeat(ref+", ", 9), ref)
	}
	_, err := Parse([]byte(src), "config.yaml", nil)
	wantError(t, err, 0, "", "document too large")
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, []string{"log.level=debug"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Log.Level != "debug" || c.Device.ID != "dev-1" {
		t.Errorf("loaded %+v", c)
	}
	if err := os.WriteFile(path, []byte(base+"    queue: -1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path, nil)
	if err == nil || !strings.HasPrefix(err.Error(), path+":22: pipelines[0].queue") {
		t.Errorf("error %v does not name the file and line", err)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestAliasCyclesAreRefused(t *testing.T) {
	for _, src := range []string{
		"device:\n  groups: &x [*x]\n",
		"sensors: &s [*s]\n",
		"mqtt: &m {<<: *m}\n",
		"models: [&m {name: a, path: x, <<: [*m]}]\n",
	} {
		_, err := Parse([]byte(src), "config.yaml", nil)
		if err == nil {
			t.Errorf("%q parsed", src)
		}
	}
}
