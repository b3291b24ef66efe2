package config

// Config is the whole configuration. Its zero value is not valid: start from
// Default, or use Parse or Load.
type Config struct {
	Device    DeviceConfig     `yaml:"device" json:"device"`
	DataDir   string           `yaml:"data_dir" json:"data_dir"`
	Log       LogConfig        `yaml:"log" json:"log"`
	Agent     AgentConfig      `yaml:"agent" json:"agent"`
	Socket    SocketConfig     `yaml:"socket" json:"socket"`
	MQTT      MQTTConfig       `yaml:"mqtt" json:"mqtt"`
	Buffer    BufferConfig     `yaml:"buffer" json:"buffer"`
	Models    []ModelConfig    `yaml:"models" json:"models"`
	Sensors   []SensorConfig   `yaml:"sensors" json:"sensors"`
	Pipelines []PipelineConfig `yaml:"pipelines" json:"pipelines"`
	OTA       OTAConfig        `yaml:"ota" json:"ota"`
}

// DeviceConfig names the device.
type DeviceConfig struct {
	// ID is the device id on MQTT (wire.ValidID); default "edge-" and the
	// host name, reduced to [A-Za-z0-9._-].
	ID string `yaml:"id" json:"id"`
	// Groups the device belongs to (group commands reach it).
	Groups []string `yaml:"groups" json:"groups"`
}

// LogConfig sets up the daemon's log.
type LogConfig struct {
	Level  string `yaml:"level" json:"level"`   // debug, info, warn or error
	Format string `yaml:"format" json:"format"` // text or json
}

// AgentConfig holds the daemon's lifecycle knobs.
type AgentConfig struct {
	// ShutdownTimeout bounds a graceful stop.
	ShutdownTimeout Duration `yaml:"shutdown_timeout" json:"shutdown_timeout"`
	// StallTimeout is how long a pipeline may go without progress before
	// it is reported stalled (0: never).
	StallTimeout Duration `yaml:"stall_timeout" json:"stall_timeout"`
}

// SocketConfig configures the local HTTP API on a unix socket.
type SocketConfig struct {
	Path string   `yaml:"path" json:"path"`
	Mode FileMode `yaml:"mode" json:"mode"`
	// Group owns the socket; its members may use the read endpoints
	// ("" keeps the process's group).
	Group string `yaml:"group" json:"group"`
	// AdminGroup's members may use the changing endpoints (root always
	// may; "" leaves them to root and the daemon's own user).
	AdminGroup string `yaml:"admin_group" json:"admin_group"`
	// History is how many recent predictions GET /v1/predictions keeps.
	History int `yaml:"history" json:"history"`
}

// MQTTConfig configures the uplink to the fleet's broker.
type MQTTConfig struct {
	// Broker is a URL (tcp://, ssl://, tls://, mqtts://; several separated
	// by commas fail over in order), "embedded" for an in-process broker,
	// or "" for no MQTT at all (records stay in the buffer).
	Broker string `yaml:"broker" json:"broker"`
	// EmbeddedListen is where the embedded broker listens (host:port).
	EmbeddedListen string `yaml:"embedded_listen" json:"embedded_listen"`
	// Prefix of every topic, e.g. "edge/".
	Prefix          string   `yaml:"prefix" json:"prefix"`
	Username        string   `yaml:"username" json:"username"`
	PasswordFile    string   `yaml:"password_file" json:"password_file"`
	CAFile          string   `yaml:"ca_file" json:"ca_file"`
	CertFile        string   `yaml:"cert_file" json:"cert_file"`
	KeyFile         string   `yaml:"key_file" json:"key_file"`
	Keepalive       Duration `yaml:"keepalive" json:"keepalive"`
	ConnectTimeout  Duration `yaml:"connect_timeout" json:"connect_timeout"`
	BatchMaxRecords int      `yaml:"batch_max_records" json:"batch_max_records"`
	BatchMaxBytes   Size     `yaml:"batch_max_bytes" json:"batch_max_bytes"`
	Gzip            bool     `yaml:"gzip" json:"gzip"`
	// RateMessages limits record messages per second (0: unlimited).
	RateMessages float64 `yaml:"rate_messages" json:"rate_messages"`
	// RateBytes limits record payload bytes per second (0: unlimited).
	RateBytes Size `yaml:"rate_bytes" json:"rate_bytes"`
	// MetricsInterval is how often metrics are published (0: never).
	MetricsInterval Duration `yaml:"metrics_interval" json:"metrics_interval"`
}

