package models

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/pipeline"
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
			vals, err := pipeline.DequantizeTensor(t, nil)
			if err != nil {
				return fmt.Errorf("model %s: output %s: %w", m.meta.Name, t.Name, err)
			}
			resp.Outputs = append(resp.Outputs, api.Output{Tensor: describe(t), Values: api.Values(vals), Raw: append([]byte(nil), t.Data...)})
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

// fillReal writes real values into t, quantizing them with t's own
// parameters as TFLite's reference Quantize does.
func fillReal(t *tensor.Tensor, v []float64) error {
	if len(v) != t.NumElements() {
		return fmt.Errorf("takes %d values (%s %v), got %d", t.NumElements(), t.Type, t.Shape, len(v))
	}
	f := make([]float32, len(v))
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > math.MaxFloat32 {
			return fmt.Errorf("value %d is %v: not a finite float32", i, x)
		}
		f[i] = float32(x)
	}
	return pipeline.FillTensor(t, 0, f)
}

// DequantizeOutput reads raw as the bytes of output i (the model's type
// and quantization) and returns its real values.
func (m *Model) DequantizeOutput(i int, raw []byte) ([]float64, error) {
	var out []float64
	err := m.Run(func(it *inference.Interpreter) error {
		if i < 0 || i >= len(it.Outputs()) {
			return fmt.Errorf("model %s has no output %d", m.meta.Name, i)
		}
		t := *it.Output(i)
		if len(raw) != len(t.Data) {
			return fmt.Errorf("output %d takes %d bytes, got %d", i, len(t.Data), len(raw))
		}
		t.Data = raw
		var err error
		out, err = pipeline.DequantizeTensor(&t, nil)
		return err
	})
	return out, err
}
