package config

import (
	"strings"
	"testing"
)

// TestValidationErrors changes one thing of base (with --set, or by
// appending YAML) and checks the error it gets.
func TestValidationErrors(t *testing.T) {
	long := strings.Repeat("d", 100)
	tests := []struct {
		name  string
		extra string   // appended to base
		sets  []string // applied to base+extra
		path  string
		msg   string
		line  int // checked when > 0
	}{
		// names and references
		{name: "duplicate sensor name", extra: "  - {name: x, sensor: accel, model: m1, preprocess: {window: {size: 4, stride: 4}}}\n", sets: []string{"sensors.env.name=accel"}, path: "sensors[1].name", msg: `sensor name "accel" is used twice`},
		{name: "bad name", sets: []string{"models.m1.name=my model", "pipelines.motion.model=my model"}, path: "models[0].name", msg: "a name is 1 to 64 characters"},
		{name: "empty name", sets: []string{"sensors.cam.name="}, path: "sensors[2].name", msg: "a sensor needs a name"},
		{name: "long name", sets: []string{"pipelines.motion.name=" + strings.Repeat("p", 65)}, path: "pipelines[0].name", msg: "1 to 64 characters"},
		{name: "dangling sensor", sets: []string{"pipelines.motion.sensor=gyro"}, path: "pipelines[0].sensor", msg: `no sensor named "gyro" (sensors: accel, env, cam)`},
		{name: "dangling model", extra: "  - {name: p2, sensor: accel, model: m9, preprocess: {window: {size: 1, stride: 1}}}\n", path: "pipelines[1].model", msg: `no model named "m9" (models: m1)`, line: 22},
		// device, socket, top level
		{name: "bad device id", sets: []string{"device.id=a/b"}, path: "device.id", msg: "not a valid device id"},
		{name: "reserved device id", sets: []string{"device.id=all"}, path: "device.id", msg: "not a valid device id"},
		{name: "bad group", sets: []string{"device.groups=lab,x+y"}, path: "device.groups[1]", msg: "not a valid group name"},
		{name: "duplicate group", sets: []string{"device.groups=lab,lab"}, path: "device.groups[1]", msg: "listed twice"},
		{name: "empty data_dir", sets: []string{"data_dir="}, path: "data_dir", msg: "must not be empty"},
		{name: "socket path too long", sets: []string{"socket.path=/" + long + "/" + long}, path: "socket.path", msg: "at most 107"},
		{name: "bad history", sets: []string{"socket.history=-1"}, path: "socket.history", msg: "between 0 and 1000000"},
		{name: "zero shutdown timeout", sets: []string{"agent.shutdown_timeout=0s"}, path: "agent.shutdown_timeout", msg: "must be > 0"},
		{name: "negative stall timeout", sets: []string{"agent.stall_timeout=-1s"}, path: "agent.stall_timeout", msg: "must not be negative"},
		{name: "bad log level", sets: []string{"log.level=verbose"}, path: "log.level", msg: `"verbose" is not one of debug, info, warn, error`},
		// mqtt and buffer
		{name: "bad broker scheme", sets: []string{"mqtt.broker=http://x:1883"}, path: "mqtt.broker", msg: `want a tcp://, ssl://, tls:// or mqtts:// URL, "embedded" or ""`},
		{name: "broker without host", sets: []string{"mqtt.broker=tcp://"}, path: "mqtt.broker", msg: "has no host"},
		{name: "bad failover broker", sets: []string{"mqtt.broker=tcp://a:1883,ws://b:80"}, path: "mqtt.broker", msg: `"ws://b:80"`},
		{name: "commas only", sets: []string{"mqtt.broker=,"}, path: "mqtt.broker", msg: "holds no URL"},
		{name: "bad embedded listen", sets: []string{"mqtt.broker=embedded", "mqtt.embedded_listen=localhost"}, path: "mqtt.embedded_listen", msg: "not host:port"},
		{name: "wildcard prefix", sets: []string{"mqtt.prefix=edge/#/"}, path: "mqtt.prefix", msg: "wildcards"},
		{name: "password without user", sets: []string{"mqtt.password_file=/etc/p"}, path: "mqtt.password_file", msg: "needs mqtt.username"},
		{name: "cert without key", sets: []string{"mqtt.broker=ssl://b:8883", "mqtt.cert_file=/c.pem"}, path: "mqtt.cert_file", msg: "go together"},
		{name: "tls files on plain tcp", sets: []string{"mqtt.ca_file=/ca.pem"}, path: "mqtt.ca_file", msg: "only applies to a TLS broker"},
		{name: "keepalive too short", sets: []string{"mqtt.keepalive=10ms"}, path: "mqtt.keepalive", msg: "between 1s and 65535s"},
		{name: "tiny batch", sets: []string{"mqtt.batch_max_bytes=100"}, path: "mqtt.batch_max_bytes", msg: "between 1KiB and 256MiB"},
		{name: "no batch records", sets: []string{"mqtt.batch_max_records=0"}, path: "mqtt.batch_max_records", msg: "between 1 and"},
		{name: "negative rate", sets: []string{"mqtt.rate_messages=-3"}, path: "mqtt.rate_messages", msg: "must be >= 0"},
		{name: "nan rate", sets: []string{"mqtt.rate_messages=.nan"}, path: "mqtt.rate_messages", msg: "must be >= 0"},
		{name: "tiny buffer", sets: []string{"buffer.max_bytes=10"}, path: "buffer.max_bytes", msg: "at least 1KiB"},
		{name: "bad policy", sets: []string{"buffer.policy=drop_newest"}, path: "buffer.policy", msg: "not one of drop_oldest, reject_new"},
		// models
		{name: "empty model path", sets: []string{"models.m1.path="}, path: "models[0].path", msg: "must not be empty"},
		{name: "builtin without name", sets: []string{"models.m1.path=builtin:"}, path: "models[0].path", msg: "needs a model name"},
		{name: "version 0", sets: []string{"models.m1.version=0"}, path: "models[0].version", msg: "must be >= 1"},
		{name: "too many threads", sets: []string{"models.m1.threads=5000"}, path: "models[0].threads", msg: "between 1 and 1024"},
		{name: "unknown kernels", sets: []string{"models.m1.kernels=sse9"}, path: "models[0].kernels", msg: "avx512vnni"},
		{name: "labels and labels_file", sets: []string{"models.m1.labels=a,b", "models.m1.labels_file=/l.txt"}, path: "models[0].labels_file", msg: "not both"},
		{name: "empty label", sets: []string{"models.m1.labels=a,,c"}, path: "models[0].labels[1]", msg: "must not be empty"},
		// sensors
		{name: "bad sensor type", sets: []string{"sensors.cam.type=camera"}, path: "sensors[2].type", msg: `"camera" is not one of simulated, file, iio, socket, mqtt`},
		{name: "zero rate", sets: []string{"sensors.accel.rate=0"}, path: "sensors[0].rate", msg: "must be > 0"},
		{name: "rate on a socket sensor", sets: []string{"sensors.env.rate=5"}, path: "sensors[1].rate", msg: "applies only to simulated, file and iio"},
		{name: "section of another type", sets: []string{"sensors.accel.iio.device=x"}, path: "sensors[0].iio", msg: `settings for a iio sensor, but type is "simulated"`},
		{name: "bad signal", sets: []string{"sensors.accel.simulated.signal=square"}, path: "sensors[0].simulated.signal", msg: "not one of motion, sine, noise"},
		{name: "no signal", sets: []string{"sensors.accel.simulated.signal="}, path: "sensors[0].simulated.signal", msg: `"" is not one of`},
		{name: "too many channels", sets: []string{"sensors.accel.simulated.channels=65"}, path: "sensors[0].simulated.channels", msg: "between 1 and 64"},
		{name: "zero frequency", sets: []string{"sensors.accel.simulated.frequency=0"}, path: "sensors[0].simulated.frequency", msg: "must be > 0"},
		{name: "negative noise", sets: []string{"sensors.accel.simulated.noise=-0.1"}, path: "sensors[0].simulated.noise", msg: "must be >= 0"},
		{name: "bad csv columns on images", sets: []string{"sensors.cam.file.columns=a"}, path: "sensors[2].file.columns", msg: "applies only to csv"},
		{name: "tensor bytes on images", sets: []string{"sensors.cam.file.tensor_bytes=4KiB"}, path: "sensors[2].file.tensor_bytes", msg: "applies only to raw"},
		{name: "bad file format", sets: []string{"sensors.cam.file.format=mp4"}, path: "sensors[2].file.format", msg: "not one of csv, wav, images, raw"},
		{name: "bad socket channel", sets: []string{"sensors.env.socket.channels=temp,rel humidity"}, path: "sensors[1].socket.channels[1]", msg: "a channel name is"},
		{name: "duplicate socket channel", sets: []string{"sensors.env.socket.channels=t,t"}, path: "sensors[1].socket.channels[1]", msg: "listed twice"},
		// pipelines
		{name: "no window", sets: []string{"pipelines.motion.preprocess.window.size=0"}, path: "pipelines[0].preprocess.window.size", msg: "between 1 and"},
		{name: "zero stride", sets: []string{"pipelines.motion.preprocess.window.stride=0"}, path: "pipelines[0].preprocess.window.stride", msg: "between 1 and"},
		{name: "window on images", extra: "  - {name: p2, sensor: cam, model: m1, preprocess: {window: {size: 2, stride: 1}}}\n", path: "pipelines[1].preprocess.window", msg: `applies only to time-series sensors; sensor "cam" gives image data`, line: 22},
		{name: "image on a time series", extra: "      image: {width: 8, height: 8}\n", path: "pipelines[0].preprocess.image", msg: "applies only to image sources", line: 22},
		{name: "channels on images", extra: "  - {name: p2, sensor: cam, model: m1, preprocess: {channels: [x]}}\n", path: "pipelines[1].preprocess.channels", msg: "applies only to time-series sensors"},
		{name: "unknown channel", sets: []string{"pipelines.motion.preprocess.channels=x,q"}, path: "pipelines[0].preprocess.channels[1]", msg: `"q" is not a channel of sensor "accel" (x, y, z)`},
		{name: "duplicate channel", sets: []string{"pipelines.motion.preprocess.channels=x,x"}, path: "pipelines[0].preprocess.channels[1]", msg: "listed twice"},
		{name: "normalize count", sets: []string{"pipelines.motion.preprocess.normalize.mean=0,0"}, path: "pipelines[0].preprocess.normalize.mean", msg: "has 2 values; want 1, or 3"},
		{name: "normalize count of picked channels", sets: []string{"pipelines.motion.preprocess.channels=x,y", "pipelines.motion.preprocess.normalize.std=1,1,1"}, path: "pipelines[0].preprocess.normalize.std", msg: "want 1, or 2"},
		{name: "zero std", sets: []string{"pipelines.motion.preprocess.normalize.std=0"}, path: "pipelines[0].preprocess.normalize.std[0]", msg: "must be > 0"},
		{name: "min above max", sets: []string{"pipelines.motion.quality.min=5", "pipelines.motion.quality.max=1"}, path: "pipelines[0].quality.min", msg: "min 5 is above max 1"},
		{name: "negative stuck", sets: []string{"pipelines.motion.quality.stuck_samples=-1"}, path: "pipelines[0].quality.stuck_samples", msg: "must be >= 0"},
		{name: "bad kind", sets: []string{"pipelines.motion.postprocess.kind=detection"}, path: "pipelines[0].postprocess.kind", msg: "not one of classification, regression, anomaly, raw"},
		{name: "zero top_k", sets: []string{"pipelines.motion.postprocess.top_k=0"}, path: "pipelines[0].postprocess.top_k", msg: "between 1 and 1000"},
		{name: "negative output", sets: []string{"pipelines.motion.postprocess.output=-1"}, path: "pipelines[0].postprocess.output", msg: "output tensor index"},
		{name: "bad publish", sets: []string{"pipelines.motion.publish=sometimes"}, path: "pipelines[0].publish", msg: "not one of always, on_change, above_threshold"},
		{name: "threshold on raw", sets: []string{"pipelines.motion.publish=above_threshold", "pipelines.motion.postprocess.kind=raw"}, path: "pipelines[0].publish", msg: "not raw"},
		{name: "zero queue", sets: []string{"pipelines.motion.queue=0"}, path: "pipelines[0].queue", msg: "between 1 and 100000"},
		{name: "negative interval", sets: []string{"pipelines.motion.interval=-1s"}, path: "pipelines[0].interval", msg: "must not be negative"},
		// ota
		{name: "bad trusted key", sets: []string{"ota.trusted_keys=ed25519:AAAA"}, path: "ota.trusted_keys[0]", msg: "32-byte public key"},
		{name: "key without prefix", sets: []string{"ota.trusted_keys=" + strings.TrimPrefix(key1, "ed25519:")}, path: "ota.trusted_keys[0]", msg: `want "ed25519:"`},
		{name: "duplicate trusted key", sets: []string{"ota.trusted_keys=" + key1 + "," + key1}, path: "ota.trusted_keys[1]", msg: "listed twice"},
		{name: "tiny bundles", sets: []string{"ota.max_bundle_bytes=1"}, path: "ota.max_bundle_bytes", msg: "at least 1KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(base+tc.extra), "config.yaml", tc.sets)
			wantError(t, err, tc.line, tc.path, tc.msg)
			if n := len(allErrors(err)); n != 1 {
				t.Errorf("%d errors, want only the one changed: %v", n, err)
			}
		})
	}
}

