// Package fc implements FULLY_CONNECTED.
package fc

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Register adds the package's kernels to r.
func Register(r *ops.Resolver) {
	r.AddBuiltin(tflite.BuiltinOperatorFULLY_CONNECTED, func() ops.Kernel { return &FullyConnected{} })
}

// FullyConnected computes output[b, o] = act(sum_d input[b, d] * filter[o, d] + bias[o])
// for float32, int8 (per-tensor or per-channel filters, int32 bias) and
// int16 activations with int8 filters (int64 or int32 bias).
type FullyConnected struct {
	in, filter, bias, out *tensor.Tensor

	batches, depth, accum int

	// float32
	fmin, fmax float32
	// quantized
	inOffset, filterOffset, outOffset int32
	multiplier                        []int32 // one per output channel
	shift                             []int
	qmin, qmax                        int32
	// fast is the int8 filter packed for the SIMD GEMM of
	// inference/internal/gemm (nil: the plain-Go loops).
	fast *gemm.PackedInt8
	// ffast is the float32 filter, bias and clamp packed for the float
	// GEMM of inference/internal/fgemm (nil: the plain-Go loops).
	ffast *fgemm.PackedFloat32
}

// Prepare implements ops.Kernel.
func (k *FullyConnected) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 3, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.FullyConnectedOptions](n, tflite.BuiltinOptionsFullyConnectedOptions)
	if err != nil {
		return err
	}
	if opts.WeightsFormat() != tflite.FullyConnectedOptionsWeightsFormatDEFAULT {
		return n.Errorf("weights format %s is not supported", opts.WeightsFormat())
	}
	k.in, k.filter, k.bias, k.out = n.Input(0), n.Input(1), n.Input(2), n.Output(0)
	if k.in.Type != k.out.Type {
		return n.Errorf("input type %s differs from output type %s", k.in.Type, k.out.Type)
	}
	if k.filter.Rank() != 2 {
		return n.Errorf("filter %s has rank %d, want 2", k.filter, k.filter.Rank())
	}
	if k.out.Rank() < 1 {
		return n.Errorf("output %s has rank 0", k.out)
	}
	k.depth = k.out.Shape[k.out.Rank()-1]
	k.accum = k.filter.Shape[1]
	if k.filter.Shape[0] != k.depth {
		return n.Errorf("filter %s has %d rows for %d output channels", k.filter, k.filter.Shape[0], k.depth)
	}
	if k.depth == 0 {
		k.batches = 0
	} else {
		k.batches = k.out.NumElements() / k.depth
	}
	if k.in.NumElements() != k.batches*k.accum {
		return n.Errorf("input %s has %d elements, want %d batches of %d", k.in, k.in.NumElements(), k.batches, k.accum)
	}
	if k.bias != nil && k.bias.NumElements() != k.depth {
		return n.Errorf("bias %s has %d elements for %d output channels", k.bias, k.bias.NumElements(), k.depth)
	}
	act := opts.FusedActivationFunction()
	switch k.in.Type {
	case tensor.Float32:
		if err := n.CheckType("filter", k.filter, tensor.Float32); err != nil {
			return err
		}
		if k.bias != nil {
			if err := n.CheckType("bias", k.bias, tensor.Float32); err != nil {
				return err
			}
		}
		if err := n.CheckActivation(act); err != nil {
			return err
		}
		k.fmin, k.fmax = ops.ActivationRangeFloat(act)
		return k.preparePackedFloat(n)
	case tensor.Int8:
		if k.bias != nil {
			if err := n.CheckType("bias", k.bias, tensor.Int32); err != nil {
				return err
			}
		}
	case tensor.Int16:
		if k.bias != nil {
			if err := n.CheckType("bias", k.bias, tensor.Int64, tensor.Int32); err != nil {
				return err
			}
		}
	default:
		return n.CheckType("input", k.in, tensor.Float32, tensor.Int8, tensor.Int16)
	}
	if err := n.CheckType("filter", k.filter, tensor.Int8); err != nil {
		return err
	}
	return k.prepareQuantized(n, act)
}

