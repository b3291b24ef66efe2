package felem

import (
	"fmt"
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// Op is an elementwise operation.
type Op uint8

// The operations.
const (
	Add Op = iota // x + y, clamped
	Sub           // x - y, clamped
	Mul           // x * y, clamped
	Max           // x > y ? x : y
	Min           // x < y ? x : y
)

// String returns the TensorFlow Lite operator's name.
func (o Op) String() string {
	switch o {
	case Add:
		return "ADD"
	case Sub:
		return "SUB"
	case Mul:
		return "MUL"
	case Max:
		return "MAXIMUM"
	case Min:
		return "MINIMUM"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// clamped reports whether o applies the clamp.
func (o Op) clamped() bool { return o <= Mul }

// maxLanes is the widest vector of any kernel, in floats.
const maxLanes = 16

// consts is what the kernels read: the clamp bounds and the canonical
// NaN, each broadcast to 16 lanes (lo at byte 0, hi at 64, nan at 128).
type consts struct {
	lo, hi, nan [maxLanes]float32
}

// Kernel is one prepared operation on one kernel path.
type Kernel struct {
	op     Op
	lo, hi float32
	path   gemm.Path // the path that runs
	kern   kernel    // the vector kernel; 0 for the generic path
	lanes  int       // floats per vector
	half   bool      // a kernel of lanes/2 takes a last half vector
	c      consts
}

// New prepares op with the clamp [lo, hi] for path, which must be
// available on this CPU (gemm.Available). The bounds must be numbers with
// lo <= hi; Max and Min take no clamp, and their bounds must be -Inf and
// +Inf. Bounds that the path's kernel would not clamp exactly (see the
// package comment) are prepared for the generic path; Path reports the
// path that runs, gemm.NEON for gemm.SDOT.
func New(path gemm.Path, op Op, lo, hi float32) (*Kernel, error) {
	if !gemm.Available(path) {
		if _, err := gemm.Select(string(path)); err != nil {
			return nil, fmt.Errorf("felem: %w", err)
		}
		return nil, fmt.Errorf("felem: kernel path %q is not available", path)
	}
	if op > Min {
		return nil, fmt.Errorf("felem: unknown operation %v", op)
	}
	if lo != lo || hi != hi || lo > hi {
		return nil, fmt.Errorf("felem: %v: clamp range [%v, %v]: the bounds must be numbers, the lower one not above the upper", op, lo, hi)
	}
	if !op.clamped() && (!math.IsInf(float64(lo), -1) || !math.IsInf(float64(hi), 1)) {
		return nil, fmt.Errorf("felem: %v takes no clamp: the bounds must be -Inf and +Inf, not [%v, %v]", op, lo, hi)
	}
	k := &Kernel{op: op, lo: lo, hi: hi, path: gemm.Generic}
	if kern, lanes, runs := kernelFor(path, op, lo, hi); kern != 0 {
		k.kern, k.lanes, k.path = kern, lanes, runs
		k.half = kern.hasHalf()
	}
	nan := math.Float32frombits(0x7FC00000)
	for i := range k.c.lo {
		k.c.lo[i], k.c.hi[i], k.c.nan[i] = lo, hi, nan
	}
	return k, nil
}

// Path returns the path that runs.
func (k *Kernel) Path() gemm.Path { return k.path }

// Op returns the operation.
func (k *Kernel) Op() Op { return k.op }

// Run computes out[i] = op(x[i], y[i]) for every i < len(out), where x
// (and y) holds len(out) values, or one value that every element uses.
// Other lengths are an error, and nothing is written. Run allocates
// nothing; out may be x or y itself, but must not overlap them otherwise.
func (k *Kernel) Run(out, x, y []float32) error {
	n := len(out)
	if len(x) != n && len(x) != 1 || len(y) != n && len(y) != 1 {
		return fmt.Errorf("felem: run %v: %d and %d inputs for %d outputs (each must be %d or 1)", k.op, len(x), len(y), n, n)
	}
	if n == 0 {
		return nil
	}
	sx, sy := 1, 1
	if len(x) != n {
		sx = 0
	}
	if len(y) != n {
		sy = 0
	}
	done := 0
	if k.kern != 0 && n >= k.lanes {
		done = k.runVectors(out, x, y, sx, sy)
	}
	if done < n {
		k.runGeneric(out[done:], x[done*sx:], y[done*sy:], sx, sy)
	}
	return nil
}