func TestValidVariations(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		sets  []string
	}{
		{"second pipeline on the same sensor", "  - {name: m2, sensor: accel, model: m1, preprocess: {window: {size: 1, stride: 1}}}\n", nil},
		{"embedded broker", "", []string{"mqtt.broker=embedded"}},
		{"no mqtt", "", []string{"mqtt.broker="}},
		{"failover brokers", "", []string{"mqtt.broker=tcp://a:1883, ssl://b:8883"}},
		{"tls with client cert", "", []string{"mqtt.broker=mqtts://b:8883", "mqtt.ca_file=ca.pem", "mqtt.cert_file=c.pem", "mqtt.key_file=k.pem", "mqtt.username=u", "mqtt.password_file=p"}},
		{"image pipeline", "  - {name: p2, sensor: cam, model: m1, preprocess: {image: {color: rgb}, normalize: {mean: [127.5], std: [127.5, 127.5, 127.5]}}}\n", nil},
		{"image pipeline from the model's shape", "  - {name: p2, sensor: cam, model: m1}\n", nil},
		{"socket image pipeline", "  - {name: p2, sensor: env, model: m1, preprocess: {image: {width: 8, height: 8}}}\n", nil},
		{"socket time series", "  - {name: p2, sensor: env, model: m1, preprocess: {window: {size: 60, stride: 1}, channels: [humidity]}}\n", nil},
		{"picked channels normalized", "", []string{"pipelines.motion.preprocess.channels=z,x", "pipelines.motion.preprocess.normalize.mean=0,1", "pipelines.motion.preprocess.normalize.std=2"}},
		{"quality bounds", "", []string{"pipelines.motion.quality.min=-4", "pipelines.motion.quality.max=4", "pipelines.motion.quality.stuck_samples=100"}},
		{"anomaly", "", []string{"pipelines.motion.postprocess.kind=anomaly", "pipelines.motion.postprocess.threshold=0.9", "pipelines.motion.publish=above_threshold"}},
		{"trusted keys", "", []string{"ota.trusted_keys=" + key1 + "," + key2}},
		{"rate on a time series with an interval", "", []string{"pipelines.motion.interval=5s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustParse(t, base+tc.extra, tc.sets...)
		})
	}
	c := mustParse(t, `
models: [{name: m, path: x.tflite}]
sensors:
  - {name: acc, type: iio, rate: 200, iio: {device: "iio:device0", channels: [accel_x, accel_y]}}
  - {name: out, type: mqtt, mqtt: {topic: sensors/+/temp, qos: 1, channels: [temp]}}
  - {name: sim, type: simulated, simulated: {signal: sine, channels: 2, anomalies: [{kind: spike, every: 30s, duration: 1s, value: 50}]}}
pipelines:
  - {name: a, sensor: acc, model: m, preprocess: {window: {size: 8, stride: 8}, channels: [accel_y]}}
  - {name: b, sensor: out, model: m, preprocess: {window: {size: 1, stride: 1}}, postprocess: {kind: regression}}
  - {name: c, sensor: sim, model: m, preprocess: {window: {size: 4, stride: 4}, channels: [ch0, ch1]}}
`)
	if c.Sensor("out").MQTT.QoS != 1 || len(c.Sensor("sim").Simulated.Anomalies) != 1 {
		t.Errorf("parsed %+v", c.Sensors)
	}
}

