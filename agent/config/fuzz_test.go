package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzParse feeds Parse arbitrary documents and --set arguments (one per
// line). It must never panic; what it accepts must validate, survive a
// JSON encoding, and read back the same from its own YAML.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "")
		f.Add(data, "mqtt.broker=embedded\nsensors.0.rate=100")
		f.Add(data, "pipelines.motion.publish=on_change\nota.trusted_keys="+key1+","+key2)
	}
	f.Add([]byte(base), "sensors.accel.simulated.noise=0.1")
	f.Add([]byte(base), "sensors.9.rate=1")
	f.Add([]byte(base), "device.groups=a,b\nmqtt.gzip=true")
	f.Add([]byte(""), "mqtt.gzip=true")
	f.Add([]byte("a: &x [*x]"), "")
	f.Add([]byte("data_dir: &d /a\nsocket: {group: *d}\n"), "data_dir=/b")
	f.Add([]byte("models: [{<<: {name: m}, path: x}]"), "models.m.version=2")
	f.Fuzz(func(t *testing.T, data []byte, sets string) {
		var args []string
		if sets != "" {
			args = strings.Split(sets, "\n")
		}
		c, err := Parse(data, "fuzz.yaml", args)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that Validate refuses: %v", err)
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		y, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("YAML: %v", err)
		}
		back, err := Parse(y, "again.yaml", nil)
		if err != nil {
			t.Fatalf("its own YAML does not parse: %v\n%s", err, y)
		}
		nilEmptyLists(reflect.ValueOf(back))
		nilEmptyLists(reflect.ValueOf(c))
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("its own YAML reads back differently:\n%s", y)
		}
	})
}

// FuzzParseSize checks that ParseSize never panics, and that what it
// accepts is non-negative and reads back from its String form.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0", "65536", "64KiB", "1.5MiB", "1GB", "512 kib", "-1", "1e6", "9223372036854775807", "0.0001KiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
		back, err := ParseSize(n.String())
		if err != nil || back != n {
			t.Fatalf("ParseSize(%q) = %d, whose String %q reads back as %d, %v", s, n, n.String(), back, err)
		}
	})
}

// FuzzParseFileMode checks that ParseFileMode never panics and that what
// it accepts is permission bits that read back from their String form.
func FuzzParseFileMode(f *testing.F) {
	for _, s := range []string{"0660", "0o644", "660", "0777", "01777", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseFileMode(s)
		if err != nil {
			return
		}
		if m > 0o777 {
			t.Fatalf("ParseFileMode(%q) = %o", s, m)
		}
		if back, err := ParseFileMode(m.String()); err != nil || back != m {
			t.Fatalf("%q -> %o -> %q -> %o, %v", s, m, m.String(), back, err)
		}
	})
}
