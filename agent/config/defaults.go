package config

import (
	"fmt"
	"os"
	"path"
	"strings"
	"time"
)

// Default returns the defaults: what an empty config file gives.
func Default() *Config {
	host, _ := os.Hostname()
	return &Config{
		Device:  DeviceConfig{ID: DeviceIDFromHost(host)},
		DataDir: "/var/lib/edge-agent",
		Log:     LogConfig{Level: "info", Format: "text"},
		Agent: AgentConfig{
			ShutdownTimeout: Duration(10 * time.Second),
			StallTimeout:    Duration(30 * time.Second),
		},
		Socket: SocketConfig{
			Path:       "/run/edge-agent/agent.sock",
			Mode:       0o660,
			Group:      "edge-agent",
			AdminGroup: "edge-agent-admin",
			History:    1000,
		},
		MQTT: MQTTConfig{
			Broker:          "tcp://127.0.0.1:1883",
			EmbeddedListen:  "127.0.0.1:1883",
			Prefix:          "edge/",
			Keepalive:       Duration(30 * time.Second),
			ConnectTimeout:  Duration(10 * time.Second),
			BatchMaxRecords: 256,
			BatchMaxBytes:   64 << 10,
			MetricsInterval: Duration(10 * time.Second),
		},
		Buffer: BufferConfig{MaxBytes: 64 << 20, Policy: PolicyDropOldest},
		OTA: OTAConfig{
			MaxBundleBytes: 256 << 20,
			Health:         HealthConfig{Window: Duration(time.Minute), MinCalls: 5, MaxErrorRate: 0.1, MaxRestarts: 3},
			Agent:          AgentUpdateConfig{MaxStarts: 3},
			Reprobe:        Duration(time.Minute),
		},
	}
}

// DeviceIDFromHost returns the default device id for a host name: "edge-"
// and the name with every character outside [A-Za-z0-9._-] replaced by
// "-", at most 64 bytes in all ("edge-device" when the name is empty).
func DeviceIDFromHost(host string) string {
	var b strings.Builder
	for _, r := range host {
		if b.Len() >= 59 {
			break
		}
		if nameChar(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "edge-device"
	}
	return "edge-" + b.String()
}

// GuessFileFormat returns a file sensor's format from its path: csv, wav,
// raw (.raw, .bin), images (an image file or a path with no extension: a
// folder), or "" when it cannot tell.
func GuessFileFormat(p string) string {
	ext := strings.ToLower(path.Ext(strings.TrimRight(p, "/")))
	switch ext {
	case ".csv":
		return FormatCSV
	case ".wav":
		return FormatWAV
	case ".raw", ".bin":
		return FormatRaw
	case ".png", ".jpg", ".jpeg", ".bmp", ".gif", "":
		return FormatImages
	}
	return ""
}

// applyElementDefaults fills the defaults of list elements (models,
// sensors, pipelines) for every key the document left out; has reports
// whether a key path was given.
func applyElementDefaults(c *Config, has func(string) bool) {
	for i := range c.Models {
		m, p := &c.Models[i], fmt.Sprintf("models[%d].", i)
		if !has(p + "version") {
			m.Version = 1
		}
		if !has(p + "threads") {
			m.Threads = 1
		}
	}
	for i := range c.Sensors {
		defaultSensor(&c.Sensors[i], fmt.Sprintf("sensors[%d].", i), has)
	}
	for i := range c.Pipelines {
		q, p := &c.Pipelines[i], fmt.Sprintf("pipelines[%d].", i)
		if !has(p + "queue") {
			q.Queue = 16
		}
		if !has(p + "publish") {
			q.Publish = PublishAlways
		}
		if !has(p + "postprocess.kind") {
			q.Postprocess.Kind = KindClassification
		}
		if !has(p + "postprocess.top_k") {
			q.Postprocess.TopK = 1
		}
		if im := q.Preprocess.Image; im != nil {
			if !has(p + "preprocess.image.resize") {
				im.Resize = ResizeBilinear
			}
			if !has(p + "preprocess.image.encoding") {
				im.Encoding = EncodingValue
			}
		}
	}
}

func defaultSensor(s *SensorConfig, p string, has func(string) bool) {
	switch s.Type {
	case SensorSimulated, SensorIIO:
		if !has(p + "rate") {
			s.Rate = 10
		}
	case SensorSocket:
		if s.Socket == nil {
			s.Socket = &SocketSensorConfig{}
		}
	}
	if sim := s.Simulated; sim != nil {
		if !has(p + "simulated.seed") {
			sim.Seed = 1
		}
		if !has(p + "simulated.channels") {
			sim.Channels = 1
		}
		if !has(p + "simulated.amplitude") {
			sim.Amplitude = 1
		}
		if !has(p + "simulated.frequency") {
			sim.Frequency = 1
		}
	}
	if f := s.File; f != nil {
		if !has(p + "file.loop") {
			f.Loop = true
		}
		if f.Format == "" {
			f.Format = GuessFileFormat(f.Path)
		}
	}
	if d := s.IIO; d != nil && !has(p+"iio.root") {
		d.Root = "/"
	}
}
