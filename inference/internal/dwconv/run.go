package dwconv

import (
	"errors"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

var errNil = errors.New("dwconv: run: nil Packed")

// Run computes output rows [oy0, oy1) of batch n: it reads the input
// batch in[n*H*W*C : (n+1)*H*W*C] (NHWC) and writes
// out[(n*OH+oy)*OW*C : (n*OH+oy+1)*OW*C] for each of those rows, nothing
// else. It allocates nothing; calls on the same Packed may run
// concurrently for different rows. Slices too short for batch n, or rows
// outside [0, OH], are errors.
func (k *Packed) Run(out, in []int8, n, oy0, oy1 int) error {
	if k == nil {
		return errNil
	}
	g := k.p.geom()
	if err := g.CheckRun("dwconv: run", len(out), len(in), n, oy0, oy1); err != nil {
		return err
	}
	if oy0 == oy1 {
		return nil
	}
	if k.path == gemm.Generic {
		k.runGeneric(out, in, n, oy0, oy1)
		return nil
	}
	k.runSIMD(out, in, n, oy0, oy1)
	return nil
}
