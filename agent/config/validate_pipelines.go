package config

import (
	"fmt"
	"slices"
	"strings"
)

func (c *Config) checkPipelines(p *problems) {
	seen := map[string]bool{}
	for i := range c.Pipelines {
		q, at := &c.Pipelines[i], fmt.Sprintf("pipelines[%d]", i)
		checkName(p, at, q.Name, seen, "pipeline")
		s := c.Sensor(q.Sensor)
		if s == nil {
			p.add(at+".sensor", "no sensor named %q (sensors: %s)", q.Sensor, listNames(c.Sensors, func(s SensorConfig) string { return s.Name }))
		}
		if c.Model(q.Model) == nil {
			p.add(at+".model", "no model named %q (models: %s)", q.Model, listNames(c.Models, func(m ModelConfig) string { return m.Name }))
		}
		notNegative(p, at+".interval", q.Interval)
		if q.Queue < 1 || q.Queue > 100_000 {
			p.add(at+".queue", "must be between 1 and 100000, got %d", q.Queue)
		}
		checkPreprocess(p, at+".preprocess", &q.Preprocess, s)
		checkQuality(p, at+".quality", &q.Quality)
		post := q.Postprocess
		p.oneOf(at+".postprocess.kind", post.Kind, KindClassification, KindRegression, KindAnomaly, KindRaw)
		if post.Output < 0 || post.Output > 1023 {
			p.add(at+".postprocess.output", "must be an output tensor index (0 to 1023), got %d", post.Output)
		}
		if post.TopK < 1 || post.TopK > 1000 {
			p.add(at+".postprocess.top_k", "must be between 1 and 1000, got %d", post.TopK)
		}
		if !finite(post.Threshold) {
			p.add(at+".postprocess.threshold", "must be a finite number, got %v", post.Threshold)
		}
		p.oneOf(at+".publish", q.Publish, PublishAlways, PublishOnChange, PublishAboveThreshold)
		if q.Publish == PublishAboveThreshold && post.Kind == KindRaw {
			p.add(at+".publish", "above_threshold needs a classification, regression or anomaly postprocess, not raw")
		}
	}
}

// checkPreprocess checks a pipeline's preprocess against its sensor s (nil
// when the sensor does not exist: only the settings themselves are
// checked then).
func checkPreprocess(p *problems, at string, pre *PreprocessConfig, s *SensorConfig) {
	var data DataKind
	var known []string
	if s != nil {
		data, known = s.Data(), s.ChannelNames()
	}
	imageOK := data == DataImage || s != nil && s.Type == SensorSocket
	if pre.Image != nil && s != nil && !imageOK {
		p.add(at+".image", "applies only to image sources (file sensors with format images, socket sensors); sensor %q gives %s data", s.Name, data)
	}
	// A socket sensor with channels gives images when the pipeline says so.
	useImage := pre.Image != nil && imageOK
	timeSeries := data == DataTimeSeries && !useImage
	switch {
	case timeSeries && pre.Window == nil:
		p.add(at+".window", "required for time-series sensor %q (e.g. {size: 32, stride: 8})", s.Name)
	case !timeSeries && data != "" && pre.Window != nil:
		p.add(at+".window", "applies only to time-series sensors; sensor %q gives %s data", s.Name, dataWord(data, useImage))
	case !timeSeries && data != "" && len(pre.Channels) > 0:
		p.add(at+".channels", "applies only to time-series sensors; sensor %q gives %s data", s.Name, dataWord(data, useImage))
	}
	if w := pre.Window; w != nil {
		if w.Size < 1 || w.Size > 1_000_000 {
			p.add(at+".window.size", "must be between 1 and 1000000 samples, got %d", w.Size)
		}
		if w.Stride < 1 || w.Stride > 1_000_000 {
			p.add(at+".window.stride", "must be between 1 and 1000000 samples, got %d", w.Stride)
		}
	}
	seen := map[string]bool{}
	for i, ch := range pre.Channels {
		path := fmt.Sprintf("%s.channels[%d]", at, i)
		switch {
		case ch == "":
			p.add(path, "must not be empty")
		case seen[ch]:
			p.add(path, "channel %q is listed twice", ch)
		case known != nil && !slices.Contains(known, ch):
			p.add(path, "%q is not a channel of sensor %q (%s)", ch, s.Name, strings.Join(known, ", "))
		}
		seen[ch] = true
	}
	checkNormalize(p, at+".normalize", pre, known)
	if im := pre.Image; im != nil {
		if im.Width < 0 || im.Width > 16384 {
			p.add(at+".image.width", "must be between 0 (the model's) and 16384, got %d", im.Width)
		}
		if im.Height < 0 || im.Height > 16384 {
			p.add(at+".image.height", "must be between 0 (the model's) and 16384, got %d", im.Height)
		}
		if im.Color != "" {
			p.oneOf(at+".image.color", im.Color, ColorGray, ColorRGB)
		}
		if im.Layout != "" {
			p.oneOf(at+".image.layout", im.Layout, LayoutNHWC, LayoutNCHW)
		}
		p.oneOf(at+".image.resize", im.Resize, ResizeBilinear, ResizeNearest)
		p.oneOf(at+".image.encoding", im.Encoding, EncodingValue, EncodingStored)
	}
}

func dataWord(d DataKind, image bool) string {
	if image {
		return "image"
	}
	return string(d)
}

// checkNormalize checks mean and std: finite, std > 0, and one value or
// one per channel when the channel count is known.
func checkNormalize(p *problems, at string, pre *PreprocessConfig, known []string) {
	n := len(known)
	switch {
	case len(pre.Channels) > 0:
		n = len(pre.Channels)
	case pre.Image != nil && pre.Image.Color == ColorGray:
		n = 1
	case pre.Image != nil && pre.Image.Color == ColorRGB:
		n = 3
	case pre.Image != nil:
		n = 0
	}
	nm := pre.Normalize
	for _, l := range []struct {
		key  string
		vals []float64
	}{{"mean", nm.Mean}, {"std", nm.Std}} {
		if len(l.vals) > 1 && n > 0 && len(l.vals) != n {
			p.add(at+"."+l.key, "has %d values; want 1, or %d (one per channel)", len(l.vals), n)
		}
		for i, v := range l.vals {
			switch {
			case !finite(v):
				p.add(fmt.Sprintf("%s.%s[%d]", at, l.key, i), "must be a finite number, got %v", v)
			case l.key == "std" && v <= 0:
				p.add(fmt.Sprintf("%s.%s[%d]", at, l.key, i), "must be > 0 (values are divided by it), got %v", v)
			}
		}
	}
	if len(nm.Mean) > 1 && len(nm.Std) > 1 && len(nm.Mean) != len(nm.Std) {
		p.add(at, "mean has %d values and std %d; give 1 or the same number", len(nm.Mean), len(nm.Std))
	}
}

func checkQuality(p *problems, at string, q *QualityConfig) {
	if q.Min != nil && !finite(*q.Min) {
		p.add(at+".min", "must be a finite number, got %v", *q.Min)
	}
	if q.Max != nil && !finite(*q.Max) {
		p.add(at+".max", "must be a finite number, got %v", *q.Max)
	}
	if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		p.add(at+".min", "min %v is above max %v", *q.Min, *q.Max)
	}
	if q.StuckSamples < 0 {
		p.add(at+".stuck_samples", "must be >= 0 (0: off), got %d", q.StuckSamples)
	}
}

// listNames lists the names of items, or "none".
func listNames[T any](items []T, name func(T) string) string {
	if len(items) == 0 {
		return "none"
	}
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = name(it)
	}
	return strings.Join(names, ", ")
}
