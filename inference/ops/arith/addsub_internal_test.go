package arith

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// int8AddNode returns an INT8 ADD node of inputs shaped s1 and s2 on the
// given kernel path, with its tensors' memory allocated.
func int8AddNode(path gemm.Path, s1, s2, so []int) *ops.Node {
	mk := func(name string, shape []int, scale float32, zp int64) *tensor.Tensor {
		t := &tensor.Tensor{Name: name, Type: tensor.Int8, Shape: shape,
			Quant: &tensor.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}}
		t.Data = make([]byte, t.Bytes())
		return t
	}
	return &ops.Node{
		Op:      &model.Operator{Code: model.OpCode{Builtin: tflite.BuiltinOperatorADD}, OptionsType: tflite.BuiltinOptionsNONE},
		Inputs:  []*tensor.Tensor{mk("in1", s1, 0.05, -3), mk("in2", s2, 0.07, 10)},
		Outputs: []*tensor.Tensor{mk("out", so, 0.1, 5)},
		Kernels: path,
	}
}

// TestInt8SIMDHoldsNoTables checks the memory side of the SIMD kernels: a
// large INT8 ADD on a SIMD path prepares the vector kernel and neither the
// 64 KiB pair table nor the input tables, while the generic path (and a
// SIMD path on a broadcast the kernels do not take) keeps the tables.
func TestInt8SIMDHoldsNoTables(t *testing.T) {
	big := []int{1, 128, 256}
	for _, path := range gemm.Paths() {
		k := &Add{}
		if err := k.Prepare(int8AddNode(path, big, big, big)); err != nil {
			t.Fatalf("%s: Prepare: %v", path, err)
		}
		if path == gemm.Generic {
			if k.simd != nil || k.q.pair == nil || k.q.tab1 == nil {
				t.Errorf("generic: simd %v, pair table %v: want the tables", k.simd != nil, k.q.pair != nil)
			}
			continue
		}
		if k.simd == nil || k.simd.Path() != path || k.q.pair != nil || k.q.tab1 != nil || k.q.tab2 != nil {
			t.Errorf("%s: simd %v, pair table %v, input tables %v: want the %s kernel alone",
				path, k.simd != nil, k.q.pair != nil, k.q.tab1 != nil, path)
		}
		// A column broadcast (stride 0 innermost) stays on the tables.
		col := &Add{}
		if err := col.Prepare(int8AddNode(path, big, []int{1, 128, 1}, big)); err != nil {
			t.Fatalf("%s column: Prepare: %v", path, err)
		}
		if col.simd != nil || col.q.pair == nil {
			t.Errorf("%s column broadcast: simd %v, pair table %v: want the tables", path, col.simd != nil, col.q.pair != nil)
		}
	}
}

// TestInt8SIMDTakesExtremeScales checks that the vector kernels accept
// the parameters of extreme scale ratios: QuantizeMultiplier gives a zero
// multiplier (and shift) below 2^-32, so the right shifts never exceed 31
// and qadd.Params.Validate never sends Prepare back to the tables. (That
// the results equal the tables' is TestInt8PathsExtremeScales.)
func TestInt8SIMDTakesExtremeScales(t *testing.T) {
	shape := []int{1, 64}
	for _, scales := range [][3]float32{{1e-12, 1, 1}, {1, 3e-10, 1e-5}, {1e-4, 1e-4, 1e3}, {5e-10, 1, 2e-3}} {
		for _, path := range gemm.Paths() {
			if path == gemm.Generic {
				continue
			}
			n := int8AddNode(path, shape, shape, shape)
			n.Inputs[0].Quant.Scale[0], n.Inputs[1].Quant.Scale[0], n.Outputs[0].Quant.Scale[0] = scales[0], scales[1], scales[2]
			k := &Add{}
			if err := k.Prepare(n); err != nil {
				t.Fatalf("%s %v: Prepare: %v", path, scales, err)
			}
			if k.simd == nil {
				t.Errorf("%s %v: parameters %+v went to the tables", path, scales, k.q)
			}
		}
	}
}