// BufferConfig bounds the durable outbox.
type BufferConfig struct {
	MaxBytes Size     `yaml:"max_bytes" json:"max_bytes"`
	MaxAge   Duration `yaml:"max_age" json:"max_age"` // 0: records never expire
	Policy   string   `yaml:"policy" json:"policy"`   // drop_oldest or reject_new
}

// ModelConfig is one model the agent serves.
type ModelConfig struct {
	Name string `yaml:"name" json:"name"`
	// Path is "builtin:NAME" or a .tflite file.
	Path     string  `yaml:"path" json:"path"`
	Version  int64   `yaml:"version" json:"version"`
	Threads  Threads `yaml:"threads" json:"threads"`
	MaxArena Size    `yaml:"max_arena" json:"max_arena"` // 0: no cap
	// Kernels picks the kernel path: "" or auto (the fastest this CPU
	// has), generic (the plain-Go reference), avx2, avxvnni, avx512vnni,
	// neon, sdot or i8mm. A path the CPU lacks fails the model's load.
	Kernels string `yaml:"kernels" json:"kernels"`
	// Labels name the classes in output order; or LabelsFile, one per line.
	Labels     []string `yaml:"labels" json:"labels"`
	LabelsFile string   `yaml:"labels_file" json:"labels_file"`
}

// The sensor types.
const (
	SensorSimulated = "simulated"
	SensorFile      = "file"
	SensorIIO       = "iio"
	SensorSocket    = "socket"
	SensorMQTT      = "mqtt"
)

// SensorConfig is one input. Exactly the section named by Type may be set.
type SensorConfig struct {
	Name string `yaml:"name" json:"name"`
	Type string `yaml:"type" json:"type"`
	// Rate is the sampling rate in Hz (simulated, file and iio sensors).
	Rate      float64                `yaml:"rate" json:"rate"`
	Simulated *SimulatedSensorConfig `yaml:"simulated,omitempty" json:"simulated,omitempty"`
	File      *FileSensorConfig      `yaml:"file,omitempty" json:"file,omitempty"`
	IIO       *IIOSensorConfig       `yaml:"iio,omitempty" json:"iio,omitempty"`
	Socket    *SocketSensorConfig    `yaml:"socket,omitempty" json:"socket,omitempty"`
	MQTT      *MQTTSensorConfig      `yaml:"mqtt,omitempty" json:"mqtt,omitempty"`
}

// SimulatedSensorConfig generates a signal.
type SimulatedSensorConfig struct {
	// Signal is motion (3-axis accelerometer: x, y, z), sine or noise.
	Signal    string  `yaml:"signal" json:"signal"`
	Seed      uint64  `yaml:"seed" json:"seed"`
	Channels  int     `yaml:"channels" json:"channels"` // sine and noise
	Amplitude float64 `yaml:"amplitude" json:"amplitude"`
	Frequency float64 `yaml:"frequency" json:"frequency"` // Hz, sine
	Noise     float64 `yaml:"noise" json:"noise"`         // gaussian sigma added
	// Anomalies are faults injected into the signal.
	Anomalies []AnomalyConfig `yaml:"anomalies" json:"anomalies"`
}

// AnomalyConfig injects one kind of fault periodically.
type AnomalyConfig struct {
	Kind     string   `yaml:"kind" json:"kind"` // spike, nan, inf, stuck, offset or dropout
	Every    Duration `yaml:"every" json:"every"`
	Duration Duration `yaml:"duration" json:"duration"`
	Value    float64  `yaml:"value" json:"value"`
}

