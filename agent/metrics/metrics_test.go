package metrics_test

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/metrics"
	"github.com/edge-agent/edge-agent/hwprobe/live"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

func fakeSources() metrics.Sources {
	return metrics.Sources{
		Version: "1.2.3",
		Pipelines: func() []api.Pipeline {
			return []api.Pipeline{
				{Name: "motion", Samples: 5000, Rejected: map[string]uint64{"nan": 2, "out_of_range": 1}, Dropped: 4, Inferences: 620, Published: 610, Errors: 1, Stalled: true},
				{Name: "env", Samples: 12, Inferences: 3, Published: 3},
			}
		},
		Buffer: func() api.Buffer {
			return api.Buffer{Records: 42, Bytes: 12345, MaxBytes: 64 << 20, FileBytes: 65536, Dropped: 3, Classes: map[string]api.BufferClass{
				"predictions": {Records: 40, Bytes: 12000, Delivered: 100, Dropped: 3},
				"metrics":     {Records: 2, Bytes: 345, Delivered: 6},
			}}
		},
		MQTT: func() api.MQTTStatus { return api.MQTTStatus{Connected: true, BytesSent: 98765, Delivered: 106} },
		Sensors: func() []api.SensorState {
			return []api.SensorState{{Name: "accel", Type: "simulated", Running: true, Samples: 5000, Restarts: 2}}
		},
		Live: func() live.Sample {
			return live.Sample{
				Time: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), CPUPercent: 37.5, MemTotalBytes: 8 << 30, MemAvailableBytes: 3 << 30,
				ProcessCPUPercent: 12.5, ProcessRSSBytes: 50 << 20, Temperatures: map[string]float64{"cpu_thermal": 61.5, "gpu": 55},
				MaxTemperatureC: 61.5, Throttled: true, ThrottleEvents: 7,
				Unavailable: map[string]string{"load1": "no /proc/loadavg"},
			}
		},
	}
}

// scrape serves the registry's metrics and parses the text exposition.
func scrape(t *testing.T, reg *prometheus.Registry) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	metrics.Handler(reg, slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: status %d: %s", rec.Code, rec.Body)
	}
	text := rec.Body.String()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("scrape output does not parse: %v\n%s", err, text)
	}
	return fams, text
}

// value finds the metric of family name with exactly the given labels
// and returns its value; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, dto.MetricType, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, 0, false
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), f.GetType(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), f.GetType(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), f.GetType(), true
		}
	}
	return 0, 0, false
}

func TestScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, fakeSources())
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveInference("motion", 80*time.Microsecond)
	m.ObserveInference("motion", 3*time.Millisecond)
	m.ObserveInference("motion", 1500*time.Millisecond)
	fams, text := scrape(t, reg)

	C, G := dto.MetricType_COUNTER, dto.MetricType_GAUGE
	p := func(kv ...string) map[string]string {
		l := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return l
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		typ    dto.MetricType
		want   float64
	}{
		{"edge_agent_pipeline_samples_total", p("pipeline", "motion"), C, 5000},
		{"edge_agent_pipeline_samples_total", p("pipeline", "env"), C, 12},
		{"edge_agent_pipeline_rejected_total", p("pipeline", "motion", "reason", "nan"), C, 2},
		{"edge_agent_pipeline_rejected_total", p("pipeline", "motion", "reason", "out_of_range"), C, 1},
		{"edge_agent_pipeline_dropped_total", p("pipeline", "motion"), C, 4},
		{"edge_agent_pipeline_inferences_total", p("pipeline", "motion"), C, 620},
		{"edge_agent_pipeline_published_total", p("pipeline", "motion"), C, 610},
		{"edge_agent_pipeline_errors_total", p("pipeline", "motion"), C, 1},
		{"edge_agent_pipeline_stalled", p("pipeline", "motion"), G, 1},
		{"edge_agent_pipeline_stalled", p("pipeline", "env"), G, 0},
		{"edge_agent_outbox_records", p("class", "predictions"), G, 40},
		{"edge_agent_outbox_bytes", p("class", "metrics"), G, 345},
		{"edge_agent_outbox_dropped_total", p("class", "predictions"), C, 3},
		{"edge_agent_outbox_delivered_total", p("class", "metrics"), C, 6},
		{"edge_agent_outbox_max_bytes", nil, G, 64 << 20},
		{"edge_agent_outbox_file_bytes", nil, G, 65536},
		{"edge_agent_mqtt_connected", nil, G, 1},
		{"edge_agent_mqtt_sent_bytes_total", nil, C, 98765},
		{"edge_agent_mqtt_delivered_records_total", nil, C, 106},
		{"edge_agent_sensor_samples_total", p("sensor", "accel", "type", "simulated"), C, 5000},
		{"edge_agent_sensor_restarts_total", p("sensor", "accel", "type", "simulated"), C, 2},
		{"edge_agent_sensor_running", p("sensor", "accel", "type", "simulated"), G, 1},
		{"edge_agent_cpu_usage_percent", nil, G, 37.5},
		{"edge_agent_memory_total_bytes", nil, G, 8 << 30},
		{"edge_agent_memory_available_bytes", nil, G, 3 << 30},
		{"edge_agent_process_cpu_percent", nil, G, 12.5},
		{"edge_agent_process_resident_memory_bytes", nil, G, 50 << 20},
		{"edge_agent_temperature_max_celsius", nil, G, 61.5},
		{"edge_agent_temperature_celsius", p("sensor", "gpu"), G, 55},
		{"edge_agent_thermal_throttled", nil, G, 1},
		{"edge_agent_thermal_throttle_events_total", nil, C, 7},
	} {
		got, typ, ok := value(fams, tc.name, tc.labels)
		if !ok || typ != tc.typ || got != tc.want {
			t.Errorf("%s%v = %v (%v, found %v), want %v (%v)", tc.name, tc.labels, got, typ, ok, tc.want, tc.typ)
		}
	}
	if _, _, ok := value(fams, "edge_agent_load1", nil); ok {
		t.Errorf("load1 exported although the sample says it is unavailable")
	}
	bi := fams["edge_agent_build_info"].GetMetric()
	if len(bi) != 1 || !strings.Contains(bi[0].String(), `value:"1.2.3"`) || bi[0].GetGauge().GetValue() != 1 {
		t.Errorf("build_info = %v", bi)
	}

	h := fams["edge_agent_inference_duration_seconds"]
	if h.GetType() != dto.MetricType_HISTOGRAM || len(h.GetMetric()) != 1 {
		t.Fatalf("inference histogram: %v", h)
	}
	hist := h.GetMetric()[0].GetHistogram()
	if hist.GetSampleCount() != 3 || hist.GetSampleSum() < 1.503 || hist.GetSampleSum() > 1.5031 {
		t.Errorf("histogram count %d sum %v, want 3 and 1.50308", hist.GetSampleCount(), hist.GetSampleSum())
	}
	cum := map[float64]uint64{}
	for _, b := range hist.GetBucket() {
		cum[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	for le, want := range map[float64]uint64{50e-6: 0, 100e-6: 1, 2.5e-3: 1, 5e-3: 2, 1: 2, 2: 3} {
		if cum[le] != want {
			t.Errorf("bucket le=%v: %d, want %d", le, cum[le], want)
		}
	}
	if !strings.Contains(text, `edge_agent_pipeline_rejected_total{pipeline="motion",reason="nan"} 2`) {
		t.Errorf("text exposition lacks the exact rejected line:\n%s", text)
	}

	m.RemovePipeline("motion")
	fams, _ = scrape(t, reg)
	if len(fams["edge_agent_inference_duration_seconds"].GetMetric()) != 0 {
		t.Errorf("histogram of a removed pipeline still exported")
	}
}

func TestNilSources(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := metrics.New(reg, metrics.Sources{Version: "dev", Live: func() live.Sample { return live.Sample{} }}); err != nil {
		t.Fatal(err)
	}
	fams, _ := scrape(t, reg)
	for name := range fams {
		if name != "edge_agent_build_info" {
			t.Errorf("with no sources, %s is exported", name)
		}
	}
	if _, err := metrics.New(reg, metrics.Sources{}); err == nil {
		t.Errorf("registering twice on one registry: no error")
	}
}

func TestLiveCacheFixture(t *testing.T) {
	s, err := live.NewSampler(testenv.Shared(t, "fixtures", "hwprobe", "x86-h100-vm"))
	if err != nil {
		t.Fatal(err)
	}
	c := metrics.NewLiveCache(s, time.Hour)
	first := c.Sample()
	// The fixture's /proc/meminfo: MemTotal 131981020 kB.
	if first.Time.IsZero() || first.MemTotalBytes != 131981020*1024 {
		t.Fatalf("sample %+v, want the fixture's memory", first)
	}
	if again := c.Sample(); !again.Time.Equal(first.Time) {
		t.Errorf("a second sample within MaxAge was taken anew (%v, then %v)", first.Time, again.Time)
	}

	reg := prometheus.NewRegistry()
	if _, err := metrics.New(reg, metrics.Sources{Live: c.Sample}); err != nil {
		t.Fatal(err)
	}
	fams, _ := scrape(t, reg)
	if v, _, ok := value(fams, "edge_agent_memory_total_bytes", nil); !ok || v != 131981020*1024 {
		t.Errorf("memory_total_bytes = %v (%v), want the fixture's", v, ok)
	}
	if _, _, ok := value(fams, "edge_agent_process_resident_memory_bytes", nil); ok {
		t.Errorf("a fixture root has no own process, yet RSS is exported")
	}
}

func TestLiveCacheThisMachine(t *testing.T) {
	s, err := live.NewSampler("")
	if err != nil {
		t.Fatal(err)
	}
	c := metrics.NewLiveCache(s, 0)
	c.Sample()
	got := c.Sample()
	if got.Time.IsZero() || got.ProcessRSSBytes == 0 {
		t.Errorf("sample of this machine: %+v", got)
	}
}
