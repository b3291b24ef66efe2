package pipeline

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// source turns samples into model inputs: it checks and keeps samples
// (take), says when an input is due, and writes it (fill).
type source interface {
	// take checks s and keeps what the next input needs; it returns the
	// reason for rejecting s, or "".
	take(s sensor.Sample) string
	// due reports whether a new input is ready (package comment: with
	// interval false, per stride or frame; with it true, anything new).
	due(interval bool) bool
	// fill writes the input into t (checked against the model at New) and
	// returns the timestamp of its newest sample.
	fill(t *tensor.Tensor) time.Time
	// discard drops the due input without writing it (the model could not
	// be run).
	discard()
}

// series is the source of a time-series sensor: quality, normalization
// and the window.
type series struct {
	inputs int   // values per sample (the sensor's channels)
	sel    []int // the used channels' indices into a sample's values
	vals   []float32
	q      quality
	norm   normalizer
	w      window
	quant  quantizer
}

func (s *series) take(smp sensor.Sample) string {
	reason := s.check(smp)
	if reason != "" {
		s.w.reset()
	}
	return reason
}

func (s *series) check(smp sensor.Sample) string {
	switch {
	case len(smp.Values) == 0 && smp.Image == nil && smp.Raw == nil:
		return ReasonNoChannels
	case len(smp.Values) != s.inputs:
		return ReasonBadShape
	}
	for i, c := range s.sel {
		s.vals[i] = smp.Values[c]
	}
	if r := s.q.check(s.vals); r != "" {
		return r
	}
	if !s.norm.apply(s.w.slot(), s.vals) {
		return ReasonOutOfRange
	}
	s.w.push(smp.TS)
	return ""
}

func (s *series) due(interval bool) bool { return s.w.due(interval) }

func (s *series) discard() { s.w.take() }

func (s *series) fill(t *tensor.Tensor) time.Time {
	a, b, ts := s.w.take()
	s.quant.fill(t, 0, a)
	s.quant.fill(t, len(a), b)
	return ts
}

// frames is the source of an image or raw-tensor sensor: it keeps the
// newest accepted frame until it is filled into the input.
type frames struct {
	img      *imageFiller // nil when the model input is not an image
	rawBytes int          // the input's size in bytes
	rawFloat bool         // raw frames are float32 (checked for NaN and Inf)
	pending  sensor.Sample
	fresh    bool
}

func (f *frames) take(s sensor.Sample) string {
	switch {
	case s.Image != nil:
		if f.img == nil {
			return ReasonBadShape
		}
		if _, _, ok := imageSize(s.Image); !ok {
			return ReasonBadShape
		}
	case s.Raw != nil:
		if len(s.Raw) != f.rawBytes {
			return ReasonBadShape
		}
		if f.rawFloat {
			if r := checkFloats(s.Raw); r != "" {
				return r
			}
		}
	case len(s.Values) > 0:
		return ReasonBadShape
	default:
		return ReasonNoChannels
	}
	f.pending, f.fresh = s, true
	return ""
}

// checkFloats returns "nan" or "inf" when little-endian float32 bytes hold
// one, else "".
func checkFloats(b []byte) string {
	reason := ""
	for i := 0; i+4 <= len(b); i += 4 {
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
		if math.IsNaN(v) {
			return ReasonNaN
		}
		if math.IsInf(v, 0) {
			reason = ReasonInf
		}
	}
	return reason
}

func (f *frames) due(bool) bool { return f.fresh }

func (f *frames) discard() { f.pending, f.fresh = sensor.Sample{}, false }

func (f *frames) fill(t *tensor.Tensor) time.Time {
	s := f.pending
	f.pending, f.fresh = sensor.Sample{}, false // release the frame
	if s.Image != nil {
		f.img.fill(t, s.Image)
	} else {
		copy(t.Data, s.Raw)
	}
	return s.TS
}
