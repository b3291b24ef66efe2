package reduce

import (
	"math/bits"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Mean averages the input over a constant set of axes, keeping the reduced
// dimensions as size 1 when keep_dims is set and dropping them otherwise.
//
// The integer path is TFLite Micro's QuantizedMeanOrSum for every axis set
// and quantization (TFLM has no separate 4-D or same-scale integer path):
//
//	out = clamp(MultiplyByQuantizedMultiplier(sum - zpIn*count, m', s') + zpOut)
//
// where m·2^s quantizes scaleIn/scaleOut and m', s' fold in 1/count: with
// k = min(floor(log2 count), 32, 31+s), m' = (m << k) / count and s' = s - k.
type Mean struct {
	in, out *tensor.Tensor

	segs  []segment // the input's dimensions, merged into kept/reduced runs
	idx   []int     // odometer over segs[:len(segs)-1], reset by Eval
	count int64     // input elements per output element
	empty bool      // the input has no elements: the output is all zeros

	// quantized
	inZP, outZP int32
	multiplier  int32
	shift       int
	qmin, qmax  int32
	acc         int           // scratch handle of the int32 accumulators
	accView     tensor.Tensor // typed view of the scratch bytes
}

// segment is a run of adjacent input dimensions that are all reduced
// (outStride 0) or all kept (outStride is the run's stride in the output).
type segment struct {
	size, outStride int
}

// Prepare implements ops.Kernel.
func (k *Mean) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 2, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.ReducerOptions](n, tflite.BuiltinOptionsReducerOptions)
	if err != nil {
		return err
	}
	k.in, k.out = n.Input(0), n.Output(0)
	if err := n.CheckType("input", k.in, tensor.Float32, tensor.Int8, tensor.Int16); err != nil {
		return err
	}
	if k.out.Type != k.in.Type {
		return n.Errorf("output type %s differs from input type %s", k.out.Type, k.in.Type)
	}
	values, err := n.Int64Values("axis", n.Input(1))
	if err != nil {
		return err
	}
	rank := k.in.Rank()
	var axes []int
	if rank > 0 { // TFLite ignores the axes of a scalar input
		if axes, err = resolveAxes(n, values, rank); err != nil {
			return err
		}
	}
	reduced := make([]bool, rank)
	for _, a := range axes {
		reduced[a] = true
	}
	var want []int
	k.count = 1
	for d, size := range k.in.Shape {
		switch {
		case !reduced[d]:
			want = append(want, size)
		case opts.KeepDims():
			want = append(want, 1)
		}
		if reduced[d] {
			k.count *= int64(size)
		}
	}
	if !tensor.SameShape(k.out.Shape, want) {
		return n.Errorf("output %s has shape %v, but reducing input %s over axes %v (keep_dims %v) gives %v",
			k.out, k.out.Shape, k.in, axes, opts.KeepDims(), want)
	}
	k.empty = k.in.NumElements() == 0
	k.segs = mergeSegments(k.in.Shape, reduced)
	k.idx = make([]int, len(k.segs)-1)
	if k.in.Type == tensor.Float32 {
		return nil
	}
	return k.prepareQuantized(n)
}

// mergeSegments drops size-1 dimensions, merges neighbours that are both
// reduced or both kept, and gives each kept run its output stride.
func mergeSegments(shape []int, reduced []bool) []segment {
	var segs []segment
	var red []bool
	for d, size := range shape {
		if size == 1 {
			continue
		}
		if last := len(segs) - 1; last >= 0 && red[last] == reduced[d] {
			segs[last].size *= size
			continue
		}
		segs = append(segs, segment{size: size})
		red = append(red, reduced[d])
	}
	if len(segs) == 0 {
		return []segment{{size: 1, outStride: 1}}
	}
	stride := 1
	for i := len(segs) - 1; i >= 0; i-- {
		if !red[i] {
			segs[i].outStride = stride
			stride *= segs[i].size
		}
	}
	return segs
}

// prepareQuantized computes the requantization as TFLite Micro's
// PrepareMeanOrSumHelper and QuantizedMeanOrSum do.
func (k *Mean) prepareQuantized(n *ops.Node) error {
	inScale, inZP, err := n.PerTensorQuant("input", k.in)
	if err != nil {
		return err
	}
	outScale, outZP, err := n.PerTensorQuant("output", k.out)
	if err != nil {
		return err
	}
	k.inZP, k.outZP = inZP, outZP
	k.multiplier, k.shift = quant.QuantizeMultiplier(float64(inScale) / float64(outScale))
	if k.count > 0 {
		// Fold 1/count into the multiplier, keeping the right shift within 31.
		s := bits.Len64(uint64(k.count)) - 1
		s = min(s, 32, 31+k.shift)
		k.multiplier = int32((int64(k.multiplier) << s) / k.count)
		k.shift -= s
	}
	k.qmin, k.qmax = ops.TypeRange(k.in.Type)
	if size := 4 * k.out.NumElements(); size > 0 {
		k.acc = n.RequestScratch(size)
	}
	return nil
}

// Eval implements ops.Kernel.
func (k *Mean) Eval(n *ops.Node) error {
	if k.empty {
		clear(k.out.Data)
		return nil
	}
	switch k.in.Type {
	case tensor.Float32:
		out := k.out.Float32()
		clear(out)
		accumulate(k.in.Float32(), out, k.segs, k.idx)
		c := float32(k.count)
		for i := range out {
			out[i] /= c
		}
	case tensor.Int8:
		k.accView.Data = n.Scratch(k.acc)
		acc := k.accView.Int32()
		clear(acc)
		accumulate(k.in.Int8(), acc, k.segs, k.idx)
		requantizeTo(k, acc, k.out.Int8())
	case tensor.Int16:
		k.accView.Data = n.Scratch(k.acc)
		acc := k.accView.Int32()
		clear(acc)
		accumulate(k.in.Int16(), acc, k.segs, k.idx)
		requantizeTo(k, acc, k.out.Int16())
	}
	return nil
}

// requantizeTo turns the raw sums into output values.
func requantizeTo[T int8 | int16](k *Mean, acc []int32, out []T) {
	offset := int64(k.inZP) * k.count
	for i, sum := range acc {
		// The reference subtracts in 64 bits and truncates to int32.
		shifted := int32(int64(sum) - offset)
		r := quant.MultiplyByQuantizedMultiplier(shifted, k.multiplier, k.shift) + k.outZP
		out[i] = T(quant.Clamp(r, k.qmin, k.qmax))
	}
}

// accumulate adds every input element to its output's accumulator, visiting
// the input in order (so float sums match the reference's order). Integer
// sums wrap on overflow, as the reference's do.
func accumulate[In int8 | int16 | float32, Acc int32 | float32](in []In, acc []Acc, segs []segment, idx []int) {
	clear(idx)
	last := segs[len(segs)-1]
	p, o := 0, 0
	for {
		run := in[p : p+last.size]
		if last.outStride == 0 {
			s := acc[o]
			for _, v := range run {
				s += Acc(v)
			}
			acc[o] = s
		} else {
			dst := acc[o : o+last.size]
			for j, v := range run {
				dst[j] += Acc(v)
			}
		}
		p += last.size
		d := len(idx) - 1
		for ; d >= 0; d-- {
			idx[d]++
			o += segs[d].outStride
			if idx[d] < segs[d].size {
				break
			}
			idx[d] = 0
			o -= segs[d].outStride * segs[d].size
		}
		if d < 0 {
			return
		}
	}
}
