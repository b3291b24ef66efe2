package agent

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/models"
	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// backend is the daemon as the local API sees it.
type backend Daemon

var _ api.Backend = (*backend)(nil)

func (b *backend) d() *Daemon { return (*Daemon)(b) }

func (b *backend) Status(ctx context.Context) api.Status {
	d := b.d()
	d.mu.Lock()
	cfg, gen, loaded := d.cfg, d.gen, d.loadedAt
	d.mu.Unlock()
	st := api.Status{
		Device: cfg.Device.ID, Groups: cfg.Device.Groups, AgentVersion: d.opts.Version,
		StartedAt: d.started.UTC(), UptimeS: d.sinceStart().Seconds(), ConfigPath: d.opts.ConfigPath, ConfigLoaded: loaded.UTC(),
		MQTT: d.mqttStatus(), Buffer: d.bufferStatus(),
		Models: []api.Model{}, Pipelines: d.pipelineStates(gen), Sensors: d.sensorStates(gen),
	}
	for _, name := range gen.modelOrder {
		st.Models = append(st.Models, gen.models[name].Info())
	}
	return st
}

func (b *backend) Hardware(ctx context.Context) (json.RawMessage, error) {
	d := b.d()
	if len(d.profile) == 0 {
		return nil, api.Unavailable("no hardware profile")
	}
	return json.RawMessage(d.profile), nil
}

func (b *backend) Models() []api.Model {
	d := b.d()
	gen := d.current()
	out := []api.Model{}
	for _, name := range gen.modelOrder {
		info := gen.models[name].Info()
		info.Installed, info.Trial = d.installedInfo(name)
		out = append(out, info)
	}
	return out
}

func (b *backend) model(name string) (*models.Model, error) {
	d := b.d()
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.gen.models[name]
	if m == nil {
		return nil, api.NotFound("no model %q (served: %v)", name, d.gen.modelOrder)
	}
	return m, nil
}

func (b *backend) Infer(ctx context.Context, name string, req api.InferRequest) (api.InferResponse, error) {
	m, err := b.model(name)
	if err != nil {
		return api.InferResponse{}, err
	}
	resp, err := m.Infer(req)
	if errors.Is(err, models.ErrBadInput) {
		return resp, api.BadRequest("%v", err)
	}
	return resp, err
}

func (b *backend) Predictions(since uint64, limit int) api.Predictions {
	recs, oldest, last := b.d().history.Since(since, limit)
	if recs == nil {
		recs = []wire.Prediction{}
	}
	return api.Predictions{Records: recs, OldestSeq: oldest, LastSeq: last}
}

func (b *backend) Subscribe(since uint64) (<-chan wire.Prediction, func()) {
	return b.d().history.Subscribe(since, 0)
}

func (b *backend) pushSensor(name string) *sensor.Push {
	d := b.d()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen.push[name]
}

func (b *backend) PushSamples(ctx context.Context, name string, samples []sensor.Sample) (int, error) {
	p := b.pushSensor(name)
	if p == nil {
		return 0, api.NotFound("no socket sensor %q", name)
	}
	n, err := p.Push(samples)
	if errors.Is(err, sensor.ErrFull) {
		return n, api.Errorf(503, "queue_full", "sensor %s: %v", name, err)
	}
	if err != nil {
		return n, api.BadRequest("sensor %s: %v", name, err)
	}
	return n, nil
}

func (b *backend) SensorGroup(name string) (string, bool) {
	p := b.pushSensor(name)
	if p == nil {
		return "", false
	}
	return p.Group(), true
}

func (b *backend) Buffer() api.Buffer { return b.d().bufferStatus() }

func (d *Daemon) mqttStatus() api.MQTTStatus {
	st := api.MQTTStatus{Broker: d.currentConfig().MQTT.Broker}
	if d.broker != nil {
		st.Broker = d.broker.URL() + " (embedded)"
	}
	if d.sync == nil {
		return st
	}
	if up := d.sync.Uplink(); up != nil {
		s := up.Stats()
		st.Connected, st.BytesSent, st.Delivered = s.Connected, s.BytesSent, s.RecordsDelivered
	}
	return st
}

func (d *Daemon) bufferStatus() api.Buffer {
	if d.sync == nil {
		return api.Buffer{Classes: map[string]api.BufferClass{}}
	}
	s := d.sync.Outbox.Stats()
	b := api.Buffer{Records: s.Records, Bytes: s.Bytes, MaxBytes: s.MaxBytes, FileBytes: s.FileBytes, Dropped: s.Dropped(),
		Classes: map[string]api.BufferClass{}}
	for name, c := range s.Classes {
		b.Classes[name] = api.BufferClass{Records: c.Records, Bytes: c.Bytes, FirstSeq: c.FirstSeq, LastSeq: c.LastSeq,
			Delivered: c.Delivered, Dropped: c.DroppedFull + c.Rejected + c.DroppedExpired}
	}
	return b
}

func (d *Daemon) pipelineStates(gen *generation) []api.Pipeline {
	out := []api.Pipeline{}
	if gen == nil {
		return out
	}
	limit := gen.cfg.Agent.StallTimeout.Duration()
	now := d.now()
	for _, pr := range gen.pipelines {
		s := pr.p.Stats()
		out = append(out, api.Pipeline{
			Name: pr.name, Sensor: pr.sensor, Model: pr.model, Samples: s.Samples, Rejected: s.Rejected, Dropped: s.Dropped,
			Inferences: s.Inferences, Published: s.Published, Errors: s.Errors, LastError: s.LastError, LastSeq: s.LastSeq,
			LatencyP50: float64(s.LatencyP50.Microseconds()) / 1000,
			Stalled:    limit > 0 && pr.p.Stalled(now, limit),
		})
	}
	return out
}

func (d *Daemon) sensorStates(gen *generation) []api.SensorState {
	out := []api.SensorState{}
	if gen == nil {
		return out
	}
	for _, sr := range gen.sensors {
		st := api.SensorState{Name: sr.name, Type: sr.typ}
		if sr.sup != nil {
			s := sr.sup.State()
			st.Running, st.Samples, st.Restarts, st.LastErr = s.Running, s.Samples, s.Restarts, s.LastErr
		}
		out = append(out, st)
	}
	return out
}
