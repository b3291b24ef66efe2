package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// Model is what a pipeline runs; the agent's model registry implements it.
type Model interface {
	// Meta names the model (name, version, sha256) for prediction records.
	Meta() wire.Model
	// Labels names the classes of a classifier's output, in order.
	Labels() []string
	// Run locks the interpreter, calls fn (which fills the inputs, calls
	// it.Invoke and reads the outputs) and unlocks; it returns fn's error.
	Run(fn func(it *inference.Interpreter) error) error
}

// Sink stores a published prediction (in the outbox) and returns its seq.
// The prediction's Seq is 0.
type Sink func(ctx context.Context, p wire.Prediction) (seq uint64, err error)

// Postprocessing kinds (Post.Kind).
const (
	KindClassification = "classification"
	KindRegression     = "regression"
	KindAnomaly        = "anomaly"
	KindRaw            = "raw"
)

// Publish policies (Options.Publish).
const (
	PublishAlways         = "always"
	PublishOnChange       = "on_change"
	PublishAboveThreshold = "above_threshold"
)

// Image settings' values.
const (
	ColorGray      = "gray"
	ColorRGB       = "rgb"
	LayoutNHWC     = "nhwc"
	LayoutNCHW     = "nchw"
	ResizeBilinear = "bilinear"
	ResizeNearest  = "nearest"
	EncodingValue  = "value"
	EncodingStored = "stored"
)

// DefaultQueueLen is the queue bound when Options.Queue is 0.
const DefaultQueueLen = 16

// MaxImagePixels is the largest source image (width × height) a pipeline
// takes; a larger one is rejected as "bad_shape" rather than converted.
const MaxImagePixels = 1 << 25

// Window configures time-series windows.
type Window struct {
	// Size is the number of samples per window; 0 takes it from the model
	// input's shape.
	Size int
	// Stride is the number of new samples between inferences when Interval
	// is 0; 0 means Size.
	Stride int
}

// Normalize maps values to real = (v - Mean) / Std. Each list holds one
// value for every channel or one per channel (of Select, or of the image's
// colour channels); empty lists leave the values as they are.
type Normalize struct {
	Mean, Std []float64
}

// Image configures image preprocessing. Every field may be left empty.
type Image struct {
	// Width and Height must match the model input's when set; 0 takes them
	// from the input's shape.
	Width, Height int
	// Color is ColorGray or ColorRGB; "" follows the input's channel count.
	Color string
	// Layout is LayoutNHWC or LayoutNCHW; "" picks NHWC unless only NCHW
	// fits the input's shape.
	Layout string
	// Resize is ResizeBilinear (the default) or ResizeNearest.
	Resize string
	// Encoding is EncodingValue (default) or EncodingStored (the package
	// comment explains both).
	Encoding string
}

// IsZero reports whether no image setting is given.
func (im Image) IsZero() bool { return im == Image{} }

// Quality configures the data-quality checks of time-series samples (NaN
// and Inf are always rejected).
type Quality struct {
	Min, Max *float64 // optional bounds, inclusive
	// StuckSamples is the number of identical consecutive values on a
	// channel that makes it stuck (0: off; 1 is refused, as it would
	// reject every sample).
	StuckSamples int
}

// Post configures postprocessing.
type Post struct {
	Kind      string  // KindClassification (default), KindRegression, KindAnomaly or KindRaw
	Output    int     // the output tensor's index
	TopK      int     // classification: labels reported; 0 means 1
	Threshold float64 // classification: minimum score reported; anomaly: alert level; on_change: regression step
}

// Options configure a pipeline. The agent maps one `pipelines` entry of
// the configuration onto them.
type Options struct {
	Name   string // the pipeline's name, in records and logs
	Sensor string // the sensor's name, for logs and errors
	// Channels are the sensor's channel names; nil (or empty) for image
	// and raw sources.
	Channels []string
	// Model is the model run on each input.
	Model Model
	// Interval 0 infers on each window or frame; > 0 infers every Interval
	// on the latest complete window or frame, skipping when nothing is new.
	Interval time.Duration
	// Queue bounds the samples waiting to be processed (0: DefaultQueueLen);
	// a full queue drops its oldest sample.
	Queue int
	// Window sets the time-series window (time series only).
	Window Window
	// Select picks and orders the channels fed to the model (time series
	// only; nil: all, in the sensor's order).
	Select []string
	// Normalize maps values (time series) or 8-bit levels (images, value
	// encoding) to the model's real input values.
	Normalize Normalize
	// Image sets image preprocessing (frame sources only).
	Image Image
	// Quality sets the data-quality checks (time series only).
	Quality Quality
	// Post sets postprocessing.
	Post Post
	// Publish is PublishAlways (default), PublishOnChange or
	// PublishAboveThreshold.
	Publish string
	// Sink stores published predictions; required.
	Sink Sink
	// OnInference is called after each inference with its duration (the
	// Invoke call alone); it may be nil.
	OnInference func(d time.Duration)
	// Logger receives the pipeline's (rate-limited) warnings; nil discards
	// them.
	Logger *slog.Logger
	// Now is the clock of queue waits, stalls, log rate limits and
	// timestamps of samples offered without one; nil means time.Now.
	// Inference durations always use the monotonic clock.
	Now func() time.Time
}
