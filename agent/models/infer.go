package models

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// ErrBadInput is wrapped by errors about a request's inputs (wrong count,
// size or type), as opposed to failures of the model itself.
var ErrBadInput = errors.New("bad input")

// Infer runs one inference on the request's inputs: real numbers (quantized
// with each input tensor's own parameters) or raw little-endian bytes.
func (m *Model) Infer(req api.InferRequest) (api.InferResponse, error) {
	if len(req.Inputs) > 0 && len(req.RawInputs) > 0 {
		return api.InferResponse{}, fmt.Errorf("%w: give inputs or raw_inputs, not both", ErrBadInput)
	}
	var resp api.InferResponse
	err := m.Run(func(it *inference.Interpreter) error {
		ins := it.Inputs()
		n := len(req.Inputs) + len(req.RawInputs)
		if n != len(ins) {
			return fmt.Errorf("%w: model %s takes %d inputs, the request has %d", ErrBadInput, m.meta.Name, len(ins), n)
		}
		for i, t := range ins {
			if len(req.RawInputs) > 0 {
				if len(req.RawInputs[i]) != len(t.Data) {
					return fmt.Errorf("%w: input %d (%s %s %v) takes %d bytes, got %d", ErrBadInput, i, t.Name, t.Type, t.Shape, len(t.Data), len(req.RawInputs[i]))
				}
				copy(t.Data, req.RawInputs[i])
				continue
			}
			if err := fillReal(t, req.Inputs[i]); err != nil {
				return fmt.Errorf("%w: input %d (%s): %v", ErrBadInput, i, t.Name, err)
			}
		}
		start := time.Now()
		if err := it.Invoke(); err != nil {
			return fmt.Errorf("model %s: %w", m.meta.Name, err)
		}
		resp.LatencyUS = time.Since(start).Microseconds()
		for _, t := range it.Outputs() {
			vals, err := realValues(t)
			if err != nil {
				return fmt.Errorf("model %s: output %s: %w", m.meta.Name, t.Name, err)
			}
			resp.Outputs = append(resp.Outputs, api.Output{Tensor: describe(t), Values: vals, Raw: append([]byte(nil), t.Data...)})
		}
		return nil
	})
	if err != nil {
		return api.InferResponse{}, err
	}
	resp.Model = m.meta
	if len(m.labels) > 0 && len(resp.Outputs) > 0 {
		resp.Top = TopK(resp.Outputs[0].Values, m.labels, 5)
	}
	return resp, nil
}

// TopK returns the k highest scores with their labels, best first.
func TopK(scores []float64, labels []string, k int) []wire.Label {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	if k > len(idx) {
		k = len(idx)
	}
	out := make([]wire.Label, 0, k)
	for _, i := range idx[:k] {
		name := fmt.Sprintf("class_%d", i)
		if i < len(labels) {
			name = labels[i]
		}
		out = append(out, wire.Label{Label: name, Score: scores[i]})
	}
	return out
}

// fillReal writes real values into t, quantizing them with t's parameters.
func fillReal(t *tensor.Tensor, v []float64) error {
	if len(v) != t.NumElements() {
		return fmt.Errorf("takes %d values (%s %v), got %d", t.NumElements(), t.Type, t.Shape, len(v))
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("value %d is %v", i, x)
		}
	}
	scale, zp := float64(t.Scale()), float64(t.ZeroPoint())
	if t.Type != tensor.Float32 && t.Type != tensor.Float64 && (t.Quant == nil || !t.Quant.PerTensor()) {
		return fmt.Errorf("%s input without per-tensor quantization takes raw_inputs", t.Type)
	}
	q := func(x, lo, hi float64) float64 {
		r := math.Round(x/scale) + zp // math.Round rounds half away from zero, as TFLite does
		return math.Max(lo, math.Min(hi, r))
	}
	switch t.Type {
	case tensor.Float32:
		d := t.Float32()
		for i, x := range v {
			d[i] = float32(x)
		}
	case tensor.Float64:
		copy(t.Float64(), v)
	case tensor.Int8:
		d := t.Int8()
		for i, x := range v {
			d[i] = int8(q(x, math.MinInt8, math.MaxInt8))
		}
	case tensor.Uint8:
		d := t.Uint8()
		for i, x := range v {
			d[i] = uint8(q(x, 0, math.MaxUint8))
		}
	case tensor.Int16:
		d := t.Int16()
		for i, x := range v {
			d[i] = int16(q(x, math.MinInt16, math.MaxInt16))
		}
	case tensor.Int32:
		d := t.Int32()
		for i, x := range v {
			d[i] = int32(q(x, math.MinInt32, math.MaxInt32))
		}
	default:
		return fmt.Errorf("%s inputs take raw_inputs", t.Type)
	}
	return nil
}

// realValues returns t's values as real numbers (dequantized when t is
// quantized per tensor).
func realValues(t *tensor.Tensor) ([]float64, error) {
	out := make([]float64, t.NumElements())
	scale, zp := 1.0, 0.0
	if t.Quant != nil && t.Quant.PerTensor() {
		scale, zp = float64(t.Scale()), float64(t.ZeroPoint())
	}
	deq := func(q float64) float64 { return scale * (q - zp) }
	switch t.Type {
	case tensor.Float32:
		for i, x := range t.Float32() {
			out[i] = float64(x)
		}
	case tensor.Float64:
		copy(out, t.Float64())
	case tensor.Int8:
		for i, x := range t.Int8() {
			out[i] = deq(float64(x))
		}
	case tensor.Uint8:
		for i, x := range t.Uint8() {
			out[i] = deq(float64(x))
		}
	case tensor.Int16:
		for i, x := range t.Int16() {
			out[i] = deq(float64(x))
		}
	case tensor.Int32:
		for i, x := range t.Int32() {
			out[i] = deq(float64(x))
		}
	case tensor.Int64:
		for i, x := range t.Int64() {
			out[i] = deq(float64(x))
		}
	case tensor.Bool:
		for i, x := range t.Bool() {
			if x {
				out[i] = 1
			}
		}
	default:
		return nil, fmt.Errorf("%s outputs are not supported by the local API", t.Type)
	}
	for i, x := range out {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			out[i] = 0 // JSON has no NaN; raw keeps the exact bytes
		}
	}
	return out, nil
}