// TestMoreErrors covers errors that need a config of their own.
func TestMoreErrors(t *testing.T) {
	tests := []struct {
		name, src, path, msg string
	}{
		{"duplicate model", "models: [{name: m, path: x}, {name: m, path: y}]", "models[1].name", `model name "m" is used twice`},
		{"duplicate pipeline", "models: [{name: m, path: x}]\nsensors: [{name: s, type: socket}]\npipelines: [{name: p, sensor: s, model: m}, {name: p, sensor: s, model: m}]", "pipelines[1].name", `pipeline name "p" is used twice`},
		{"missing section", "sensors: [{name: a, type: iio}]", "sensors[0].iio", "required for a iio sensor"},
		{"section of another type", "sensors: [{name: a, type: socket, file: {path: x.csv}}]", "sensors[0].file", `settings for a file sensor, but type is "socket"`},
		{"iio without channels", "sensors: [{name: a, type: iio, iio: {device: d}}]", "sensors[0].iio.channels", "at least one channel"},
		{"iio bad device", "sensors: [{name: a, type: iio, iio: {device: ../x, channels: [c]}}]", "sensors[0].iio.device", "want a device directory"},
		{"iio bad channel", "sensors: [{name: a, type: iio, iio: {device: d, channels: [accel-x]}}]", "sensors[0].iio.channels[0]", "letters, digits and _"},
		{"mqtt without topic", "sensors: [{name: a, type: mqtt, mqtt: {channels: [t]}}]", "sensors[0].mqtt.topic", "want a topic"},
		{"mqtt bad qos", "sensors: [{name: a, type: mqtt, mqtt: {topic: t, qos: 3, channels: [t]}}]", "sensors[0].mqtt.qos", "must be 0, 1 or 2"},
		{"mqtt without channels", "sensors: [{name: a, type: mqtt, mqtt: {topic: t}}]", "sensors[0].mqtt.channels", "at least one channel"},
		{"mqtt without any broker", "mqtt: {broker: ''}\nsensors: [{name: a, type: mqtt, mqtt: {topic: t, channels: [t]}}]", "sensors[0].mqtt.broker", "no broker"},
		{"mqtt sensor bad broker", "sensors: [{name: a, type: mqtt, mqtt: {broker: embedded, topic: t, channels: [t]}}]", "sensors[0].mqtt.broker", "want a tcp://"},
		{"file without path", "sensors: [{name: a, type: file, file: {format: csv}}]", "sensors[0].file.path", "must not be empty"},
		{"anomaly kind", "sensors: [{name: a, type: simulated, simulated: {signal: sine, anomalies: [{kind: glitch, every: 1s}]}}]", "sensors[0].simulated.anomalies[0].kind", "not one of spike, nan, inf, stuck, offset, dropout"},
		{"anomaly period", "sensors: [{name: a, type: simulated, simulated: {signal: sine, anomalies: [{kind: nan}]}}]", "sensors[0].simulated.anomalies[0].every", "must be > 0"},
		{"anomaly longer than its period", "sensors: [{name: a, type: simulated, simulated: {signal: sine, anomalies: [{kind: nan, every: 1s, duration: 2s}]}}]", "sensors[0].simulated.anomalies[0].duration", "between 0 and every"},
		{"time series without window", "models: [{name: m, path: x}]\nsensors: [{name: a, type: simulated, simulated: {signal: sine}}]\npipelines: [{name: p, sensor: a, model: m}]", "pipelines[0].preprocess.window", `required for time-series sensor "a"`},
		{"window on raw", "models: [{name: m, path: x}]\nsensors: [{name: a, type: file, file: {path: t.bin}}]\npipelines: [{name: p, sensor: a, model: m, preprocess: {window: {size: 1, stride: 1}}}]", "pipelines[0].preprocess.window", "gives raw data"},
		{"window on pushed images", "models: [{name: m, path: x}]\nsensors: [{name: a, type: socket}]\npipelines: [{name: p, sensor: a, model: m, preprocess: {window: {size: 1, stride: 1}}}]", "pipelines[0].preprocess.window", "gives pushed data"},
		{"bad image settings", "models: [{name: m, path: x}]\nsensors: [{name: a, type: file, file: {path: imgs}}]\npipelines: [{name: p, sensor: a, model: m, preprocess: {image: {width: -1, color: cmyk, layout: chw, resize: cubic}}}]", "pipelines[0].preprocess.image.color", "not one of gray, rgb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "config.yaml", nil)
			wantError(t, err, 0, tc.path, tc.msg)
		})
	}
}

func TestValidateWithoutParse(t *testing.T) {
	c := mustParse(t, base)
	if err := c.Validate(); err != nil {
		t.Fatalf("a parsed config does not validate: %v", err)
	}
	c.Pipelines[0].Model = "gone"
	c.Sensors[0].Rate = -1
	err := c.Validate()
	wantError(t, err, 0, "pipelines[0].model", `no model named "gone"`)
	e := wantError(t, err, 0, "sensors[0].rate", "must be > 0")
	if e.Source != "" || e.Line != 0 || !strings.HasPrefix(e.Error(), "sensors[0].rate: ") {
		t.Errorf("Validate's error has a location: %q", e)
	}
}
