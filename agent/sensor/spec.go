package sensor

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// The sensor types that New builds.
const (
	TypeSimulated = "simulated"
	TypeFile      = "file"
	TypeIIO       = "iio"
	TypeSocket    = "socket"
	TypeMQTT      = "mqtt"
)

// DefaultRate is the rate, in Hz, of a simulated or IIO sensor configured
// without one.
const DefaultRate = 50

// Spec describes one sensor: the configuration's sensors entry, mapped by
// the caller. Only the options of the sensor's Type are read.
type Spec struct {
	// Name identifies the sensor in pipelines, logs, errors and MQTT
	// client ids. It must not be empty.
	Name string
	// Type is TypeSimulated, TypeFile, TypeIIO, TypeSocket or TypeMQTT.
	Type string
	// Rate is samples per second: the simulated signal's sample rate
	// (DefaultRate when 0), the replay pace of a file (0 = as fast as the
	// consumer takes; a WAV file's own sample rate when 0), the IIO
	// polling rate (DefaultRate when 0). Socket and MQTT sensors emit what
	// they receive and ignore it.
	Rate float64
	// Fast makes simulated and file sensors emit without waiting between
	// samples, as fast as the consumer takes them (tests, benchmarks and
	// `--fast`). The simulated signal is still computed at Rate.
	Fast bool
	// Clock stamps the samples that carry no time of their own; nil means
	// time.Now.
	Clock func() time.Time

	// Simulated configures a TypeSimulated sensor.
	Simulated SimulatedOptions
	// File configures a TypeFile sensor.
	File FileOptions
	// IIO configures a TypeIIO sensor.
	IIO IIOOptions
	// Socket configures a TypeSocket sensor (a *Push).
	Socket PushOptions
	// MQTT configures a TypeMQTT sensor.
	MQTT MQTTOptions
}

// New checks spec and builds its sensor: a *Simulated, *File, *IIO, *Push
// or *MQTT. Errors name the sensor and what is wrong. A nil logger
// discards the sensor's logs.
func New(spec Spec, logger *slog.Logger) (Sensor, error) {
	if spec.Name == "" {
		return nil, errors.New("sensor: the name is empty")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("sensor", spec.Name)
	if math.IsNaN(spec.Rate) || math.IsInf(spec.Rate, 0) || spec.Rate < 0 {
		return nil, fmt.Errorf("sensor %q: rate %v: want a finite number of samples per second >= 0", spec.Name, spec.Rate)
	}
	if spec.Clock == nil {
		spec.Clock = time.Now
	}
	var (
		s   Sensor
		err error
	)
	switch spec.Type {
	case TypeSimulated:
		s, err = newSimulated(spec)
	case TypeFile:
		s, err = newFile(spec, logger)
	case TypeIIO:
		s, err = newIIO(spec, logger)
	case TypeSocket:
		s, err = newPush(spec)
	case TypeMQTT:
		s, err = newMQTT(spec, logger)
	default:
		err = fmt.Errorf("unknown type %q (want %s, %s, %s, %s or %s)", spec.Type,
			TypeSimulated, TypeFile, TypeIIO, TypeSocket, TypeMQTT)
	}
	if err != nil {
		return nil, fmt.Errorf("sensor %q: %w", spec.Name, err)
	}
	return s, nil
}

// indexedNames returns prefix0, prefix1, ... prefix(n-1).
func indexedNames(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return names
}

// checkChannelNames refuses empty and repeated channel names.
func checkChannelNames(names []string) error {
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		if n == "" {
			return fmt.Errorf("channel %d has an empty name", i)
		}
		if seen[n] {
			return fmt.Errorf("channel %q is listed twice", n)
		}
		seen[n] = true
	}
	return nil
}
