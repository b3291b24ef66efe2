package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// reference parses the shipped reference config, which sets nearly every
// key.
func reference(t *testing.T) *Config {
	t.Helper()
	c, err := Load(filepath.Join("..", "..", "configs", "edge-agent.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJSONRoundTrip(t *testing.T) {
	for _, c := range []*Config{reference(t), mustParse(t, base), Default()} {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Config
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%v in %s", err, b)
		}
		if !reflect.DeepEqual(&back, c) {
			t.Errorf("JSON round trip changed the config:\n%s", b)
		}
	}
	// The JSON keys are the YAML keys.
	var m map[string]any
	b, _ := json.Marshal(reference(t))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	mq := m["mqtt"].(map[string]any)
	if mq["batch_max_bytes"] != float64(64<<10) || mq["keepalive"] != "30s" {
		t.Errorf("mqtt JSON %v", mq)
	}
	if m["socket"].(map[string]any)["mode"] != "0660" {
		t.Errorf("socket JSON %v", m["socket"])
	}
}

// A config written back as YAML parses to the same config.
func TestYAMLRoundTrip(t *testing.T) {
	c := reference(t)
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b, "marshaled.yaml", nil)
	if err != nil {
		t.Fatalf("%v in\n%s", err, b)
	}
	// yaml writes an absent list as [], which reads back as empty, not nil.
	nilEmptyLists(reflect.ValueOf(back))
	nilEmptyLists(reflect.ValueOf(c))
	if !reflect.DeepEqual(back, c) {
		t.Errorf("YAML round trip changed the config:\n%s", b)
	}
}

func TestCloneIsDeep(t *testing.T) {
	c := reference(t)
	want := reference(t)
	d := c.Clone()
	if !reflect.DeepEqual(c, d) {
		t.Fatal("clone differs")
	}
	d.Device.Groups = append(d.Device.Groups, "x")
	d.Models[0].Labels[0] = "changed"
	d.Sensors[0].IIO.Channels[0] = "changed"
	*d.Pipelines[0].Quality.Min = 1234
	d.Pipelines[0].Preprocess.Window.Size = 1
	d.Pipelines[0].Preprocess.Normalize.Std[0] = 2
	if !reflect.DeepEqual(c, want) {
		t.Error("changing the clone changed the original")
	}
	r := c.Redacted()
	if !reflect.DeepEqual(r, c) || r == c || &r.Models[0] == &c.Models[0] {
		t.Error("Redacted is not an equal deep copy")
	}
	var nilCfg *Config
	if nilCfg.Clone() != nil {
		t.Error("nil clone")
	}
}

func TestRestartNeeded(t *testing.T) {
	old := mustParse(t, base)
	if got := RestartNeeded(old, old.Clone()); got != nil {
		t.Errorf("no change, got %v", got)
	}
	live := mustParse(t, base, "log.level=debug", "sensors.accel.rate=50", "pipelines.motion.publish=on_change",
		"models.m1.threads=2", "ota.allow_downgrade=true", "agent.stall_timeout=1m")
	if got := RestartNeeded(old, live); got != nil {
		t.Errorf("live changes reported as needing a restart: %v", got)
	}
	restart := mustParse(t, base, "device.id=dev-2", "data_dir=/elsewhere", "socket.mode=0600", "mqtt.broker=tcp://b:1883",
		"mqtt.gzip=true", "buffer.max_bytes=1MiB", "device.groups=lab", "log.format=json", "log.level=warn")
	want := []string{"device.id", "device.groups", "data_dir", "log.format", "socket.mode", "mqtt.broker", "mqtt.gzip", "buffer.max_bytes"}
	if got := RestartNeeded(old, restart); !slices.Equal(got, want) {
		t.Errorf("RestartNeeded = %v, want %v", got, want)
	}
}

