// Package apitest runs the local API server on a temporary socket in front
// of a fake backend, for the tests of the server, the client and edgectl
// (as tailscale's lapitest does for its LocalAPI).
package apitest

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// DemoModel is the model the fake serves: a float32 [1,32,3] input and a
// [1,3] output over three labels, like the agent's built-in demo model.
const DemoModel = "demo-motion"

// demoInputs is the number of float32 values of DemoModel's input.
const demoInputs = 32 * 3

// Fake is an api.Backend with fixed documents and an in-memory prediction
// history. Its exported fields may be set before the server starts.
type Fake struct {
	StatusDoc   api.Status      // GET /v1/status
	HardwareDoc json.RawMessage // GET /v1/hardware, unless HardwareErr is set
	HardwareErr error           // returned by Hardware when set
	ModelList   []api.Model     // GET /v1/models; Infer serves only DemoModel
	BufferDoc   api.Buffer      // GET /v1/buffer
	// SensorGroups maps each socket sensor to its push group.
	SensorGroups map[string]string
	// PushErr, when set, is returned by PushSamples.
	PushErr error
	// SubscriberBuffer is each subscription's channel capacity beyond
	// the history it starts with; a subscriber that falls this far
	// behind is closed (default 64).
	SubscriberBuffer int

	mu      sync.Mutex
	history []wire.Prediction
	subs    map[int]chan wire.Prediction
	nextSub int
	pushed  map[string][]sensor.Sample
}

// NewFake returns a fake with realistic documents: one demo model, one
// pipeline, a simulated and a socket sensor ("env", pushable by group
// "nogroup"), and a buffer with a predictions class.
func NewFake() *Fake {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	model := api.Model{
		Name: DemoModel, Version: 1, SHA256: "3f1c5a9e0b7d4c2a8e6f1b3d5c7a9e0f2b4d6c8a0e2f4b6d8c0a2e4f6b8d0c2a",
		Source: "builtin:demo-motion", ArenaBytes: 4096,
		Inputs:  []api.Tensor{{Name: "window", Type: "float32", Shape: []int{1, 32, 3}}},
		Outputs: []api.Tensor{{Name: "scores", Type: "float32", Shape: []int{1, 3}}},
		Labels:  []string{"idle", "walking", "shaking"},
	}
	buf := api.Buffer{
		Records: 42, Bytes: 12345, MaxBytes: 64 << 20, FileBytes: 65536, Dropped: 3,
		Classes: map[string]api.BufferClass{
			"predictions": {Records: 40, Bytes: 12000, FirstSeq: 101, LastSeq: 140, Delivered: 100, Dropped: 3},
			"metrics":     {Records: 2, Bytes: 345, FirstSeq: 7, LastSeq: 8, Delivered: 6},
		},
	}
	return &Fake{
		StatusDoc: api.Status{
			Device: "dev-1", Groups: []string{"lab"}, AgentVersion: "1.2.3",
			StartedAt: start, UptimeS: 3723, ConfigPath: "/etc/edge-agent/config.yaml", ConfigLoaded: start,
			MQTT:   api.MQTTStatus{Broker: "tcp://127.0.0.1:1883", Connected: true, BytesSent: 98765, Delivered: 100},
			Models: []api.Model{model},
			Pipelines: []api.Pipeline{{
				Name: "motion", Sensor: "accel", Model: DemoModel, Samples: 5000, Rejected: map[string]uint64{"nan": 2, "out_of_range": 1},
				Dropped: 4, Inferences: 620, Published: 610, Errors: 1, LastError: "queue full", LastSeq: 140, LatencyP50: 0.42,
			}},
			Sensors: []api.SensorState{
				{Name: "accel", Type: "simulated", Running: true, Samples: 5000},
				{Name: "env", Type: "socket", Running: true, Samples: 12, Restarts: 1, LastErr: "bad sample"},
			},
			Buffer: buf,
		},
		HardwareDoc:  json.RawMessage(`{"schema":1,"arch":"arm64","os":{"kernel":"6.1.0","pretty_name":"Debian GNU/Linux 12"},"cpu":{"vendor":"ARM","model":"Cortex-A76","logical":4,"online":4,"usable":4},"memory":{"total_bytes":8589934592,"available_bytes":4294967296},"board":{"model":"Raspberry Pi 5"},"thermal":{"throttled":false},"gpus":[],"npus":[],"checks":[]}`),
		ModelList:    []api.Model{model},
		BufferDoc:    buf,
		SensorGroups: map[string]string{"env": "nogroup", "admin-only": ""},
		subs:         map[int]chan wire.Prediction{},
		pushed:       map[string][]sensor.Sample{},
	}
}

