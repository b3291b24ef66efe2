// Package metrics exposes the agent's figures to Prometheus (GET /metrics on
// the local socket): inference latency as a histogram it records itself,
// and everything else (pipeline, outbox, MQTT and sensor counters, system
// figures) read from the daemon at scrape time by a custom collector, so
// the counters never drift from what /v1/status reports.
package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/hwprobe/live"
)

// Sources are the daemon's figures, read at each scrape. A nil func leaves
// its metrics out. The funcs are called from the scraping goroutine and
// must be safe for concurrent use.
type Sources struct {
	// Version is the agent's version, for edge_agent_build_info.
	Version string
	// Pipelines returns each pipeline's counters.
	Pipelines func() []api.Pipeline
	// Buffer returns the outbox's state.
	Buffer func() api.Buffer
	// MQTT returns the uplink's state.
	MQTT func() api.MQTTStatus
	// Sensors returns each sensor's state.
	Sensors func() []api.SensorState
	// Live returns a recent system sample (see LiveCache); a sample with a
	// zero Time is left out.
	Live func() live.Sample
}

// inferenceBuckets are the histogram's upper bounds in seconds: 50µs (a
// tiny model on a fast core) to 2s (a large image model on a small board).
var inferenceBuckets = []float64{
	50e-6, 100e-6, 250e-6, 500e-6,
	1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3,
	1, 2,
}

// Metrics holds the agent's metrics.
type Metrics struct {
	inference *prometheus.HistogramVec
}

// New registers the agent's metrics with reg.
func New(reg prometheus.Registerer, src Sources) (*Metrics, error) {
	m := &Metrics{
		inference: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "edge_agent_inference_duration_seconds",
			Help:    "Time of one model invocation, by pipeline.",
			Buckets: inferenceBuckets,
		}, []string{"pipeline"}),
	}
	if err := reg.Register(m.inference); err != nil {
		return nil, fmt.Errorf("metrics: register inference histogram: %w", err)
	}
	if err := reg.Register(newCollector(src)); err != nil {
		return nil, fmt.Errorf("metrics: register agent collector: %w", err)
	}
	return m, nil
}

// ObserveInference records one inference of a pipeline that took d.
func (m *Metrics) ObserveInference(pipeline string, d time.Duration) {
	m.inference.WithLabelValues(pipeline).Observe(d.Seconds())
}

// RemovePipeline drops a pipeline's histogram, for a pipeline a config
// reload removed.
func (m *Metrics) RemovePipeline(pipeline string) {
	m.inference.DeleteLabelValues(pipeline)
}

// Handler serves what g gathers in the Prometheus text format. A
// collector's failure is logged and the rest is still served.
func Handler(g prometheus.Gatherer, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:      errorLog{log},
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// errorLog adapts slog to promhttp's logger.
type errorLog struct{ log *slog.Logger }

// Println logs promhttp's message at warn level.
func (l errorLog) Println(v ...any) {
	if l.log != nil {
		l.log.Warn("metrics: " + fmt.Sprint(v...))
	}
}
