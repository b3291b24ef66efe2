package arith

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// floatNode returns a FLOAT32 node of the given operator (no options: no
// fused activation) with inputs shaped s1 and s2, on a kernel path.
func floatNode(code tflite.BuiltinOperator, path gemm.Path, s1, s2, so []int) *ops.Node {
	mk := func(name string, shape []int) *tensor.Tensor {
		t := &tensor.Tensor{Name: name, Type: tensor.Float32, Shape: shape}
		t.Data = make([]byte, t.Bytes())
		return t
	}
	return &ops.Node{
		Op:      &model.Operator{Code: model.OpCode{Builtin: code}, OptionsType: tflite.BuiltinOptionsNONE},
		Inputs:  []*tensor.Tensor{mk("in1", s1), mk("in2", s2)},
		Outputs: []*tensor.Tensor{mk("out", so)},
		Kernels: path,
	}
}

// TestFloatTakesVectorKernel checks when FLOAT32 ADD, SUB, MUL, MAXIMUM
// and MINIMUM take the vector kernel: on every SIMD path for equal shapes,
// a repeated row and a broadcast scalar or column, as long as the
// innermost dimension has floatRunMin elements; never on the generic path
// (nor with no path named).
func TestFloatTakesVectorKernel(t *testing.T) {
	shapes := []struct {
		s1, s2, so []int
		vector     bool
	}{
		{[]int{4, 33}, []int{4, 33}, []int{4, 33}, true},
		{[]int{4, 33}, []int{33}, []int{4, 33}, true},
		{[]int{1}, []int{4, 33}, []int{4, 33}, true},
		{[]int{4, 33}, []int{4, 1}, []int{4, 33}, true},
		{[]int{40, 3}, []int{40, 3}, []int{40, 3}, true}, // fused into one run of 120
		{[]int{40, 3}, []int{3}, []int{40, 3}, false},
		{[]int{2, 7}, []int{2, 1}, []int{2, 7}, false},
	}
	kernels := map[tflite.BuiltinOperator]func() ops.Kernel{
		tflite.BuiltinOperatorADD:     func() ops.Kernel { return &Add{} },
		tflite.BuiltinOperatorSUB:     func() ops.Kernel { return &Sub{} },
		tflite.BuiltinOperatorMUL:     func() ops.Kernel { return &Mul{} },
		tflite.BuiltinOperatorMAXIMUM: func() ops.Kernel { return &MaximumMinimum{Max: true} },
		tflite.BuiltinOperatorMINIMUM: func() ops.Kernel { return &MaximumMinimum{} },
	}
	for code, mk := range kernels {
		for _, path := range append(gemm.Paths(), "") {
			for _, s := range shapes {
				k := mk()
				if err := k.Prepare(floatNode(code, path, s.s1, s.s2, s.so)); err != nil {
					t.Fatalf("%s %s %v %v: Prepare: %v", code, path, s.s1, s.s2, err)
				}
				var got bool
				switch k := k.(type) {
				case *Add:
					got = k.fsimd != nil
				case *Sub:
					got = k.fsimd != nil
				case *Mul:
					got = k.fsimd != nil
				case *MaximumMinimum:
					got = k.fsimd != nil
				}
				want := s.vector && path != gemm.Generic && path != ""
				if got != want {
					t.Errorf("%s on %q, %v and %v: vector kernel %v, want %v", code, path, s.s1, s.s2, got, want)
				}
			}
		}
	}
}
