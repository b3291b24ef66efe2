package config

import (
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// maxSocketPath is the longest unix socket path Linux takes (sun_path is
// 108 bytes with its NUL).
const maxSocketPath = 107

// Validate checks every value: ranges, enumerations, names (non-empty,
// unique, [A-Za-z0-9._-]{1,64}), references between pipelines, sensors
// and models, and settings that only fit some sensors. It does not look at
// the files the config names. The error joins one *Error per problem
// (with key paths but no lines: Parse adds those).
func (c *Config) Validate() error { return joinErrors(c.problems()) }

// problems lists what is wrong with c.
func (c *Config) problems() []*Error {
	p := &problems{}
	c.checkDevice(p)
	if c.DataDir == "" {
		p.add("data_dir", "must not be empty")
	}
	p.oneOf("log.level", c.Log.Level, LevelDebug, LevelInfo, LevelWarn, LevelError)
	p.oneOf("log.format", c.Log.Format, LogText, LogJSON)
	positive(p, "agent.shutdown_timeout", c.Agent.ShutdownTimeout)
	notNegative(p, "agent.stall_timeout", c.Agent.StallTimeout)
	c.checkSocket(p)
	c.checkMQTT(p)
	if c.Buffer.MaxBytes < 1<<10 {
		p.add("buffer.max_bytes", "must be at least 1KiB, got %d", c.Buffer.MaxBytes)
	}
	notNegative(p, "buffer.max_age", c.Buffer.MaxAge)
	p.oneOf("buffer.policy", c.Buffer.Policy, PolicyDropOldest, PolicyRejectNew)
	c.checkModels(p)
	c.checkSensors(p)
	c.checkPipelines(p)
	c.checkOTA(p)
	return p.errs
}

func (c *Config) checkDevice(p *problems) {
	if !wire.ValidID(c.Device.ID) {
		p.add("device.id", "%q is not a valid device id (1 to 128 bytes, no / + # or NUL, not \"group\" or \"all\")", c.Device.ID)
	}
	seen := map[string]bool{}
	for i, g := range c.Device.Groups {
		path := fmt.Sprintf("device.groups[%d]", i)
		switch {
		case !wire.ValidID(g):
			p.add(path, "%q is not a valid group name (1 to 128 bytes, no / + # or NUL, not \"group\" or \"all\")", g)
		case seen[g]:
			p.add(path, "group %q is listed twice", g)
		}
		seen[g] = true
	}
}

func (c *Config) checkSocket(p *problems) {
	s := c.Socket
	switch {
	case s.Path == "":
		p.add("socket.path", "must not be empty")
	case len(s.Path) > maxSocketPath:
		p.add("socket.path", "is %d bytes; a unix socket path may have at most %d", len(s.Path), maxSocketPath)
	case strings.ContainsRune(s.Path, 0):
		p.add("socket.path", "must not contain NUL")
	}
	if s.Mode > 0o777 {
		p.add("socket.mode", "%s has more than permission bits (at most 0777)", s.Mode)
	}
	if s.History < 0 || s.History > 1_000_000 {
		p.add("socket.history", "must be between 0 and 1000000, got %d", s.History)
	}
}

func (c *Config) checkMQTT(p *problems) {
	m := c.MQTT
	tlsBroker := c.checkBroker(p, "mqtt.broker", m.Broker, true)
	if m.Broker == BrokerEmbedded || m.EmbeddedListen != "" {
		checkHostPort(p, "mqtt.embedded_listen", m.EmbeddedListen)
	}
	if strings.ContainsAny(m.Prefix, "+#\x00") {
		p.add("mqtt.prefix", "%q must not contain the MQTT wildcards + or #", m.Prefix)
	}
	if m.PasswordFile != "" && m.Username == "" {
		p.add("mqtt.password_file", "needs mqtt.username")
	}
	if (m.CertFile == "") != (m.KeyFile == "") {
		p.add("mqtt.cert_file", "cert_file and key_file go together (mutual TLS)")
	}
	if !tlsBroker {
		for _, f := range []struct{ key, v string }{{"ca_file", m.CAFile}, {"cert_file", m.CertFile}, {"key_file", m.KeyFile}} {
			if f.v != "" {
				p.add("mqtt."+f.key, "only applies to a TLS broker (ssl://, tls:// or mqtts://), but mqtt.broker is %q", m.Broker)
			}
		}
	}
	if m.Keepalive < Duration(time.Second) || m.Keepalive > Duration(math.MaxUint16*time.Second) {
		p.add("mqtt.keepalive", "must be between 1s and 65535s, got %s", m.Keepalive)
	}
	positive(p, "mqtt.connect_timeout", m.ConnectTimeout)
	if m.BatchMaxRecords < 1 || m.BatchMaxRecords > 1_000_000 {
		p.add("mqtt.batch_max_records", "must be between 1 and 1000000, got %d", m.BatchMaxRecords)
	}
	if m.BatchMaxBytes < 1<<10 || m.BatchMaxBytes > 256<<20 {
		p.add("mqtt.batch_max_bytes", "must be between 1KiB and 256MiB (MQTT's limit), got %s", m.BatchMaxBytes)
	}
	if !finite(m.RateMessages) || m.RateMessages < 0 {
		p.add("mqtt.rate_messages", "must be >= 0 (0: unlimited), got %v", m.RateMessages)
	}
	if m.RateBytes < 0 {
		p.add("mqtt.rate_bytes", "must be >= 0 (0: unlimited), got %d", m.RateBytes)
	}
	notNegative(p, "mqtt.metrics_interval", m.MetricsInterval)
}

// checkBroker checks a broker setting: "" or "embedded" (when the agent's
// own, allowEmbedded), or URLs separated by commas. It reports whether
// every URL uses TLS.
func (c *Config) checkBroker(p *problems, path, b string, allowEmbedded bool) bool {
	if b == "" || allowEmbedded && b == BrokerEmbedded {
		return false
	}
	want := "want a tcp://, ssl://, tls:// or mqtts:// URL"
	if allowEmbedded {
		want += `, "embedded" or ""`
	}
	allTLS, some := true, false
	for _, u := range strings.Split(b, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		some = true
		pu, err := url.Parse(u)
		switch {
		case err != nil:
			p.add(path, "%q is not a URL (%s)", u, want)
		case !slices.Contains([]string{"tcp", "ssl", "tls", "mqtts"}, pu.Scheme):
			p.add(path, "%q: %s", u, want)
		case pu.Host == "":
			p.add(path, "%q has no host", u)
		}
		if err != nil || !slices.Contains([]string{"ssl", "tls", "mqtts"}, pu.Scheme) {
			allTLS = false
		}
	}
	if !some {
		p.add(path, "%q holds no URL (%s)", b, want)
	}
	return some && allTLS
}

func checkHostPort(p *problems, path, hp string) {
	_, port, err := net.SplitHostPort(hp)
	if err != nil {
		p.add(path, "%q is not host:port", hp)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.add(path, "%q: port must be a number between 0 and 65535", hp)
	}
}

func (c *Config) checkModels(p *problems) {
	seen := map[string]bool{}
	for i := range c.Models {
		m, at := &c.Models[i], fmt.Sprintf("models[%d]", i)
		checkName(p, at, m.Name, seen, "model")
		if name, ok := strings.CutPrefix(m.Path, "builtin:"); ok && name == "" {
			p.add(at+".path", "\"builtin:\" needs a model name, e.g. builtin:demo-motion")
		} else if m.Path == "" {
			p.add(at+".path", "must not be empty (a .tflite file or builtin:NAME)")
		}
		if m.Version < 1 {
			p.add(at+".version", "must be >= 1, got %d", m.Version)
		}
		if m.Threads < 0 || m.Threads > 1024 {
			p.add(at+".threads", "must be between 1 and 1024, or auto; got %d", int(m.Threads))
		}
		switch m.Kernels {
		case "", "auto", "generic", "avx2", "avxvnni", "avx512vnni", "neon", "sdot", "i8mm":
		default:
			p.add(at+".kernels", "want auto, generic, avx2, avxvnni, avx512vnni, neon, sdot or i8mm, got %q", m.Kernels)
		}
		if m.MaxArena < 0 {
			p.add(at+".max_arena", "must be >= 0 (0: no cap), got %d", m.MaxArena)
		}
		if len(m.Labels) > 0 && m.LabelsFile != "" {
			p.add(at+".labels_file", "give labels or labels_file, not both")
		}
		for j, l := range m.Labels {
			if strings.TrimSpace(l) == "" {
				p.add(fmt.Sprintf("%s.labels[%d]", at, j), "must not be empty")
			}
		}
	}
}

func (c *Config) checkOTA(p *problems) {
	seen := map[string]bool{}
	for i, k := range c.OTA.TrustedKeys {
		path := fmt.Sprintf("ota.trusted_keys[%d]", i)
		b64, ok := strings.CutPrefix(k, "ed25519:")
		raw, err := base64.StdEncoding.DecodeString(b64)
		switch {
		case !ok || err != nil || len(raw) != 32:
			p.add(path, "want \"ed25519:\" and the base64 of a 32-byte public key, got %q", k)
		case seen[k]:
			p.add(path, "key listed twice")
		}
		seen[k] = true
	}
	for i, id := range c.OTA.RevokedKeys {
		if len(id) != 16 || strings.Trim(strings.ToLower(id), "0123456789abcdef") != "" {
			p.add(fmt.Sprintf("ota.revoked_keys[%d]", i), "want a key id of 16 hex digits, got %q", id)
		}
	}
	if c.OTA.MaxBundleBytes < 1<<10 {
		p.add("ota.max_bundle_bytes", "must be at least 1KiB, got %d", c.OTA.MaxBundleBytes)
	}
	h := c.OTA.Health
	if h.Window < 0 {
		p.add("ota.health.window", "must not be negative, got %s", h.Window)
	}
	if h.MinCalls < 1 {
		p.add("ota.health.min_calls", "must be at least 1, got %d", h.MinCalls)
	}
	if !(h.MaxErrorRate >= 0 && h.MaxErrorRate <= 1) {
		p.add("ota.health.max_error_rate", "want a fraction from 0 to 1, got %v", h.MaxErrorRate)
	}
	if h.MaxLatency < 0 {
		p.add("ota.health.max_latency", "must not be negative, got %s", h.MaxLatency)
	}
	if h.MaxRestarts < 0 {
		p.add("ota.health.max_restarts", "must not be negative, got %d", h.MaxRestarts)
	}
	if c.OTA.Reprobe < 0 {
		p.add("ota.reprobe", "must not be negative, got %s", c.OTA.Reprobe)
	}
	if c.OTA.Agent.MaxStarts < 1 {
		p.add("ota.agent.max_starts", "must be at least 1, got %d", c.OTA.Agent.MaxStarts)
	}
}

// checkName checks a model, sensor or pipeline name and its uniqueness
// among seen.
func checkName(p *problems, at, name string, seen map[string]bool, what string) {
	switch {
	case name == "":
		p.add(at+".name", "a %s needs a name", what)
	case !ValidName(name):
		p.add(at+".name", "%q: a name is 1 to 64 characters from A-Z a-z 0-9 . _ -", name)
	case seen[name]:
		p.add(at+".name", "%s name %q is used twice", what, name)
	}
	seen[name] = true
}

// checkChannelNames checks a list of channel names: valid and unique.
func checkChannelNames(p *problems, at string, names []string) {
	seen := map[string]bool{}
	for i, n := range names {
		path := fmt.Sprintf("%s[%d]", at, i)
		switch {
		case !ValidName(n):
			p.add(path, "%q: a channel name is 1 to 64 characters from A-Z a-z 0-9 . _ -", n)
		case seen[n]:
			p.add(path, "channel %q is listed twice", n)
		}
		seen[n] = true
	}
}

func positive(p *problems, path string, d Duration) {
	if d <= 0 {
		p.add(path, "must be > 0, got %s", d)
	}
}

func notNegative(p *problems, path string, d Duration) {
	if d < 0 {
		p.add(path, "must not be negative, got %s", d)
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
