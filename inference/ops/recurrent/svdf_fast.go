package recurrent

import (
	"math"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/internal/qmatvec"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// svdfFast computes evalSVDFInteger with the same integer arithmetic,
// regrouped: the feature projection is one packed matrix-vector product
// (package qmatvec) per batch row with the input zero point folded into
// per-filter constants, and the time dot products run on the raw state
// with the state zero point folded the same way (Σ w·(v - z) = Σ w·v -
// z·Σ w, exact because int32 sums wrap) into per-unit constants that
// start from the bias. The state keeps its layout and its shift, so the
// state tensor holds the same bytes after every Invoke. The reference
// stays the generic kernel path.
type svdfFast struct {
	feature  *qmatvec.Matrix // [filters, input], bias -inZP·Σ_c w[f, c]
	unitBias []int32         // bias[u] - stateZP·Σ_{f in u} Σ_j weights_time[f, j]
	rowDot   *qmatvec.RowDot // the time products of int16 state
	rq1, rq2 rescale         // the feature and output requantisations
	acc      []int32         // filters, the feature products
}

// newSVDFFast packs the feature weights for the kernel path n.Kernels. It
// returns nil, nil for the generic path or a negative multiplier, so that
// the reference runs.
func newSVDFFast(n *ops.Node, k *SVDF) (*svdfFast, error) {
	if n.Kernels == gemm.Generic || n.Kernels == "" {
		return nil, nil
	}
	f := &svdfFast{}
	var ok [2]bool
	f.rq1, ok[0] = newRescale(k.mult1, k.shift1)
	f.rq2, ok[1] = newRescale(k.mult2, k.shift2)
	if !ok[0] || !ok[1] {
		return nil, nil
	}
	fw := k.featureW.Int8()
	var err error
	f.feature, err = qmatvec.Pack(n.Kernels, fw, k.filters, k.inputSize, effectiveBias(fw, k.filters, k.inputSize, -k.inZP, nil))
	if err != nil {
		return nil, n.Errorf("packing weights_feature for %s: %v", n.Kernels, err)
	}
	if f.rowDot, err = qmatvec.NewRowDot(n.Kernels); err != nil {
		return nil, n.Errorf("time products for %s: %v", n.Kernels, err)
	}
	f.unitBias = make([]int32, k.units)
	if k.bias != nil {
		copy(f.unitBias, k.bias.Int32())
	}
	for fl := range k.filters {
		var sum int32
		if k.timeW.Type == tensor.Int16 {
			for _, v := range k.timeW.Int16()[fl*k.memory : (fl+1)*k.memory] {
				sum += int32(v)
			}
		} else {
			for _, v := range k.timeW.Int8()[fl*k.memory : (fl+1)*k.memory] {
				sum += int32(v)
			}
		}
		f.unitBias[fl/k.rank] -= k.stateZP * sum
	}
	f.acc = make([]int32, k.filters)
	if n.Discard != nil {
		n.Discard(k.featureW)
	}
	return f, nil
}

// evalSVDFFast is evalSVDFInteger on the packed feature weights, with
// times computing the time products (timeProducts16 or timeProducts8)
// into scratch. The feature products cannot fail: the vector and output
// sizes were fixed when the matrix was packed.
func evalSVDFFast[T int8 | int16](k *SVDF, f *svdfFast, state, tw []T, scratch []int32, times func(f *svdfFast, s []int32, tw, queues []T)) {
	in, out := k.in.Int8(), k.out.Int8()
	filters, mem, rank := k.filters, k.memory, k.rank
	zp, lo, hi := k.stateZP, k.stateMin, k.stateMax
	copy(state, state[1:])
	for b := 0; b < k.batches; b++ {
		_ = f.feature.MulVec(f.acc, in[b*k.inputSize:(b+1)*k.inputSize])
		queues := state[b*filters*mem : (b+1)*filters*mem]
		for fl, a := range f.acc[:filters] {
			queues[fl*mem+mem-1] = T(zp + min(max(f.rq1.apply(a), lo), hi))
		}
		s := scratch[b*filters : (b+1)*filters]
		times(f, s, tw, queues)
		o := out[b*k.units : (b+1)*k.units]
		for u, a := range f.unitBias[:len(o)] {
			for _, v := range s[u*rank : (u+1)*rank] {
				a += v
			}
			o[u] = int8(min(max(f.rq2.apply(a)+k.outZP, math.MinInt8), math.MaxInt8))
		}
	}
}

// timeProducts16 sets s[f] = Σ_j tw[f, j]·queues[f, j] for every filter
// f on the SIMD kernel. It cannot fail: the sizes were checked at Prepare.
func timeProducts16(f *svdfFast, s []int32, tw, queues []int16) {
	_ = f.rowDot.Int16(s, tw, queues)
}

// timeProducts8 is timeProducts16 for int8 state, in Go.
func timeProducts8(_ *svdfFast, s []int32, tw, queues []int8) {
	mem := len(tw) / len(s)
	for fl := range s {
		s[fl] = dotTime(tw[fl*mem:(fl+1)*mem], queues[fl*mem:(fl+1)*mem])
	}
}

// dotTime returns Σ w[j]·q[j] in int32, four products at a time.
func dotTime[T int8 | int16](w, q []T) int32 {
	q = q[:len(w)]
	var s0, s1, s2, s3 int32
	j := 0
	for ; j+4 <= len(w); j += 4 {
		s0 += int32(w[j]) * int32(q[j])
		s1 += int32(w[j+1]) * int32(q[j+1])
		s2 += int32(w[j+2]) * int32(q[j+2])
		s3 += int32(w[j+3]) * int32(q[j+3])
	}
	for ; j < len(w); j++ {
		s0 += int32(w[j]) * int32(q[j])
	}
	return s0 + s1 + s2 + s3
}