// prepareQuantized computes the requantization parameters exactly as
// TFLite's CalculateOpDataFullyConnected does.
func (k *FullyConnected) prepareQuantized(n *ops.Node, act tflite.ActivationFunctionType) error {
	inScale, inZP, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	outScale, outZP, err := n.PerTensorQuant("output", k.out)
	if err != nil {
		return err
	}
	fq := k.filter.Quant
	if fq == nil || len(fq.Scale) == 0 {
		return n.Errorf("filter %s is not quantized", k.filter)
	}
	k.multiplier = make([]int32, k.depth)
	k.shift = make([]int, k.depth)
	if len(fq.Scale) > 1 {
		if len(fq.Scale) != k.depth || fq.Dim != 0 {
			return n.Errorf("filter %s has %d scales along dimension %d, want %d along 0", k.filter, len(fq.Scale), fq.Dim, k.depth)
		}
		for c := 0; c < k.depth; c++ {
			eff := float64(inScale) * float64(fq.Scale[c]) / float64(outScale)
			k.multiplier[c], k.shift[c] = quant.QuantizeMultiplier(eff)
		}
	} else {
		filterScale := fq.Scale[0]
		// Per-tensor: TFLite multiplies the scales in float32 first.
		product := float64(inScale * filterScale)
		if k.bias != nil && k.bias.Quant != nil && len(k.bias.Quant.Scale) > 0 {
			diff := math.Abs(product - float64(k.bias.Quant.Scale[0]))
			if diff/float64(outScale) > 0.02 {
				return n.Errorf("bias scale %v is too far from input scale * filter scale %v", k.bias.Quant.Scale[0], product)
			}
		}
		m, s := quant.QuantizeMultiplier(product / float64(outScale))
		for c := range k.multiplier {
			k.multiplier[c], k.shift[c] = m, s
		}
	}
	k.inOffset = -inZP
	k.filterOffset = -int32(fq.ZeroPoint[0])
	k.outOffset = outZP
	k.qmin, k.qmax, err = n.ActivationRangeQuantized(act, k.out)
	if err != nil {
		return err
	}
	return k.preparePacked(n)
}

// preparePacked packs an int8 filter for the SIMD GEMM when the kernel
// path has one and the filter is constant and symmetric.
func (k *FullyConnected) preparePacked(n *ops.Node) error {
	if k.in.Type != tensor.Int8 || n.Kernels == gemm.Generic || n.Kernels == "" || !k.filter.Const ||
		(k.bias != nil && !k.bias.Const) || k.filterOffset != 0 {
		return nil
	}
	rq := gemm.Requant{Mult: k.multiplier, Shift: k.shift, InOffset: k.inOffset, OutOffset: k.outOffset, QMin: k.qmin, QMax: k.qmax}
	if k.bias != nil {
		rq.Bias = k.bias.Int32()
	}
	p, err := gemm.PackInt8With(n.Kernels, k.filter.Int8(), k.depth, k.accum, rq)
	if err != nil {
		return n.Errorf("packing the filter for %s: %v", n.Kernels, err)
	}
	k.fast = p
	if n.Discard != nil {
		n.Discard(k.filter)
	}
	return nil
}

// preparePackedFloat packs a float32 filter, with its bias and clamp, for
// the SIMD path when the kernel path has one and filter and bias are
// constant. The packed kernel gives the plain-Go loop's very bytes (see
// inference/internal/fgemm).
func (k *FullyConnected) preparePackedFloat(n *ops.Node) error {
	if n.Kernels == gemm.Generic || n.Kernels == "" || !k.filter.Const || (k.bias != nil && !k.bias.Const) ||
		k.depth == 0 || k.accum == 0 {
		return nil
	}
	var bias []float32
	if k.bias != nil {
		bias = k.bias.Float32()
	}
	p, err := fgemm.PackFloat32(n.Kernels, k.filter.Float32(), k.depth, k.accum, bias, k.fmin, k.fmax)
	if err != nil {
		return n.Errorf("packing the filter for %s: %v", n.Kernels, err)
	}
	k.ffast = p
	if n.Discard != nil {
		n.Discard(k.filter)
	}
	return nil
}

// minChunkMACs is the least work worth handing to another worker: below
// it a layer runs on the caller's goroutine alone.
const minChunkMACs = 32768

