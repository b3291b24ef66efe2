package inference

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/edge-agent/edge-agent/inference/arena"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Report describes a model and, when it could be prepared, its memory plan.
// It is what `edge-agent model inspect --json` prints.
type Report struct {
	Path        string   `json:"path,omitempty"`
	SHA256      string   `json:"sha256,omitempty"`
	Bytes       int      `json:"bytes"`
	Version     uint32   `json:"schema_version"`
	Description string   `json:"description,omitempty"`
	Subgraphs   int      `json:"subgraphs"`
	Metadata    []string `json:"metadata,omitempty"`

	Inputs    []TensorReport   `json:"inputs"`
	Outputs   []TensorReport   `json:"outputs"`
	Operators []OperatorReport `json:"operators"`
	OpCounts  map[string]int   `json:"op_counts"`
	Tensors   []TensorReport   `json:"tensors"`

	// Runnable is false when the interpreter refused the model; Error says why.
	Runnable bool   `json:"runnable"`
	Error    string `json:"error,omitempty"`
	// ArenaBytes is the planned activation arena; PersistentBytes the state
	// of variable tensors; ConstantBytes the weights used in place from the file.
	ArenaBytes      int `json:"arena_bytes"`
	PersistentBytes int `json:"persistent_bytes"`
	ConstantBytes   int `json:"constant_bytes"`
	// ArenaLowerBound is the largest total size live at one operator.
	ArenaLowerBound int `json:"arena_lower_bound_bytes"`
}

// TensorReport describes one tensor.
type TensorReport struct {
	Index     int       `json:"index"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Shape     []int     `json:"shape"`
	Bytes     int       `json:"bytes"`
	Scale     []float32 `json:"scale,omitempty"`
	ZeroPoint []int64   `json:"zero_point,omitempty"`
	QuantDim  int       `json:"quantized_dimension,omitempty"`
	Constant  bool      `json:"constant,omitempty"`
	Variable  bool      `json:"variable,omitempty"`
}

// OperatorReport describes one operator.
type OperatorReport struct {
	Index   int    `json:"index"`
	Op      string `json:"op"`
	Inputs  []int  `json:"inputs"`
	Outputs []int  `json:"outputs"`
}

func tensorReport(t *model.Tensor) TensorReport {
	r := TensorReport{Index: t.Index, Name: t.Name, Type: t.Type.String(), Shape: t.Shape,
		Bytes: tensor.NumElements(t.Shape) * t.Type.Size(), Constant: t.Const(), Variable: t.IsVariable}
	if t.Quant != nil {
		r.Scale, r.ZeroPoint, r.QuantDim = t.Quant.Scale, t.Quant.ZeroPoint, t.Quant.Dim
	}
	return r
}

// Inspect describes m, whose file bytes are data (for the checksum; may be
// nil). It also tries to build an interpreter with opts to report the memory
// plan; a model the interpreter refuses is still described, with the reason.
func Inspect(m *model.Model, data []byte, opts Options) Report {
	r := Report{Bytes: m.Size, Version: m.Version, Description: m.Description,
		Subgraphs: len(m.Subgraphs), Metadata: m.Metadata, OpCounts: map[string]int{}}
	if data != nil {
		sum := sha256.Sum256(data)
		r.SHA256 = hex.EncodeToString(sum[:])
	}
	g := m.Subgraphs[0]
	for _, i := range g.Inputs {
		r.Inputs = append(r.Inputs, tensorReport(g.Tensors[i]))
	}
	for _, i := range g.Outputs {
		r.Outputs = append(r.Outputs, tensorReport(g.Tensors[i]))
	}
	for _, t := range g.Tensors {
		tr := tensorReport(t)
		r.Tensors = append(r.Tensors, tr)
		if tr.Constant {
			r.ConstantBytes += len(t.Data)
		}
	}
	for _, op := range g.Operators {
		r.Operators = append(r.Operators, OperatorReport{Index: op.Index, Op: op.Code.Name(), Inputs: op.Inputs, Outputs: op.Outputs})
		r.OpCounts[op.Code.Name()]++
	}
	it, err := New(m, opts)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer it.Close()
	r.Runnable = true
	r.ArenaBytes = it.ArenaSize()
	r.PersistentBytes = it.PersistentSize()
	reqs, _, _ := it.MemoryPlan()
	r.ArenaLowerBound = arena.LowerBound(reqs)
	return r
}
