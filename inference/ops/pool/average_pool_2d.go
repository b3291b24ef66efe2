package pool

import (
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// AveragePool2D computes the mean of each input window that lies inside the
// input (padding taps are not counted). Quantized averages divide the integer
// sum by the tap count, rounding half away from zero, as TFLite's reference.
type AveragePool2D struct {
	window
}

// Prepare implements ops.Kernel.
func (k *AveragePool2D) Prepare(n *ops.Node) error { return k.prepare(n) }

// Eval implements ops.Kernel.
func (k *AveragePool2D) Eval(n *ops.Node) error {
	n.Pool.Run(k.rows(), k.grain, k)
	return nil
}

// Run computes output rows [lo, hi), where row r is batch r/outH, y r%outH.
func (k *AveragePool2D) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		k.runFloat(lo, hi)
	case tensor.Int8:
		averageInt(&k.window, k.in.Int8(), k.out.Int8(), lo, hi)
	case tensor.Int16:
		averageInt(&k.window, k.in.Int16(), k.out.Int16(), lo, hi)
	}
}

func (k *AveragePool2D) runFloat(lo, hi int) {
	in, out := k.in.Float32(), k.out.Float32()
	for r := lo; r < hi; r++ {
		b, y := r/k.outH, r%k.outH
		originY := y*k.strideH - k.padH
		y0, y1 := span(originY, k.filterH, k.inH)
		for x := 0; x < k.outW; x++ {
			originX := x*k.strideW - k.padW
			x0, x1 := span(originX, k.filterW, k.inW)
			o := ((r * k.outW) + x) * k.depth
			count := float32((y1 - y0) * (x1 - x0))
			for c := 0; c < k.depth; c++ {
				var total float32
				for fy := y0; fy < y1; fy++ {
					row := ((b*k.inH+originY+fy)*k.inW + originX) * k.depth
					for fx := x0; fx < x1; fx++ {
						total += in[row+fx*k.depth+c]
					}
				}
				out[o+c] = min(max(total/count, k.fmin), k.fmax)
			}
		}
	}
}

// averageInt is the integer average pool over int8 or int16 data.
func averageInt[T int8 | int16](k *window, in, out []T, lo, hi int) {
	for r := lo; r < hi; r++ {
		b, y := r/k.outH, r%k.outH
		originY := y*k.strideH - k.padH
		y0, y1 := span(originY, k.filterH, k.inH)
		for x := 0; x < k.outW; x++ {
			originX := x*k.strideW - k.padW
			x0, x1 := span(originX, k.filterW, k.inW)
			o := ((r * k.outW) + x) * k.depth
			count := int32((y1 - y0) * (x1 - x0))
			for c := 0; c < k.depth; c++ {
				var acc int32
				for fy := y0; fy < y1; fy++ {
					row := ((b*k.inH+originY+fy)*k.inW + originX) * k.depth
					for fx := x0; fx < x1; fx++ {
						acc += int32(in[row+fx*k.depth+c])
					}
				}
				// Round half away from zero; Go's division truncates like C++'s.
				if acc > 0 {
					acc = (acc + count/2) / count
				} else {
					acc = (acc - count/2) / count
				}
				out[o+c] = T(min(max(acc, k.qmin), k.qmax))
			}
		}
	}
}
