package pool

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// MaxPool2D computes the maximum of each input window, clipped to the input.
type MaxPool2D struct {
	window
}

// Prepare implements ops.Kernel.
func (k *MaxPool2D) Prepare(n *ops.Node) error { return k.prepare(n) }

// Eval implements ops.Kernel.
func (k *MaxPool2D) Eval(n *ops.Node) error {
	n.Pool.Run(k.rows(), k.grain, k)
	return nil
}

// Run computes output rows [lo, hi), where row r is batch r/outH, y r%outH.
func (k *MaxPool2D) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		k.runFloat(lo, hi)
	case tensor.Int8:
		maxInt(&k.window, k.in.Int8(), k.out.Int8(), math.MinInt8, lo, hi)
	case tensor.Int16:
		maxInt(&k.window, k.in.Int16(), k.out.Int16(), math.MinInt16, lo, hi)
	}
}

func (k *MaxPool2D) runFloat(lo, hi int) {
	in, out := k.in.Float32(), k.out.Float32()
	for r := lo; r < hi; r++ {
		b, y := r/k.outH, r%k.outH
		originY := y*k.strideH - k.padH
		y0, y1 := span(originY, k.filterH, k.inH)
		for x := 0; x < k.outW; x++ {
			originX := x*k.strideW - k.padW
			x0, x1 := span(originX, k.filterW, k.inW)
			o := ((r * k.outW) + x) * k.depth
			for c := 0; c < k.depth; c++ {
				m := float32(-math.MaxFloat32)
				for fy := y0; fy < y1; fy++ {
					row := ((b*k.inH+originY+fy)*k.inW + originX) * k.depth
					for fx := x0; fx < x1; fx++ {
						// Like std::max, a NaN tap never replaces the running maximum.
						if v := in[row+fx*k.depth+c]; v > m {
							m = v
						}
					}
				}
				out[o+c] = min(max(m, k.fmin), k.fmax)
			}
		}
	}
}

// maxInt is the integer max pool over int8 or int16 data; lowest is the
// type's smallest value.
func maxInt[T int8 | int16](k *window, in, out []T, lowest T, lo, hi int) {
	qmin, qmax := T(k.qmin), T(k.qmax)
	for r := lo; r < hi; r++ {
		b, y := r/k.outH, r%k.outH
		originY := y*k.strideH - k.padH
		y0, y1 := span(originY, k.filterH, k.inH)
		for x := 0; x < k.outW; x++ {
			originX := x*k.strideW - k.padW
			x0, x1 := span(originX, k.filterW, k.inW)
			o := ((r * k.outW) + x) * k.depth
			for c := 0; c < k.depth; c++ {
				m := lowest
				for fy := y0; fy < y1; fy++ {
					row := ((b*k.inH+originY+fy)*k.inW + originX) * k.depth
					for fx := x0; fx < x1; fx++ {
						m = max(m, in[row+fx*k.depth+c])
					}
				}
				out[o+c] = min(max(m, qmin), qmax)
			}
		}
	}
}
