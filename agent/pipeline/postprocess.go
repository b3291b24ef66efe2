package pipeline

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// outcome is what the publish decision looks at.
type outcome struct {
	top1      string    // classification: the reported top-1 label, "" when none reaches the threshold
	top1Score float64   // classification: the best score (NaN when every score is NaN)
	score     float64   // anomaly score
	anomaly   bool      // score >= threshold
	vals      []float64 // the dequantized output
}

// postprocessor turns the chosen output tensor into a prediction's Output
// and Top. Its buffers are reused; only the returned JSON and labels are
// new for each prediction.
type postprocessor struct {
	kind      string
	out       int
	topK      int
	threshold float64
	labels    []string // one per output element, "class_N" where the model has none
	f32       bool     // the output is float32: its values are written as float32
	mse       bool     // anomaly: score is the reconstruction error against the input
	vals      []float64
	input     []float64
	picked    []bool
	buf       []byte
	res       outcome
}

func newPostprocessor(p Post, out *tensor.Tensor, labels []string) *postprocessor {
	n := out.NumElements()
	pp := &postprocessor{
		kind: p.Kind, out: p.Output, topK: max(p.TopK, 1), threshold: p.Threshold,
		f32:  out.Type == tensor.Float32,
		vals: make([]float64, n), picked: make([]bool, n),
	}
	if pp.kind == KindClassification {
		pp.labels = make([]string, n)
		for i := range pp.labels {
			if i < len(labels) && labels[i] != "" {
				pp.labels[i] = labels[i]
			} else {
				pp.labels[i] = "class_" + strconv.Itoa(i)
			}
		}
	}
	return pp
}

// readInput keeps the model's input as real values, for the anomaly
// reconstruction error (called after the input is filled, before Invoke,
// which may reuse the input's memory).
func (pp *postprocessor) readInput(in *tensor.Tensor) {
	if pp.mse {
		dequantizeInto(in, pp.input)
	}
}

// read dequantizes the output and computes the outcome.
func (pp *postprocessor) read(out *tensor.Tensor) {
	dequantizeInto(out, pp.vals)
	pp.res = outcome{vals: pp.vals, top1Score: math.NaN()}
	switch pp.kind {
	case KindClassification:
		if best := pp.argmax(); best >= 0 {
			pp.res.top1Score = pp.vals[best]
			if pp.vals[best] >= pp.threshold {
				pp.res.top1 = pp.labels[best]
			}
		}
	case KindAnomaly:
		s := pp.vals[0]
		if pp.mse {
			var sum float64
			for i, v := range pp.vals {
				d := v - pp.input[i]
				sum += d * d
			}
			s = sum / float64(len(pp.vals))
		}
		pp.res.score, pp.res.anomaly = s, s >= pp.threshold
	}
}

// argmax returns the index of the highest non-NaN value (the first of
// equals), or -1.
func (pp *postprocessor) argmax() int {
	best := -1
	for i, v := range pp.vals {
		if !math.IsNaN(v) && (best < 0 || v > pp.vals[best]) {
			best = i
		}
	}
	return best
}

// top returns up to topK labels scoring at least the threshold, best
// first (classification only; nil otherwise or when none qualifies).
func (pp *postprocessor) top() []wire.Label {
	if pp.kind != KindClassification {
		return nil
	}
	clear(pp.picked)
	var top []wire.Label
	for range min(pp.topK, len(pp.vals)) {
		best := -1
		for i, v := range pp.vals {
			if !pp.picked[i] && !math.IsNaN(v) && (best < 0 || v > pp.vals[best]) {
				best = i
			}
		}
		if best < 0 || pp.vals[best] < pp.threshold {
			break
		}
		pp.picked[best] = true
		if top == nil {
			top = make([]wire.Label, 0, min(pp.topK, len(pp.vals)))
		}
		top = append(top, wire.Label{Label: pp.labels[best], Score: pp.vals[best]})
	}
	return top
}

// output returns the prediction's Output JSON: the vector, or the anomaly
// object. Non-finite numbers are written as null.
func (pp *postprocessor) output() json.RawMessage {
	b := pp.buf[:0]
	if pp.kind == KindAnomaly {
		b = append(b, `{"score":`...)
		b = pp.number(b, pp.res.score, false)
		b = append(b, `,"anomaly":`...)
		b = strconv.AppendBool(b, pp.res.anomaly)
		b = append(b, '}')
	} else {
		b = append(b, '[')
		for i, v := range pp.vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = pp.number(b, v, pp.f32)
		}
		b = append(b, ']')
	}
	pp.buf = b
	return json.RawMessage(append([]byte(nil), b...))
}

// number appends v as a JSON number (the shortest form that reads back as
// the same float32 when f32), or null when it is not finite.
func (pp *postprocessor) number(b []byte, v float64, f32 bool) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	bits := 64
	if f32 {
		bits = 32
	}
	return strconv.AppendFloat(b, v, 'g', -1, bits)
}
