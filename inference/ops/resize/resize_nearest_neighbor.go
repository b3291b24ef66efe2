package resize

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// NearestNeighbor implements RESIZE_NEAREST_NEIGHBOR for FLOAT32, UINT8,
// INT8 and INT16 as TFLite's reference does: output index v reads source
// index floor((v + offset) * scale), or round((v + offset) * scale) (half
// away from zero) with align_corners, in float32, where offset is 0.5 with
// half_pixel_centers and 0 otherwise; the index is limited to the input.
// Values are copied unchanged, so every element type works alike.
type NearestNeighbor struct {
	geometry

	rows, cols []int // source row and column of each output row and column
	elem       int   // bytes per element
}

// Prepare implements ops.Kernel.
func (k *NearestNeighbor) Prepare(n *ops.Node) error {
	if err := k.prepare(n, tensor.Float32, tensor.Uint8, tensor.Int8, tensor.Int16); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.ResizeNearestNeighborOptions](n, tflite.BuiltinOptionsResizeNearestNeighborOptions)
	if err != nil {
		return err
	}
	align, half := opts.AlignCorners(), opts.HalfPixelCenters()
	k.rows = nearestIndices(k.inH, k.outH, align, half)
	k.cols = nearestIndices(k.inW, k.outW, align, half)
	k.elem = k.in.Type.Size()
	return nil
}

// nearestIndices returns the source index of each output index along an axis.
func nearestIndices(in, out int, align, half bool) []int {
	if out <= 0 {
		return nil
	}
	scale := float32(in) / float32(out)
	if align && out > 1 {
		scale = float32(in-1) / float32(out-1)
	}
	var offset float32
	if half {
		offset = 0.5
	}
	idx := make([]int, out)
	for v := range idx {
		src := float64((float32(v) + offset) * scale)
		var i int
		if align {
			i = int(math.Round(src)) // half away from zero, as TfLiteRound
		} else {
			i = int(math.Floor(src))
		}
		// TFLite bounds the index below only with half-pixel centers,
		// where it cannot go negative anyway.
		idx[v] = max(min(i, in-1), 0)
	}
	return idx
}

// Eval implements ops.Kernel.
func (k *NearestNeighbor) Eval(n *ops.Node) error {
	if err := k.checkSize(); err != nil {
		return err
	}
	n.Pool.Run(k.batches*k.outH, rowGrain(k.outW, k.depth), k)
	return nil
}

// Run copies output rows [lo, hi) of all batches, one pixel (depth
// elements) at a time.
func (k *NearestNeighbor) Run(_, lo, hi int) {
	in, out := k.in.Data, k.out.Data
	pixel := k.depth * k.elem
	inRow, outRow := k.inW*pixel, k.outW*pixel
	for r := lo; r < hi; r++ {
		b, y := r/k.outH, r%k.outH
		src := in[(b*k.inH+k.rows[y])*inRow:][:inRow]
		dst := out[r*outRow:][:outRow]
		for x, sx := range k.cols {
			copy(dst[x*pixel:(x+1)*pixel], src[sx*pixel:(sx+1)*pixel])
		}
	}
}