var _ api.Backend = (*Fake)(nil)

// Status implements api.Backend.
func (f *Fake) Status(context.Context) api.Status { return f.StatusDoc }

// Hardware implements api.Backend.
func (f *Fake) Hardware(context.Context) (json.RawMessage, error) {
	return f.HardwareDoc, f.HardwareErr
}

// Models implements api.Backend.
func (f *Fake) Models() []api.Model { return f.ModelList }

// Buffer implements api.Backend.
func (f *Fake) Buffer() api.Buffer { return f.BufferDoc }

// SensorGroup implements api.Backend.
func (f *Fake) SensorGroup(name string) (string, bool) {
	g, ok := f.SensorGroups[name]
	return g, ok
}

// Infer implements api.Backend for DemoModel: the output is the mean of
// each of the three input channels, the raw output bytes echo the first 12
// input bytes, and Top names the channel with the largest mean. Other
// models are not found; an input of the wrong size is a bad request.
func (f *Fake) Infer(_ context.Context, model string, req api.InferRequest) (api.InferResponse, error) {
	if model != DemoModel {
		return api.InferResponse{}, api.NotFound("no model %q", model)
	}
	var in []float64
	switch {
	case len(req.Inputs) == 1:
		in = req.Inputs[0]
	case len(req.RawInputs) == 1:
		raw := req.RawInputs[0]
		if len(raw)%4 != 0 {
			return api.InferResponse{}, api.BadRequest("input 0: %d bytes is not a whole number of float32 values", len(raw))
		}
		for i := 0; i < len(raw); i += 4 {
			in = append(in, float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[i:]))))
		}
	default:
		return api.InferResponse{}, api.BadRequest("model %s has 1 input, got %d", model, max(len(req.Inputs), len(req.RawInputs)))
	}
	if len(in) != demoInputs {
		return api.InferResponse{}, api.BadRequest("input 0: got %d values, want %d (float32 [1,32,3])", len(in), demoInputs)
	}
	means := make([]float64, 3)
	for i, v := range in {
		means[i%3] += v / 32
	}
	raw := make([]byte, 0, 12)
	for _, m := range means {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(float32(m)))
	}
	best := 0
	for i, m := range means {
		if m > means[best] {
			best = i
		}
	}
	labels := f.ModelList[0].Labels
	return api.InferResponse{
		Model:     wire.Model{Name: DemoModel, Version: 1, SHA256: f.ModelList[0].SHA256},
		LatencyUS: 420,
		Outputs:   []api.Output{{Tensor: f.ModelList[0].Outputs[0], Values: means, Raw: raw}},
		Top:       []wire.Label{{Label: labels[best], Score: means[best]}},
	}, nil
}

// PushSamples implements api.Backend: it records the samples.
func (f *Fake) PushSamples(_ context.Context, name string, samples []sensor.Sample) (int, error) {
	if f.PushErr != nil {
		return 0, f.PushErr
	}
	if _, ok := f.SensorGroups[name]; !ok {
		return 0, errors.New("apitest: push to a sensor SensorGroup does not know")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushed[name] = append(f.pushed[name], samples...)
	return len(samples), nil
}

// Pushed returns the samples pushed to a sensor so far.
func (f *Fake) Pushed(name string) []sensor.Sample {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sensor.Sample(nil), f.pushed[name]...)
}