// FileSensorConfig replays a file, or a folder of images.
type FileSensorConfig struct {
	Path string `yaml:"path" json:"path"`
	// Format is csv, wav, images or raw; guessed from Path when empty.
	Format string `yaml:"format" json:"format"`
	Loop   bool   `yaml:"loop" json:"loop"`
	// Columns picks CSV columns (default: every numeric one).
	Columns []string `yaml:"columns" json:"columns"`
	// TensorBytes is the size of one raw sample (0: the whole file).
	TensorBytes Size `yaml:"tensor_bytes" json:"tensor_bytes"`
}

// IIOSensorConfig reads a Linux Industrial I/O device through sysfs.
type IIOSensorConfig struct {
	// Device is the directory name (iio:device0) or the device's name.
	Device   string   `yaml:"device" json:"device"`
	Channels []string `yaml:"channels" json:"channels"`
	// Root is the file system root sysfs is found under (default "/").
	Root string `yaml:"root" json:"root"`
}

// SocketSensorConfig takes samples pushed to the local API.
type SocketSensorConfig struct {
	// Channels of pushed time-series samples; none for images or raw
	// tensors.
	Channels []string `yaml:"channels" json:"channels"`
	// Group may push ("": socket.admin_group).
	Group string `yaml:"group" json:"group"`
}

// MQTTSensorConfig subscribes to a topic.
type MQTTSensorConfig struct {
	// Broker to subscribe at ("": the agent's mqtt.broker).
	Broker   string   `yaml:"broker" json:"broker"`
	Topic    string   `yaml:"topic" json:"topic"`
	QoS      int      `yaml:"qos" json:"qos"`
	Channels []string `yaml:"channels" json:"channels"`
}

// PipelineConfig runs a model on a sensor's data.
type PipelineConfig struct {
	Name   string `yaml:"name" json:"name"`
	Sensor string `yaml:"sensor" json:"sensor"`
	Model  string `yaml:"model" json:"model"`
	// Interval 0 infers on every window or frame; > 0 on a schedule, over
	// the latest data.
	Interval Duration `yaml:"interval" json:"interval"`
	// Queue bounds the inputs waiting for the model (oldest dropped).
	Queue       int               `yaml:"queue" json:"queue"`
	Preprocess  PreprocessConfig  `yaml:"preprocess" json:"preprocess"`
	Quality     QualityConfig     `yaml:"quality" json:"quality"`
	Postprocess PostprocessConfig `yaml:"postprocess" json:"postprocess"`
	// Publish is always, on_change or above_threshold.
	Publish string `yaml:"publish" json:"publish"`
	// LogPredictions logs every published prediction at info level (the
	// demo does, so `make run` shows them).
	LogPredictions bool `yaml:"log_predictions" json:"log_predictions"`
}

// PreprocessConfig turns sensor data into the model's input.
type PreprocessConfig struct {
	// Window is for time-series sensors.
	Window *WindowConfig `yaml:"window,omitempty" json:"window,omitempty"`
	// Channels picks and orders sensor channels (default: all).
	Channels  []string        `yaml:"channels" json:"channels"`
	Normalize NormalizeConfig `yaml:"normalize" json:"normalize"`
	// Image is for image sources.
	Image *ImageConfig `yaml:"image,omitempty" json:"image,omitempty"`
}

// WindowConfig: infer every Stride new samples over the last Size.
type WindowConfig struct {
	Size   int `yaml:"size" json:"size"`
	Stride int `yaml:"stride" json:"stride"`
}

// NormalizeConfig maps v to (v - mean) / std; one value for every channel
// or one per channel. Empty lists leave values as they are.
type NormalizeConfig struct {
	Mean []float64 `yaml:"mean" json:"mean"`
	Std  []float64 `yaml:"std" json:"std"`
}

