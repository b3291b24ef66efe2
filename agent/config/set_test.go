package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSetPaths(t *testing.T) {
	tests := []struct {
		name string
		src  string
		sets []string
		want func(*Config) bool
	}{
		{"top-level key", base, []string{"data_dir=/tmp/x"}, func(c *Config) bool { return c.DataDir == "/tmp/x" }},
		{"nested key", base, []string{"mqtt.broker=ssl://broker.example:8883"}, func(c *Config) bool { return c.MQTT.Broker == "ssl://broker.example:8883" }},
		{"missing section is created", "", []string{"mqtt.gzip=true"}, func(c *Config) bool { return c.MQTT.Gzip && c.MQTT.Prefix == "edge/" }},
		{"missing key in an existing section", base, []string{"device.groups=lab"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Device.Groups, []string{"lab"}) && c.Device.ID == "dev-1"
		}},
		{"null section", "mqtt:\n", []string{"mqtt.keepalive=1m"}, func(c *Config) bool { return c.MQTT.Keepalive.Duration() == time.Minute }},
		{"list element by index", base, []string{"sensors.0.rate=100"}, func(c *Config) bool { return c.Sensors[0].Rate == 100 }},
		{"list element by name", base, []string{"pipelines.motion.publish=on_change"}, func(c *Config) bool { return c.Pipelines[0].Publish == PublishOnChange }},
		{"deep by name", base, []string{"pipelines.motion.preprocess.window.stride=4"}, func(c *Config) bool { return c.Pipelines[0].Preprocess.Window.Stride == 4 }},
		{"section created inside an element", base, []string{"sensors.accel.simulated.noise=0.1"}, func(c *Config) bool { return c.Sensors[0].Simulated.Noise == 0.1 }},
		{"later set wins", base, []string{"log.level=warn", "log.level=debug"}, func(c *Config) bool { return c.Log.Level == "debug" }},
		{"size string", base, []string{"buffer.max_bytes=1.5MiB"}, func(c *Config) bool { return c.Buffer.MaxBytes == 1536<<10 }},
		{"threads auto", base, []string{"models.m1.threads=auto"}, func(c *Config) bool { return c.Models[0].Threads == AutoThreads }},
		{"mode", base, []string{"socket.mode=0600"}, func(c *Config) bool { return c.Socket.Mode == 0o600 }},
		{"string stays a string", base, []string{"device.id=123", "socket.group=", "mqtt.username=true"}, func(c *Config) bool {
			return c.Device.ID == "123" && c.Socket.Group == "" && c.MQTT.Username == "true"
		}},
		{"empty broker disables mqtt", base, []string{"mqtt.broker="}, func(c *Config) bool { return c.MQTT.Broker == "" }},
		{"value with = in it", base, []string{"mqtt.username=a=b"}, func(c *Config) bool { return c.MQTT.Username == "a=b" }},
		{"comma list", base, []string{"ota.trusted_keys=" + key1 + "," + key2}, func(c *Config) bool {
			return reflect.DeepEqual(c.OTA.TrustedKeys, []string{key1, key2})
		}},
		{"comma list with spaces", base, []string{"device.groups=lab, north ,floor-2"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Device.Groups, []string{"lab", "north", "floor-2"})
		}},
		{"empty list", "device: {groups: [a, b]}", []string{"device.groups="}, func(c *Config) bool { return len(c.Device.Groups) == 0 }},
		{"labels of a named model", base, []string{"models.m1.labels=idle,walking,shaking"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Models[0].Labels, []string{"idle", "walking", "shaking"})
		}},
		{"channels of a sensor", base, []string{"sensors.env.socket.channels=t,h,p"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Sensors[1].Socket.Channels, []string{"t", "h", "p"})
		}},
		{"numbers list", base, []string{"pipelines.motion.preprocess.normalize.mean=0,0.5,-1"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Pipelines[0].Preprocess.Normalize.Mean, []float64{0, 0.5, -1})
		}},
		{"one element of a scalar list", "device: {groups: [a, b]}", []string{"device.groups.1=c"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Device.Groups, []string{"a", "c"})
		}},
		{"dotted element name", strings.Replace(base, "name: accel", "name: accel.v2", 1) + "", []string{"sensors.accel.v2.rate=20", "pipelines.motion.sensor=accel.v2"}, func(c *Config) bool {
			return c.Sensors[0].Rate == 20
		}},
		{"quality bound", base, []string{"pipelines.motion.quality.min=-2", "pipelines.motion.quality.max=2"}, func(c *Config) bool {
			q := c.Pipelines[0].Quality
			return q.Min != nil && *q.Min == -2 && q.Max != nil && *q.Max == 2
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, tc.src, tc.sets...)
			if !tc.want(c) {
				t.Errorf("%v not applied: %+v", tc.sets, c)
			}
		})
	}
}

// Keys in the tests: valid ed25519 public keys (32 bytes, base64).
const (
	key1 = "ed25519:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	key2 = "ed25519:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
)

