// Package pool implements the 2-D pooling operators AVERAGE_POOL_2D and
// MAX_POOL_2D for float32, int8 and int16 tensors in NHWC layout.
//
// Each output element pools the input window that the filter covers at its
// position; with SAME padding the window is clipped to the input, so border
// averages are taken over the valid taps only. Quantized pooling requires the
// output to share the input's scale and zero point (as TFLite does), so it
// needs no requantization: the average is the rounded integer mean and the
// maximum is the largest raw value, both clamped to the fused activation.
package pool

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorAVERAGE_POOL_2D, func() ops.Kernel { return &AveragePool2D{} })
	r.AddBuiltin(tflite.BuiltinOperatorMAX_POOL_2D, func() ops.Kernel { return &MaxPool2D{} })
}

// window is the geometry and clamp range shared by the pooling kernels.
type window struct {
	in, out *tensor.Tensor

	batches, depth   int
	inH, inW         int
	outH, outW       int
	strideH, strideW int
	filterH, filterW int
	padH, padW       int
	fmin, fmax       float32 // float32 activation bounds
	qmin, qmax       int32   // quantized activation bounds
	grain            int     // output rows per parallel chunk
}

// prepare checks the node as TFLite's PoolingPrepare does and fills w.
func (w *window) prepare(n *ops.Node) error {
	if err := n.CheckIO(1, 1, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.Pool2DOptions](n, tflite.BuiltinOptionsPool2DOptions)
	if err != nil {
		return err
	}
	w.in, w.out = n.Input(0), n.Output(0)
	if err := n.CheckType("input", w.in, tensor.Float32, tensor.Int8, tensor.Int16); err != nil {
		return err
	}
	if w.out.Type != w.in.Type {
		return n.Errorf("output type %s differs from input type %s", w.out.Type, w.in.Type)
	}
	if err := n.CheckRank("input", w.in, 4); err != nil {
		return err
	}
	if err := n.CheckRank("output", w.out, 4); err != nil {
		return err
	}
	w.batches, w.inH, w.inW, w.depth = w.in.Shape[0], w.in.Shape[1], w.in.Shape[2], w.in.Shape[3]
	w.outH, w.outW = w.out.Shape[1], w.out.Shape[2]
	if w.out.Shape[0] != w.batches || w.out.Shape[3] != w.depth {
		return n.Errorf("output %s does not match input %s in batch or channel count", w.out, w.in)
	}
	w.strideH, w.strideW = int(opts.StrideH()), int(opts.StrideW())
	w.filterH, w.filterW = int(opts.FilterHeight()), int(opts.FilterWidth())
	if w.filterH <= 0 || w.filterW <= 0 {
		return n.Errorf("filter size %dx%d must be positive", w.filterH, w.filterW)
	}
	pad, err := n.WindowPadding(opts.Padding(), w.strideH, w.strideW, 1, 1,
		w.inH, w.inW, w.filterH, w.filterW, w.outH, w.outW)
	if err != nil {
		return err
	}
	w.padH, w.padW = pad.Height, pad.Width

	act := opts.FusedActivationFunction()
	if w.in.Type == tensor.Float32 {
		if err := n.CheckActivation(act); err != nil {
			return err
		}
		w.fmin, w.fmax = ops.ActivationRangeFloat(act)
	} else {
		inScale, inZP, err := n.PerTensorQuant("input", w.in)
		if err != nil {
			return err
		}
		outScale, outZP, err := n.PerTensorQuant("output", w.out)
		if err != nil {
			return err
		}
		// TFLite computes the difference in float32 and compares it as a double.
		diff := inScale - outScale
		if diff < 0 {
			diff = -diff
		}
		if float64(diff) > 1e-6 || inZP != outZP {
			return n.Errorf("output quantization (scale %v, zero point %d) differs from input quantization (scale %v, zero point %d)",
				outScale, outZP, inScale, inZP)
		}
		if w.qmin, w.qmax, err = n.ActivationRangeQuantized(act, w.out); err != nil {
			return err
		}
	}

	// Aim for chunks of a few thousand window taps.
	perRow := w.outW * w.depth * w.filterH * w.filterW
	w.grain = 1
	if perRow > 0 && perRow < 8192 {
		w.grain = 8192 / perRow
	}
	return nil
}

// rows returns the number of output rows (batch × height) to split over workers.
func (w *window) rows() int { return w.batches * w.outH }

// span returns the clipped filter range [start, end) of the window whose
// input origin is origin, for an input of the given size.
func span(origin, filter, size int) (int, int) {
	return max(0, -origin), min(filter, size-origin)
}
