package fdw

import (
	"errors"
	"fmt"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

var errNil = errors.New("fdw: run: nil Packed")

// Run computes output rows [oy0, oy1) of batch n: it reads the input
// batch in[n*H*W*C : (n+1)*H*W*C] (NHWC) and writes
// out[(n*OH+oy)*OW*C : (n*OH+oy+1)*OW*C] for each of those rows, nothing
// else. It allocates nothing; calls on the same Packed may run
// concurrently for different rows. Slices too short for batch n, or rows
// outside [0, OH], are errors.
func (k *Packed) Run(out, in []float32, n, oy0, oy1 int) error {
	if k == nil {
		return errNil
	}
	p := &k.p
	switch {
	case n < 0:
		return fmt.Errorf("fdw: run: batch %d", n)
	case oy0 < 0 || oy1 < oy0 || oy1 > p.OH:
		return fmt.Errorf("fdw: run: rows [%d, %d) outside [0, %d)", oy0, oy1, p.OH)
	case int64(n+1)*int64(p.inSize()) > int64(len(in)):
		return fmt.Errorf("fdw: run: %d input values for batch %d of %d×%d×%d", len(in), n, p.H, p.W, p.C)
	case int64(n+1)*int64(p.outSize()) > int64(len(out)):
		return fmt.Errorf("fdw: run: %d output values for batch %d of %d×%d×%d", len(out), n, p.OH, p.OW, p.C)
	case oy0 == oy1:
		return nil
	}
	if k.path == gemm.Generic {
		k.runGeneric(out, in, n, oy0, oy1)
		return nil
	}
	k.runSIMD(out, in, n, oy0, oy1)
	return nil
}
