package agent

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/metrics"
	"github.com/edge-agent/edge-agent/hwprobe/live"
)

// startMetrics registers the agent's Prometheus metrics (inference
// latency, pipelines, sensors, outbox, MQTT, the device's live figures and
// the Go runtime's) and returns the /metrics handler.
func (d *Daemon) startMetrics() (http.Handler, error) {
	reg := prometheus.NewRegistry()
	src := metrics.Sources{
		Version:   d.opts.Version,
		Pipelines: func() []api.Pipeline { return d.pipelineStates(d.current()) },
		Buffer:    d.bufferStatus,
		MQTT:      d.mqttStatus,
		Sensors:   func() []api.SensorState { return d.sensorStates(d.current()) },
	}
	if s, err := live.NewSampler(d.opts.ProbeRoot); err == nil {
		src.Live = metrics.NewLiveCache(s, 5*time.Second).Sample
	} else {
		d.log.Warn("live device metrics unavailable", "err", err)
	}
	m, err := metrics.New(reg, src)
	if err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	d.metrics = m
	return metrics.Handler(reg, d.log), nil
}
