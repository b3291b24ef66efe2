package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/edge-agent/edge-agent/inference/tensor"
)

// New checks o against the model's tensors now and returns a pipeline
// ready to Run. Errors name the pipeline and what is wrong.
func New(o Options) (*Pipeline, error) {
	p, err := build(o)
	if err != nil {
		return nil, fmt.Errorf("pipeline %q: %w", o.Name, err)
	}
	return p, nil
}

func build(o Options) (*Pipeline, error) {
	switch {
	case o.Name == "":
		return nil, errors.New("name is empty")
	case o.Model == nil:
		return nil, errors.New("no model")
	case o.Sink == nil:
		return nil, errors.New("no sink")
	case o.Interval < 0:
		return nil, fmt.Errorf("interval %v is negative", o.Interval)
	case o.Queue < 0:
		return nil, fmt.Errorf("queue %d is negative", o.Queue)
	}
	if o.Queue == 0 {
		o.Queue = DefaultQueueLen
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch o.Publish {
	case "":
		o.Publish = PublishAlways
	case PublishAlways, PublishOnChange, PublishAboveThreshold:
	default:
		return nil, fmt.Errorf("publish %q is not one of %q, %q, %q", o.Publish, PublishAlways, PublishOnChange, PublishAboveThreshold)
	}
	in, out, err := modelTensors(o.Model, o.Post.Output)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", o.Model.Meta().Name, err)
	}
	labels := o.Model.Labels()
	if err := checkPost(&o.Post, &in, &out, labels); err != nil {
		return nil, err
	}
	p := &Pipeline{
		o: o, now: o.Now, interval: o.Interval > 0, in: in, out: out,
		log:    o.Logger.With("pipeline", o.Name, "sensor", o.Sensor),
		q:      newQueue(o.Queue),
		c:      newCounters(),
		post:   newPostprocessor(o.Post, &out, labels),
		pub:    newPublisher(o.Publish, o.Post.Kind, o.Post.Threshold, out.NumElements()),
		ticker: realTicker,
	}
	p.rl = newRateLog(p.log, o.Now)
	p.runFn = p.eval
	if o.Post.Kind == KindAnomaly && out.NumElements() > 1 {
		p.post.mse, p.post.input = true, make([]float64, in.NumElements())
	}
	if len(o.Channels) > 0 {
		p.src, err = newSeries(&o, &in)
	} else {
		p.src, err = newFrames(&o, &in)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// newSeries builds the source of a time-series sensor.
func newSeries(o *Options, in *tensor.Tensor) (*series, error) {
	if !o.Image.IsZero() {
		return nil, fmt.Errorf("image settings given, but sensor %q has channels %q (a time series)", o.Sensor, o.Channels)
	}
	if o.Window.Size < 0 || o.Window.Stride < 0 {
		return nil, fmt.Errorf("window size %d and stride %d must not be negative", o.Window.Size, o.Window.Stride)
	}
	sel, err := selection(o.Channels, o.Select)
	if err != nil {
		return nil, err
	}
	size, err := windowSize(in, o.Window.Size, len(sel))
	if err != nil {
		return nil, err
	}
	quant, err := quantizerFor(in)
	if err != nil {
		return nil, fmt.Errorf("model input: %w", err)
	}
	norm, err := newNormalizer(o.Normalize, len(sel))
	if err != nil {
		return nil, err
	}
	q, err := newQuality(o.Quality, len(sel))
	if err != nil {
		return nil, err
	}
	return &series{
		inputs: len(o.Channels), sel: sel, vals: make([]float32, len(sel)),
		q: q, norm: norm, w: newWindow(size, o.Window.Stride, len(sel)), quant: quant,
	}, nil
}

// newFrames builds the source of an image or raw-tensor sensor.
func newFrames(o *Options, in *tensor.Tensor) (*frames, error) {
	switch {
	case o.Select != nil:
		return nil, fmt.Errorf("select %q needs a sensor with channels; sensor %q has none", o.Select, o.Sensor)
	case o.Window != Window{}:
		return nil, fmt.Errorf("window settings need a sensor with channels; sensor %q has none (an image or raw source)", o.Sensor)
	case o.Quality.Min != nil || o.Quality.Max != nil || o.Quality.StuckSamples != 0:
		return nil, fmt.Errorf("quality bounds and stuck_samples apply to sensors with channels; sensor %q has none", o.Sensor)
	}
	f := &frames{rawBytes: in.Bytes(), rawFloat: in.Type == tensor.Float32}
	if f.rawBytes == 0 {
		return nil, fmt.Errorf("model input %s has a type a pipeline cannot fill", in)
	}
	spec, err := imageSpecFor(in, o.Image)
	if err != nil {
		if !o.Image.IsZero() {
			return nil, err
		}
		// Not an image: raw tensors only.
		if len(o.Normalize.Mean)+len(o.Normalize.Std) > 0 {
			return nil, fmt.Errorf("normalize applies to time series and images; model input %s takes raw tensors, fed as they are", in)
		}
		return f, nil
	}
	var q quantizer
	var norm normalizer
	if spec.stored {
		if len(o.Normalize.Mean)+len(o.Normalize.Std) > 0 {
			return nil, fmt.Errorf("normalize cannot apply to images with encoding %q (pixels are the tensor's elements)", EncodingStored)
		}
		q = stored(in.Type)
	} else {
		if q, err = quantizerFor(in); err != nil {
			if !o.Image.IsZero() {
				return nil, fmt.Errorf("model input: %w", err)
			}
			return f, nil // raw tensors only
		}
		if norm, err = newNormalizer(o.Normalize, spec.c); err != nil {
			return nil, err
		}
		for c := range spec.c { // the extreme levels must normalize to finite float32s
			for _, v := range []float32{0, 255} {
				if r := norm.one(v, c); !finite(r) {
					return nil, fmt.Errorf("normalize: level %v of channel %d normalizes to %v", v, c, r)
				}
			}
		}
	}
	f.img = newImageFiller(spec, norm, q)
	return f, nil
}