// ImageConfig fits an image to the model's input. Width, Height 0 and
// Color "" take the model input's shape.
type ImageConfig struct {
	Width  int    `yaml:"width" json:"width"`
	Height int    `yaml:"height" json:"height"`
	Color  string `yaml:"color" json:"color"`   // gray or rgb
	Layout string `yaml:"layout" json:"layout"` // nhwc or nchw; "": nhwc unless only nchw fits the input
	Resize string `yaml:"resize" json:"resize"` // bilinear or nearest
	// Encoding is value (pixels are 0-255 levels: normalized, then
	// quantized with the input's parameters) or stored (the pixel bytes
	// are the tensor's elements, as TFLite Micro's person_detection
	// example feeds its int8 images).
	Encoding string `yaml:"encoding" json:"encoding"`
}

// QualityConfig rejects bad samples (NaN and Inf always are).
type QualityConfig struct {
	Min *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	// StuckSamples identical consecutive values on a channel are "stuck"
	// (0: off).
	StuckSamples int `yaml:"stuck_samples" json:"stuck_samples"`
}

// PostprocessConfig turns the model's output into a prediction.
type PostprocessConfig struct {
	// Kind is classification, regression, anomaly or raw.
	Kind   string `yaml:"kind" json:"kind"`
	Output int    `yaml:"output" json:"output"` // output tensor index
	TopK   int    `yaml:"top_k" json:"top_k"`
	// Threshold: classification's minimum score to report; anomaly's
	// alert level.
	Threshold float64 `yaml:"threshold" json:"threshold"`
}

// OTAConfig sets what over-the-air bundles are accepted.
type OTAConfig struct {
	// TrustedKeys are "ed25519:BASE64" public keys.
	TrustedKeys []string `yaml:"trusted_keys" json:"trusted_keys"`
	// RevokedKeys are key ids (16 hex digits, as `edgectl ota verify`
	// prints them) refused even when still listed as trusted.
	RevokedKeys    []string `yaml:"revoked_keys" json:"revoked_keys"`
	AllowDowngrade bool     `yaml:"allow_downgrade" json:"allow_downgrade"`
	MaxBundleBytes Size     `yaml:"max_bundle_bytes" json:"max_bundle_bytes"`
	// Health is the health gate a new model version, and a new agent
	// binary, must pass after the switch.
	Health HealthConfig `yaml:"health" json:"health"`
	// Agent sets how the agent replaces its own binary.
	Agent AgentUpdateConfig `yaml:"agent" json:"agent"`
	// Reprobe is how often the hardware is probed again, so that an
	// installed version with hardware-specific variants follows an
	// accelerator that disappears or appears (0: only at start and
	// reload).
	Reprobe Duration `yaml:"reprobe" json:"reprobe"`
}

// HealthConfig bounds a new version's behaviour during its trial window;
// a version outside the bounds is rolled back by the device itself.
type HealthConfig struct {
	// Window is how long a new version is on trial (0: no window; only
	// loading and the bundle's self-test gate it).
	Window Duration `yaml:"window" json:"window"`
	// MinCalls is how many inferences the error rate and latency need
	// before they are judged.
	MinCalls int `yaml:"min_calls" json:"min_calls"`
	// MaxErrorRate is the highest fraction of failed inferences allowed
	// (0 to 1; 1 disables the check).
	MaxErrorRate float64 `yaml:"max_error_rate" json:"max_error_rate"`
	// MaxLatency bounds the 95th percentile of inference times (0: off).
	MaxLatency Duration `yaml:"max_latency" json:"max_latency"`
	// MaxRestarts is how many agent starts a model version may see while
	// on trial; one more (a version that crashes the agent, say) rolls it
	// back.
	MaxRestarts int `yaml:"max_restarts" json:"max_restarts"`
}

// AgentUpdateConfig sets the agent's self-update (bundles of kind agent).
type AgentUpdateConfig struct {
	// Binary is the file replaced ("": the running executable).
	Binary string `yaml:"binary" json:"binary"`
	// MaxStarts is how many times a new binary may start without passing
	// the health window before the previous binary is restored.
	MaxStarts int `yaml:"max_starts" json:"max_starts"`
}