// Eval implements ops.Kernel.
func (k *FullyConnected) Eval(n *ops.Node) error {
	grain := 16
	switch {
	case k.fast != nil:
		grain = max(grain, k.fast.PanelWidth())
	case k.ffast != nil:
		// Whole panels per chunk, and enough of them that a hand-off pays.
		pw := k.ffast.PanelWidth()
		grain = max(pw, minChunkMACs/max(1, k.batches*k.accum))
		grain = (grain + pw - 1) / pw * pw
	}
	n.Pool.Run(k.depth, grain, k)
	return nil
}

// Run computes output channels [lo, hi) for every batch.
func (k *FullyConnected) Run(_, lo, hi int) {
	switch k.in.Type {
	case tensor.Float32:
		if k.ffast != nil {
			// Errors are impossible here: Prepare checked the shapes.
			_ = k.ffast.Run(k.out.Float32(), k.depth, k.in.Float32(), k.accum, k.batches, lo, hi)
			return
		}
		k.runFloat(lo, hi)
	case tensor.Int8:
		if k.fast != nil {
			// Errors are impossible here: Prepare checked the shapes.
			_ = k.fast.Run(k.out.Int8(), k.depth, k.in.Int8(), k.accum, k.batches, lo, hi)
			return
		}
		k.runInt8(lo, hi)
	case tensor.Int16:
		k.runInt16(lo, hi)
	}
}

// runFloat is the plain-Go reference: each output is summed from zero in
// index order with every product rounded to float32 (the conversion keeps
// the compiler from fusing a multiply-add, which arm64 would otherwise
// do), then the bias is added and the sum clamped by fgemm.Clamp, which
// also makes every NaN the canonical one: the bytes of the packed path.
func (k *FullyConnected) runFloat(lo, hi int) {
	in, w, out := k.in.Float32(), k.filter.Float32(), k.out.Float32()
	var bias []float32
	if k.bias != nil {
		bias = k.bias.Float32()
	}
	for b := 0; b < k.batches; b++ {
		x := in[b*k.accum : (b+1)*k.accum]
		o := out[b*k.depth : (b+1)*k.depth]
		for c := lo; c < hi; c++ {
			total := fgemm.Dot(x, w[c*k.accum:(c+1)*k.accum])
			if bias != nil {
				total += bias[c]
			}
			o[c] = fgemm.Clamp(total, k.fmin, k.fmax)
		}
	}
}

func (k *FullyConnected) runInt8(lo, hi int) {
	in, w, out := k.in.Int8(), k.filter.Int8(), k.out.Int8()
	var bias []int32
	if k.bias != nil {
		bias = k.bias.Int32()
	}
	for b := 0; b < k.batches; b++ {
		x := in[b*k.accum : (b+1)*k.accum]
		for c := lo; c < hi; c++ {
			row := w[c*k.accum : (c+1)*k.accum]
			var acc int32
			for d, v := range x {
				acc += (int32(row[d]) + k.filterOffset) * (int32(v) + k.inOffset)
			}
			if bias != nil {
				acc += bias[c]
			}
			r := quant.MultiplyByQuantizedMultiplier(acc, k.multiplier[c], k.shift[c]) + k.outOffset
			out[b*k.depth+c] = int8(quant.Clamp(r, k.qmin, k.qmax))
		}
	}
}

func (k *FullyConnected) runInt16(lo, hi int) {
	in, w, out := k.in.Int16(), k.filter.Int8(), k.out.Int16()
	for b := 0; b < k.batches; b++ {
		x := in[b*k.accum : (b+1)*k.accum]
		for c := lo; c < hi; c++ {
			row := w[c*k.accum : (c+1)*k.accum]
			var acc int64
			for d, v := range x {
				acc += int64((int32(row[d]) + k.filterOffset) * (int32(v) + k.inOffset))
			}
			if k.bias != nil {
				if k.bias.Type == tensor.Int64 {
					acc += k.bias.Int64()[c]
				} else {
					acc += int64(k.bias.Int32()[c])
				}
			}
			r := quant.MultiplyByQuantizedMultiplier64(acc, k.multiplier[c], k.shift[c]) + k.outOffset
			out[b*k.depth+c] = int16(quant.Clamp(r, k.qmin, k.qmax))
		}
	}
}