func TestSetDoesNotChangeTheOtherUsesOfAnAlias(t *testing.T) {
	src := `
sensors:
  - &sim {name: a, type: simulated, simulated: {signal: noise}}
  - <<: *sim
    name: b
`
	c := mustParse(t, src, "sensors.a.simulated.noise=0.5")
	if c.Sensors[0].Simulated.Noise != 0.5 || c.Sensors[1].Simulated.Noise != 0 {
		t.Errorf("noise: a %v, b %v; want 0.5 and 0", c.Sensors[0].Simulated.Noise, c.Sensors[1].Simulated.Noise)
	}
	src = "device:\n  groups: &g [x]\nota:\n  trusted_keys: []\n"
	c = mustParse(t, "data_dir: &d /a\nlog: {level: info}\n"+src, "data_dir=/b")
	if c.DataDir != "/b" {
		t.Errorf("data_dir %q", c.DataDir)
	}
}

func TestSetErrors(t *testing.T) {
	tests := []struct {
		set, want string
	}{
		{"mqtt.broker", "--set mqtt.broker: want key.path=value"},
		{"=x", "--set =x: want key.path=value"},
		{"mqtt..broker=x", `--set mqtt..broker=x: empty key in "mqtt..broker"`},
		{"mqtt.broker.=x", `empty key`},
		{"mqtt.brokr=x", `--set mqtt.brokr=x: unknown key "brokr" in mqtt (did you mean "broker"?)`},
		{"nosuch=1", `--set nosuch=1: unknown key "nosuch" at the top level`},
		{"sensors.9.rate=1", "--set sensors.9.rate=1: no element 9 in sensors (3 elements)"},
		{"sensors.gyro.rate=1", `--set sensors.gyro.rate=1: no element named "gyro" in sensors (have: accel, env, cam)`},
		{"ota.trusted_keys.0=x", "no element 0 in ota.trusted_keys (0 elements)"},
		{"mqtt.gzip.level=1", `--set mqtt.gzip.level=1: mqtt.gzip is a single value; it has no key "level"`},
		{"mqtt=x", "--set mqtt=x: mqtt is a section; set one of its keys (batch_max_bytes, batch_max_records"},
		{"sensors=x", "sensors is a list of sections; set a key of one element"},
		{"sensors.accel=x", "sensors[0] is a section; set one of its keys"},
		{"device.id.x=1", "device.id is a single value"},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			_, err := Parse([]byte(base), "config.yaml", []string{tc.set})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if e := allErrors(err); len(e) != 1 || e[0].Set != tc.set {
				t.Errorf("error does not carry the --set argument: %#v", e)
			}
		})
	}
}

func TestSetOnAShapeTheFileGotWrong(t *testing.T) {
	_, err := Parse([]byte("mqtt: 5\n"), "config.yaml", []string{"mqtt.gzip=true"})
	if err == nil || !strings.Contains(err.Error(), "mqtt is not a mapping in the file (line 1)") {
		t.Errorf("error %v", err)
	}
	_, err = Parse([]byte("sensors: {a: 1}\n"), "config.yaml", []string{"sensors.0.rate=1"})
	if err == nil || !strings.Contains(err.Error(), "sensors is not a list in the file (line 1)") {
		t.Errorf("error %v", err)
	}
}

// A value set on the command line that fails validation is reported at
// the --set argument, not at a line of the file.
func TestBadSetValuesNameTheArgument(t *testing.T) {
	_, err := Parse([]byte(base), "config.yaml", []string{"sensors.0.rate=-1"})
	e := wantError(t, err, 0, "sensors[0].rate", "must be > 0")
	if e.Set != "sensors.0.rate=-1" || e.Line != 0 {
		t.Errorf("error %+v", e)
	}
	if got, want := e.Error(), "--set sensors.0.rate=-1: sensors[0].rate: must be > 0 and at most 1000000 (Hz), got -1"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	_, err = Parse([]byte(base), "config.yaml", []string{"mqtt.keepalive=soon"})
	e = wantError(t, err, 0, "mqtt.keepalive", `bad duration "soon"`)
	if e.Set != "mqtt.keepalive=soon" {
		t.Errorf("error %+v", e)
	}
	_, err = Parse([]byte(base), "config.yaml", []string{"socket.history=many"})
	wantError(t, err, 0, "socket.history", `want an integer, got "many"`)
	// A set that only made a parent: the error still points at the file
	// for what the file gave.
	_, err = Parse([]byte(base+"    queue: 0\n"), "config.yaml", []string{"pipelines.motion.publish=always"})
	wantError(t, err, 22, "pipelines[0].queue", "must be between 1")
}

func TestSetOnAnAnchoredValueKeepsItsAliasesWorking(t *testing.T) {
	c := mustParse(t, "data_dir: &d /a\nsocket: {group: *d}\n", "data_dir=/b")
	if c.DataDir != "/b" || c.Socket.Group != "/a" {
		t.Errorf("data_dir %q, socket.group %q; want /b and /a", c.DataDir, c.Socket.Group)
	}
	c = mustParse(t, "device: &dev {id: d1}\nlog: {level: info}\n", "device.id=d2")
	if c.Device.ID != "d2" {
		t.Errorf("device.id %q", c.Device.ID)
	}
}
