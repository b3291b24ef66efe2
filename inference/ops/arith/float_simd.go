package arith

import (
	"github.com/edge-agent/edge-agent/inference/internal/felem"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// floatRunMin is the shortest innermost dimension for which a FLOAT32
// operator takes its vector kernel: shorter runs (a broadcast over a few
// channels) stay in the operator's own loop, which costs less per run.
const floatRunMin = 8

// floatKernel returns the vector kernel (package felem) of the node's
// kernel path for a FLOAT32 ADD, SUB, MUL, MAXIMUM or MINIMUM, or nil
// where the operator's own loop runs: on the generic path, for innermost
// runs shorter than floatRunMin, and for bounds felem clamps on its
// generic path only. The output runs are always contiguous in the output
// and contiguous or one repeated value in each input (the broadcast's
// innermost strides are 0 or 1), which is what felem takes.
func floatKernel(n *ops.Node, bc *broadcast, op felem.Op, lo, hi float32) (*felem.Kernel, error) {
	if n.Kernels == gemm.Generic || n.Kernels == "" || bc.dims[bc.rank-1] < floatRunMin {
		return nil, nil
	}
	k, err := felem.New(n.Kernels, op, lo, hi)
	if err != nil {
		return nil, n.Errorf("%v", err)
	}
	if k.Path() == gemm.Generic {
		return nil, nil
	}
	return k, nil
}

// runFloatVector computes output elements [lo, hi) with k, run by run.
func runFloatVector(k *felem.Kernel, bc *broadcast, a, b, out []float32, lo, hi int) {
	for c := bc.start(lo, hi); c.n > 0; c.next() {
		// Errors are impossible: every run has n outputs and n or 1 inputs.
		_ = k.Run(out[c.o:c.o+c.n], operand(a, c.a, c.n, c.sa), operand(b, c.b, c.n, c.sb))
	}
}

// operand returns the input values of a run of n elements at offset at
// with stride 0 (one value) or 1.
func operand(v []float32, at, n, stride int) []float32 {
	if stride == 0 {
		return v[at : at+1]
	}
	return v[at : at+n]
}
