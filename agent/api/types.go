// Package api is edge-agent's local API: HTTP/1.1 over a unix socket for
// apps on the device (../shared/SPEC.md, "Local socket API"). This file
// holds the JSON documents the server sends and the client reads.
package api

import (
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// ErrorBody is every error response: {"error":{"code","message"}}.
type ErrorBody struct {
	Error wire.Error `json:"error"`
}

// Status is GET /v1/status.
type Status struct {
	Device       string        `json:"device"`
	Groups       []string      `json:"groups,omitempty"`
	AgentVersion string        `json:"agent_version"`
	StartedAt    time.Time     `json:"started_at"`
	UptimeS      float64       `json:"uptime_s"`
	ConfigPath   string        `json:"config_path,omitempty"`
	ConfigLoaded time.Time     `json:"config_loaded"`
	MQTT         MQTTStatus    `json:"mqtt"`
	Models       []Model       `json:"models"`
	Pipelines    []Pipeline    `json:"pipelines"`
	Sensors      []SensorState `json:"sensors"`
	Buffer       Buffer        `json:"buffer"`
}

// MQTTStatus is the uplink's state.
type MQTTStatus struct {
	Broker    string `json:"broker,omitempty"` // "" when running without MQTT
	Connected bool   `json:"connected"`
	BytesSent uint64 `json:"bytes_sent"`
	Delivered uint64 `json:"delivered"` // records acknowledged by the broker
}

// Model is one served model (GET /v1/models).
type Model struct {
	Name       string   `json:"name"`
	Version    int64    `json:"version"`
	SHA256     string   `json:"sha256"`
	Source     string   `json:"source"` // file path or "builtin:NAME"
	ArenaBytes int      `json:"arena_bytes"`
	Inputs     []Tensor `json:"inputs"`
	Outputs    []Tensor `json:"outputs"`
	Labels     []string `json:"labels,omitempty"`
	// Installed lists the versions installed over the air (none for a
	// model only configured), oldest first.
	Installed []InstalledVersion `json:"installed,omitempty"`
	// Trial is the served version's health window, while it runs.
	Trial *ModelTrial `json:"trial,omitempty"`
}

// InstalledVersion is a model version in the device's store.
type InstalledVersion struct {
	Version int64 `json:"version"`
	// State is active, previous (what a rollback returns to) or installed.
	State       string    `json:"state"`
	SHA256      string    `json:"sha256"`
	File        string    `json:"file"`
	InstalledAt time.Time `json:"installed_at"`
	Source      string    `json:"source,omitempty"`
}

// ModelTrial is a new version's health window.
type ModelTrial struct {
	Version int64     `json:"version"`
	Since   time.Time `json:"since"`
	Starts  int       `json:"starts,omitempty"`
}

// Tensor describes a model input or output.
type Tensor struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"` // "float32", "int8", ...
	Shape     []int   `json:"shape"`
	Scale     float64 `json:"scale,omitempty"`
	ZeroPoint int64   `json:"zero_point,omitempty"`
}

// Pipeline is one pipeline's counters.
type Pipeline struct {
	Name       string            `json:"name"`
	Sensor     string            `json:"sensor"`
	Model      string            `json:"model"`
	Samples    uint64            `json:"samples"`
	Rejected   map[string]uint64 `json:"rejected"` // by reason: nan, inf, out_of_range, stuck, bad_shape ...
	Dropped    uint64            `json:"dropped"`  // queue overflow (drop-oldest)
	Inferences uint64            `json:"inferences"`
	Published  uint64            `json:"published"`
	Errors     uint64            `json:"errors"`
	LastError  string            `json:"last_error,omitempty"`
	LastSeq    uint64            `json:"last_seq,omitempty"`
	LatencyP50 float64           `json:"latency_p50_ms"`
	Stalled    bool              `json:"stalled"`
}

// SensorState is one sensor's state.
type SensorState struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Running  bool   `json:"running"`
	Samples  uint64 `json:"samples"`
	Restarts uint64 `json:"restarts"`
	LastErr  string `json:"last_error,omitempty"`
}

// Buffer is GET /v1/buffer: the outbox.
type Buffer struct {
	Records   int                    `json:"records"`
	Bytes     int64                  `json:"bytes"`
	MaxBytes  int64                  `json:"max_bytes"`
	FileBytes int64                  `json:"file_bytes,omitempty"`
	Dropped   uint64                 `json:"dropped"`
	Classes   map[string]BufferClass `json:"classes"`
}

// BufferClass is one stream of the outbox.
type BufferClass struct {
	Records   int    `json:"records"`
	Bytes     int64  `json:"bytes"`
	FirstSeq  uint64 `json:"first_seq,omitempty"`
	LastSeq   uint64 `json:"last_seq"`
	Delivered uint64 `json:"delivered"`
	Dropped   uint64 `json:"dropped"`
}

// Predictions is GET /v1/predictions?since_seq=&limit=: records with seq >
// since_seq, oldest first, from the agent's recent history (the last
// socket.history records; older ones are only in the outbox or upstream).
type Predictions struct {
	Records []wire.Prediction `json:"records"`
	// OldestSeq is the oldest seq still held (0: none); a client asking
	// since a seq below OldestSeq-1 has missed records.
	OldestSeq uint64 `json:"oldest_seq"`
	LastSeq   uint64 `json:"last_seq"`
}

// InferRequest is the JSON body of POST /v1/models/{name}/infer. The body
// may instead be raw little-endian bytes of input 0 (Content-Type:
// application/octet-stream).
type InferRequest struct {
	// Inputs, one per model input in model order, as numbers (quantized
	// inputs take real values and are quantized with the tensor's own
	// parameters) ...
	Inputs [][]float64 `json:"inputs,omitempty"`
	// ... or as base64 raw little-endian bytes.
	RawInputs [][]byte `json:"raw_inputs,omitempty"`
}

// InferResponse is the answer of an inference.
type InferResponse struct {
	Model     wire.Model   `json:"model"`
	LatencyUS int64        `json:"latency_us"`
	Outputs   []Output     `json:"outputs"`
	Top       []wire.Label `json:"top,omitempty"` // when the model has labels
}

// Output is one output tensor: its description, the dequantized values
// (non-finite ones as null), and the raw bytes (base64).
type Output struct {
	Tensor
	Values Values `json:"values"`
	Raw    []byte `json:"raw"`
}

// SamplesRequest is POST /v1/sensors/{name}/samples: time-series samples
// ({"samples":[{"ts"?, "values":[...]}]}) or one raw tensor or image as the
// body with Content-Type application/octet-stream or image/png|jpeg|bmp.
type SamplesRequest struct {
	Samples []PushedSample `json:"samples"`
}

// PushedSample is one pushed reading.
type PushedSample struct {
	TS     *time.Time `json:"ts,omitempty"`
	Values []float64  `json:"values"`
}

// SamplesResponse says how many samples were accepted.
type SamplesResponse struct {
	Accepted int `json:"accepted"`
}
