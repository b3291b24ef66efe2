package metrics

import (
	"runtime"
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edge-agent/edge-agent/hwprobe/live"
)

// collector reads Sources at scrape time and reports their counters as
// constant metrics.
type collector struct {
	src Sources

	buildInfo *prometheus.Desc

	pipeSamples, pipeRejected, pipeDropped  *prometheus.Desc
	pipeInferences, pipePublished, pipeErrs *prometheus.Desc
	pipeStalled                             *prometheus.Desc

	outRecords, outBytes, outDropped, outDelivered *prometheus.Desc
	outMaxBytes, outFileBytes                      *prometheus.Desc

	mqttConnected, mqttBytes, mqttDelivered *prometheus.Desc

	sensorSamples, sensorRestarts, sensorRunning *prometheus.Desc

	cpu, load1, memTotal, memAvail, procCPU, rss *prometheus.Desc
	tempMax, temp, throttled, throttleEvents     *prometheus.Desc
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("edge_agent_"+name, help, labels, nil)
}

func newCollector(src Sources) *collector {
	return &collector{
		src:       src,
		buildInfo: desc("build_info", "Always 1; the agent's version and Go version as labels.", "version", "go_version"),

		pipeSamples:    desc("pipeline_samples_total", "Samples a pipeline received from its sensor.", "pipeline"),
		pipeRejected:   desc("pipeline_rejected_total", "Samples a pipeline's quality checks rejected, by reason.", "pipeline", "reason"),
		pipeDropped:    desc("pipeline_dropped_total", "Samples or windows dropped because the pipeline's queue was full.", "pipeline"),
		pipeInferences: desc("pipeline_inferences_total", "Inferences a pipeline ran.", "pipeline"),
		pipePublished:  desc("pipeline_published_total", "Prediction records a pipeline handed to the outbox.", "pipeline"),
		pipeErrs:       desc("pipeline_errors_total", "Errors in a pipeline (preprocessing, inference, postprocessing).", "pipeline"),
		pipeStalled:    desc("pipeline_stalled", "1 while a pipeline has made no progress for the stall timeout.", "pipeline"),

		outRecords:   desc("outbox_records", "Records waiting in the outbox, by class.", "class"),
		outBytes:     desc("outbox_bytes", "Bytes of records waiting in the outbox, by class.", "class"),
		outDropped:   desc("outbox_dropped_total", "Records the outbox dropped (buffer full or too old), by class.", "class"),
		outDelivered: desc("outbox_delivered_total", "Records the broker acknowledged, by class.", "class"),
		outMaxBytes:  desc("outbox_max_bytes", "The outbox's size limit (buffer.max_bytes)."),
		outFileBytes: desc("outbox_file_bytes", "Size of the outbox's database file."),

		mqttConnected: desc("mqtt_connected", "1 while the MQTT uplink is connected."),
		mqttBytes:     desc("mqtt_sent_bytes_total", "Payload bytes published to the broker."),
		mqttDelivered: desc("mqtt_delivered_records_total", "Records the broker acknowledged."),

		sensorSamples:  desc("sensor_samples_total", "Samples a sensor produced.", "sensor", "type"),
		sensorRestarts: desc("sensor_restarts_total", "Times a failed sensor was restarted.", "sensor", "type"),
		sensorRunning:  desc("sensor_running", "1 while a sensor is running.", "sensor", "type"),

		cpu:            desc("cpu_usage_percent", "CPU use of the whole device since the previous sample, 0-100."),
		load1:          desc("load1", "The device's one-minute load average."),
		memTotal:       desc("memory_total_bytes", "The device's memory."),
		memAvail:       desc("memory_available_bytes", "Memory available to new work."),
		procCPU:        desc("process_cpu_percent", "CPU use of the agent's process since the previous sample, of one CPU (two busy cores: 200)."),
		rss:            desc("process_resident_memory_bytes", "Resident memory of the agent's process."),
		tempMax:        desc("temperature_max_celsius", "The hottest temperature sensor."),
		temp:           desc("temperature_celsius", "Each temperature sensor.", "sensor"),
		throttled:      desc("thermal_throttled", "1 while the CPU is thermally throttled."),
		throttleEvents: desc("thermal_throttle_events_total", "Thermal throttling events the kernel counted."),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.buildInfo,
		c.pipeSamples, c.pipeRejected, c.pipeDropped, c.pipeInferences, c.pipePublished, c.pipeErrs, c.pipeStalled,
		c.outRecords, c.outBytes, c.outDropped, c.outDelivered, c.outMaxBytes, c.outFileBytes,
		c.mqttConnected, c.mqttBytes, c.mqttDelivered,
		c.sensorSamples, c.sensorRestarts, c.sensorRunning,
		c.cpu, c.load1, c.memTotal, c.memAvail, c.procCPU, c.rss, c.tempMax, c.temp, c.throttled, c.throttleEvents,
	} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	emit := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, t, v, labels...)
	}
	emit(c.buildInfo, prometheus.GaugeValue, 1, c.src.Version, runtime.Version())
	if c.src.Pipelines != nil {
		for _, p := range c.src.Pipelines() {
			emit(c.pipeSamples, prometheus.CounterValue, float64(p.Samples), p.Name)
			for _, reason := range sortedKeys(p.Rejected) {
				emit(c.pipeRejected, prometheus.CounterValue, float64(p.Rejected[reason]), p.Name, reason)
			}
			emit(c.pipeDropped, prometheus.CounterValue, float64(p.Dropped), p.Name)
			emit(c.pipeInferences, prometheus.CounterValue, float64(p.Inferences), p.Name)
			emit(c.pipePublished, prometheus.CounterValue, float64(p.Published), p.Name)
			emit(c.pipeErrs, prometheus.CounterValue, float64(p.Errors), p.Name)
			emit(c.pipeStalled, prometheus.GaugeValue, boolValue(p.Stalled), p.Name)
		}
	}
	if c.src.Buffer != nil {
		b := c.src.Buffer()
		for _, class := range sortedKeys(b.Classes) {
			bc := b.Classes[class]
			emit(c.outRecords, prometheus.GaugeValue, float64(bc.Records), class)
			emit(c.outBytes, prometheus.GaugeValue, float64(bc.Bytes), class)
			emit(c.outDropped, prometheus.CounterValue, float64(bc.Dropped), class)
			emit(c.outDelivered, prometheus.CounterValue, float64(bc.Delivered), class)
		}
		emit(c.outMaxBytes, prometheus.GaugeValue, float64(b.MaxBytes))
		if b.FileBytes > 0 {
			emit(c.outFileBytes, prometheus.GaugeValue, float64(b.FileBytes))
		}
	}
	if c.src.MQTT != nil {
		m := c.src.MQTT()
		emit(c.mqttConnected, prometheus.GaugeValue, boolValue(m.Connected))
		emit(c.mqttBytes, prometheus.CounterValue, float64(m.BytesSent))
		emit(c.mqttDelivered, prometheus.CounterValue, float64(m.Delivered))
	}
	if c.src.Sensors != nil {
		for _, s := range c.src.Sensors() {
			emit(c.sensorSamples, prometheus.CounterValue, float64(s.Samples), s.Name, s.Type)
			emit(c.sensorRestarts, prometheus.CounterValue, float64(s.Restarts), s.Name, s.Type)
			emit(c.sensorRunning, prometheus.GaugeValue, boolValue(s.Running), s.Name, s.Type)
		}
	}
	if c.src.Live != nil {
		c.collectLive(c.src.Live(), emit)
	}
}

