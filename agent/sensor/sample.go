// Package sensor reads the device's inputs: simulated signals, replayed
// files, Linux Industrial I/O devices, samples pushed by apps over the local
// socket, and MQTT topics. Each source is a Sensor that emits Samples until
// its context ends.
package sensor

import (
	"context"
	"image"
	"time"
)

// Sample is one reading of a sensor. A time-series source fills Values
// (one value per channel, in the sensor's channel order); an image source
// fills Image; a raw-tensor source fills Raw (little-endian bytes of one
// whole model input). Exactly one of them is set.
type Sample struct {
	TS     time.Time
	Values []float32
	Image  image.Image
	Raw    []byte
	// Truth is an optional label a simulated or replayed source knows
	// (e.g. the simulated motion); it is carried for logs and tests only.
	Truth string
}

// Sensor is one configured input. Run emits samples in order until ctx is
// done (returning nil or ctx.Err()) or the source ends (a file played once:
// it returns nil) or fails (an error naming the sensor and the cause). emit
// must not block for long: pipelines queue what they receive.
type Sensor interface {
	Name() string
	// Channels names the values of a time-series sample (e.g. "x","y","z");
	// nil for image and raw sources.
	Channels() []string
	Run(ctx context.Context, emit func(Sample)) error
}
