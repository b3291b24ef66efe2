package config

// The values of the enumerated keys.
const (
	LevelDebug = "debug"
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"

	LogText = "text"
	LogJSON = "json"

	// BrokerEmbedded as mqtt.broker starts an in-process broker.
	BrokerEmbedded = "embedded"

	PolicyDropOldest = "drop_oldest"
	PolicyRejectNew  = "reject_new"

	SignalMotion = "motion"
	SignalSine   = "sine"
	SignalNoise  = "noise"

	AnomalySpike   = "spike"
	AnomalyNaN     = "nan"
	AnomalyInf     = "inf"
	AnomalyStuck   = "stuck"
	AnomalyOffset  = "offset"
	AnomalyDropout = "dropout"

	FormatCSV    = "csv"
	FormatWAV    = "wav"
	FormatImages = "images"
	FormatRaw    = "raw"

	ColorGray = "gray"
	ColorRGB  = "rgb"

	LayoutNHWC = "nhwc"
	LayoutNCHW = "nchw"

	ResizeBilinear = "bilinear"
	ResizeNearest  = "nearest"
	EncodingValue  = "value"
	EncodingStored = "stored"

	KindClassification = "classification"
	KindRegression     = "regression"
	KindAnomaly        = "anomaly"
	KindRaw            = "raw"

	PublishAlways         = "always"
	PublishOnChange       = "on_change"
	PublishAboveThreshold = "above_threshold"
)

// MotionChannels are the channels of a simulated motion sensor.
func MotionChannels() []string { return []string{"x", "y", "z"} }

// nameChar reports whether r may appear in a name: [A-Za-z0-9._-].
func nameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// ValidName reports whether s may name a model, sensor, pipeline or
// channel: 1 to 64 characters from [A-Za-z0-9._-].
func ValidName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !nameChar(r) {
			return false
		}
	}
	return true
}
