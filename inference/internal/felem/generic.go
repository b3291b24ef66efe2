package felem

import "github.com/edge-agent/edge-agent/inference/internal/fgemm"

// runGeneric is the portable reference: out[i] = op(x[i*sx], y[i*sy]),
// strides 0 or 1, clamped with fgemm.Clamp for the arithmetic operations.
func (k *Kernel) runGeneric(out, x, y []float32, sx, sy int) {
	lo, hi := k.lo, k.hi
	switch k.op {
	case Add:
		for i := range out {
			out[i] = fgemm.Clamp(x[i*sx]+y[i*sy], lo, hi)
		}
	case Sub:
		for i := range out {
			out[i] = fgemm.Clamp(x[i*sx]-y[i*sy], lo, hi)
		}
	case Mul:
		for i := range out {
			out[i] = fgemm.Clamp(x[i*sx]*y[i*sy], lo, hi)
		}
	case Max:
		for i := range out {
			if u, v := x[i*sx], y[i*sy]; u > v {
				out[i] = u
			} else {
				out[i] = v
			}
		}
	case Min:
		for i := range out {
			if u, v := x[i*sx], y[i*sy]; u < v {
				out[i] = u
			} else {
				out[i] = v
			}
		}
	}
}