// collectLive reports the system figures the sample has.
func (c *collector) collectLive(s live.Sample, emit func(*prometheus.Desc, prometheus.ValueType, float64, ...string)) {
	if s.Time.IsZero() {
		return
	}
	has := func(what string) bool { _, missing := s.Unavailable[what]; return !missing }
	if has("cpu_percent") {
		emit(c.cpu, prometheus.GaugeValue, s.CPUPercent)
	}
	if has("load1") {
		emit(c.load1, prometheus.GaugeValue, s.Load1)
	}
	if has("memory") && s.MemTotalBytes > 0 {
		emit(c.memTotal, prometheus.GaugeValue, float64(s.MemTotalBytes))
		emit(c.memAvail, prometheus.GaugeValue, float64(s.MemAvailableBytes))
	}
	// A sampler of a fixture root has no own process: RSS stays 0.
	if has("process_rss") && s.ProcessRSSBytes > 0 {
		emit(c.rss, prometheus.GaugeValue, float64(s.ProcessRSSBytes))
		if has("process_cpu_percent") {
			emit(c.procCPU, prometheus.GaugeValue, s.ProcessCPUPercent)
		}
	}
	if len(s.Temperatures) > 0 {
		emit(c.tempMax, prometheus.GaugeValue, s.MaxTemperatureC)
		for _, name := range sortedKeys(s.Temperatures) {
			emit(c.temp, prometheus.GaugeValue, s.Temperatures[name], name)
		}
	}
	if has("throttling") {
		emit(c.throttled, prometheus.GaugeValue, boolValue(s.Throttled))
		emit(c.throttleEvents, prometheus.CounterValue, float64(s.ThrottleEvents))
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