func TestLookups(t *testing.T) {
	c := mustParse(t, base)
	if s := c.Sensor("env"); s == nil || s != &c.Sensors[1] {
		t.Error("Sensor(env)")
	}
	if m := c.Model("m1"); m == nil || m.Path != "builtin:demo-motion" {
		t.Error("Model(m1)")
	}
	if p := c.Pipeline("motion"); p == nil || p.Sensor != "accel" {
		t.Error("Pipeline(motion)")
	}
	if c.Sensor("x") != nil || c.Model("") != nil || c.Pipeline("accel") != nil {
		t.Error("lookup of a missing name")
	}
	for name, want := range map[string][]string{"accel": {"x", "y", "z"}, "env": {"temp", "humidity"}, "cam": nil} {
		if got := c.Sensor(name).ChannelNames(); !slices.Equal(got, want) {
			t.Errorf("%s channels %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]DataKind{"accel": DataTimeSeries, "env": DataTimeSeries, "cam": DataImage} {
		if got := c.Sensor(name).Data(); got != want {
			t.Errorf("%s data %q, want %q", name, got, want)
		}
	}
	pushed := SensorConfig{Type: SensorSocket}
	raw := SensorConfig{Type: SensorFile, File: &FileSensorConfig{Format: FormatRaw}}
	if pushed.Data() != DataPushed || raw.Data() != DataRaw {
		t.Error("Data of pushed and raw sensors")
	}
	// ChannelNames returns a copy.
	c.Sensor("env").ChannelNames()[0] = "changed"
	if c.Sensors[1].Socket.Channels[0] != "temp" {
		t.Error("ChannelNames shares the config's slice")
	}
}

// Every shipped config parses and validates as it is.
func TestShippedConfigs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %v; want at least demo.yaml and edge-agent.yaml", files)
	}
	for _, f := range files {
		if _, err := Load(f, nil); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestDemoConfig(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "configs", "demo.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Device.ID != "demo-local" || c.DataDir != "demo-data" || c.Socket.Path != "demo-data/agent.sock" ||
		c.Socket.Group != "" || c.Socket.AdminGroup != "" || c.MQTT.Broker != "tcp://127.0.0.1:1883" {
		t.Errorf("demo: %+v", c)
	}
	p := c.Pipeline("motion")
	s := c.Sensor(p.Sensor)
	m := c.Model(p.Model)
	if m.Path != "builtin:demo-motion" || !slices.Equal(m.Labels, []string{"idle", "walking", "shaking"}) {
		t.Errorf("model %+v", m)
	}
	if s.Type != SensorSimulated || s.Simulated.Signal != SignalMotion || s.Simulated.Seed != 1 {
		t.Errorf("sensor %+v", s)
	}
	// Several predictions a second: rate / stride.
	if perSecond := s.Rate / float64(p.Preprocess.Window.Stride); perSecond < 4 || perSecond > 10 {
		t.Errorf("%v predictions/s", perSecond)
	}
	if p.Preprocess.Window.Size != 32 || p.Postprocess.TopK != 3 || p.Publish != PublishAlways {
		t.Errorf("pipeline %+v", p)
	}
	// --set mqtt.broker=embedded is what the comment promises.
	if _, err := Load(filepath.Join("..", "..", "configs", "demo.yaml"), []string{"mqtt.broker=embedded"}); err != nil {
		t.Error(err)
	}
}

func TestReferenceConfigSetsEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "configs", "edge-agent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Every key of the schema appears in the reference, set or in a comment.
	var missing []string
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		ty = deref(ty)
		if isLeaf(ty) || isScalarList(ty) {
			return
		}
		if ty.Kind() == reflect.Slice {
			walk(ty.Elem(), path)
			return
		}
		for _, k := range keysOf(ty) {
			if !containsKey(string(data), k) {
				missing = append(missing, joinPath(path, k))
			}
			f, _ := fieldByKey(ty, k)
			walk(f.Type, joinPath(path, k))
		}
	}
	walk(configType, "")
	if len(missing) > 0 {
		t.Errorf("the reference config does not mention %v", missing)
	}
}

// containsKey reports whether src has "key:" at the start of a line
// (after indentation, "- ", "# " or "{").
func containsKey(src, key string) bool {
	for i := 0; ; {
		j := indexFrom(src, key+":", i)
		if j < 0 {
			return false
		}
		if j == 0 || slices.Contains([]byte{' ', '{', '#', '-', '\n', ','}, src[j-1]) {
			return true
		}
		i = j + 1
	}
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// nilEmptyLists sets every empty slice under v to nil.
func nilEmptyLists(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			nilEmptyLists(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			nilEmptyLists(v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
		}
		for i := range v.Len() {
			nilEmptyLists(v.Index(i))
		}
	}
}
