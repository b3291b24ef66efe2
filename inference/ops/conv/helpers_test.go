package conv_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/conv"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	conv.Register(r)
	return r
}

// convCase describes a CONV_2D or DEPTHWISE_CONV_2D test model with random
// data. The expected outputs come from naiveConv, a direct evaluation of
// the operator's definition with TFLite's requantization.
type convCase struct {
	op          builder.Code // builder.Conv2D or builder.DepthwiseConv2D
	typ         tensor.DType // Float32, Int8 or Int16
	in, filter  []int
	stride      [2]int // height, width
	dil         [2]int // height, width; zero means 1
	pad         builder.Padding
	act         builder.Activation
	mult        int  // depthwise: the depth_multiplier option (0: leave it out)
	perChannel  bool // one filter scale per output channel
	noBias      bool
	bias32      bool // int16: int32 bias instead of int64
	int32Accum  bool // int16 without bias: quantized_bias_type INT32
	inZP, outZP int64
	outScale    float32 // 0: chosen from the filter size
	filterInput bool    // the filter is a graph input rather than a constant
	special     float64 // float32: the share of inputs, weights and biases drawn from edgeFloats
	seed        uint64
}

func (c *convCase) dilation() (int, int) { return max(1, c.dil[0]), max(1, c.dil[1]) }

func outSize(pad builder.Padding, in, filter, stride, dil int) int {
	eff := (filter-1)*dil + 1
	if pad == builder.Same {
		return (in + stride - 1) / stride
	}
	return (in - eff + stride) / stride
}

func (c *convCase) outShape() []int {
	dh, dw := c.dilation()
	outC := c.filter[0]
	if c.op == builder.DepthwiseConv2D {
		outC = c.filter[3]
	}
	return []int{c.in[0], outSize(c.pad, c.in[1], c.filter[1], c.stride[0], dh), outSize(c.pad, c.in[2], c.filter[2], c.stride[1], dw), outC}
}

// macs returns the multiply-accumulates of one invocation.
func (c *convCase) macs() int {
	o := c.outShape()
	taps := c.filter[1] * c.filter[2]
	if c.op == builder.Conv2D {
		taps *= c.filter[3]
	}
	return o[0] * o[1] * o[2] * o[3] * taps
}

// convModel is a built test model with its data and expected output.
type convModel struct {
	b        *builder.Builder
	out      []int
	inScale  float32
	fScales  []float32
	outScale float32

	inF, filterF, biasF []float32
	inInt8              []int8
	inInt16             []int16
	filter8             []int8
	bias32              []int32
	bias64              []int64
}

func (c *convCase) outChannels() int { return c.outShape()[3] }

// patchLen returns the number of taps summed into one output.
func (c *convCase) patchLen() int {
	if c.op == builder.DepthwiseConv2D {
		return c.filter[1] * c.filter[2]
	}
	return c.filter[1] * c.filter[2] * c.filter[3]
}

// build makes the model and its random data.
func (c *convCase) build(t testing.TB, seed uint64) *convModel {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed+c.seed, 7))
	m := &convModel{b: builder.New(), out: c.outShape()}
	outC := m.out[3]
	nIn, nF := tensor.NumElements(c.in), tensor.NumElements(c.filter)
	k := float32(c.patchLen())
	var inQ, fQ, bQ, outQ *builder.Quant
	var filterData, biasData any
	biasType := c.typ
	switch c.typ {
	case tensor.Float32:
		m.inF, m.filterF, m.biasF = randFloats(rng, nIn), randFloats(rng, nF), randFloats(rng, outC)
		if c.special > 0 {
			for _, v := range [][]float32{m.inF, m.filterF, m.biasF} {
				sprinkle(rng, v, c.special)
			}
		}
		filterData, biasData = m.filterF, m.biasF
	case tensor.Int8, tensor.Int16:
		m.inScale = 0.05
		m.fScales = make([]float32, outC)
		for i := range m.fScales {
			m.fScales[i] = 0.01
			if c.perChannel {
				m.fScales[i] = 0.01 * (1 + float32(i%3)*0.75)
			}
		}
		m.filter8 = make([]int8, nF)
		for i := range m.filter8 {
			m.filter8[i] = int8(rng.IntN(255) - 127)
		}
		filterData = m.filter8
		bScales := make([]float32, outC)
		for i := range bScales {
			bScales[i] = m.inScale * m.fScales[i]
		}
		bQ = builder.PerChannel(0, bScales...)
		if c.typ == tensor.Int8 {
			m.inInt8 = make([]int8, nIn)
			for i := range m.inInt8 {
				m.inInt8[i] = int8(rng.IntN(256) - 128)
			}
			m.outScale = m.inScale * 0.01 * float32(math.Sqrt(float64(k))) * 150
			m.bias32 = make([]int32, outC)
			for i := range m.bias32 {
				m.bias32[i] = int32(rng.IntN(10001) - 5000)
			}
			biasData, biasType = m.bias32, tensor.Int32
		} else {
			m.inInt16 = make([]int16, nIn)
			for i := range m.inInt16 {
				m.inInt16[i] = int16(rng.IntN(65536) - 32768)
			}
			m.outScale = m.inScale * 0.01 * float32(math.Sqrt(float64(k))) * 175
			if c.bias32 {
				m.bias32 = make([]int32, outC)
				for i := range m.bias32 {
					m.bias32[i] = int32(rng.IntN(4000001) - 2000000)
				}
				biasData, biasType = m.bias32, tensor.Int32
			} else {
				m.bias64 = make([]int64, outC)
				for i := range m.bias64 {
					m.bias64[i] = int64(rng.IntN(4000001) - 2000000)
				}
				biasData, biasType = m.bias64, tensor.Int64
			}
		}
		if c.outScale != 0 {
			m.outScale = c.outScale
		}
		inQ, outQ = builder.PerTensor(m.inScale, c.inZP), builder.PerTensor(m.outScale, c.outZP)
		if c.perChannel {
			dim := 0
			if c.op == builder.DepthwiseConv2D {
				dim = 3
			}
			fQ = builder.PerChannel(dim, m.fScales...)
		} else {
			fQ = builder.PerTensor(m.fScales[0], 0)
		}
	}
	b := m.b
	in := b.Tensor("in", c.typ, c.in, inQ)
	filterType := c.typ
	if c.typ != tensor.Float32 {
		filterType = tensor.Int8
	}
	var filter int
	if c.filterInput {
		filter = b.Tensor("filter", filterType, c.filter, fQ)
	} else {
		filter = b.Const("filter", filterType, c.filter, fQ, filterData)
	}
	bias := -1
	if !c.noBias {
		bias = b.Const("bias", biasType, []int{outC}, bQ, biasData)
	}
	out := b.Tensor("out", c.typ, m.out, outQ)
	dh, dw := c.dilation()
	if c.op == builder.DepthwiseConv2D {
		b.Op(c.op, []int{in, filter, bias}, []int{out}, builder.DepthwiseConv2DOptions{
			Padding: c.pad, StrideH: int32(c.stride[0]), StrideW: int32(c.stride[1]),
			DilationHFactor: int32(dh), DilationWFactor: int32(dw), DepthMultiplier: int32(c.mult),
			FusedActivationFunction: c.act})
	} else {
		qbt := tensor.Float32
		if c.int32Accum {
			qbt = tensor.Int32
		}
		b.Op(c.op, []int{in, filter, bias}, []int{out}, builder.Conv2DOptions{
			Padding: c.pad, StrideH: int32(c.stride[0]), StrideW: int32(c.stride[1]),
			DilationHFactor: int32(dh), DilationWFactor: int32(dw),
			FusedActivationFunction: c.act, QuantizedBiasType: qbt})
	}
	if c.filterInput {
		b.Inputs(in, filter)
	} else {
		b.Inputs(in)
	}
	b.Outputs(out)
	if c.noBias {
		m.biasF, m.bias32, m.bias64 = nil, nil, nil
	}
	return m
}

func randFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = rng.Float32()*2 - 1
	}
	return v
}

// interpreter builds m with threads threads on a kernel path ("": the
// default) and sets its inputs.
func (c *convCase) interpreter(t testing.TB, m *convModel, threads int, kernels ...string) *inference.Interpreter {
	t.Helper()
	o := inference.Options{Threads: threads}
	if len(kernels) > 0 {
		o.Kernels = kernels[0]
	}
	it, err := opstest.TryBuild(m.b, resolver(), o)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(it.Close)
	switch c.typ {
	case tensor.Float32:
		opstest.Set(t, it.Input(0), m.inF)
		if c.filterInput {
			opstest.Set(t, it.Input(1), m.filterF)
		}
	case tensor.Int8:
		opstest.Set(t, it.Input(0), m.inInt8)
	case tensor.Int16:
		opstest.Set(t, it.Input(0), m.inInt16)
	}
	if c.filterInput && c.typ != tensor.Float32 {
		opstest.Set(t, it.Input(1), m.filter8)
	}
	return it
}

// check runs the case on one and two threads, on every kernel path this
// CPU has, and compares with naiveConv: integer outputs exactly, float
// outputs within 1e-5 relative to the magnitude of the terms summed.
func (c *convCase) check(t *testing.T) {
	t.Helper()
	m := c.build(t, 1)
	for _, run := range kernelRuns() {
		threads := run.threads
		it := c.interpreter(t, m, threads, run.kernels)
		if it.Kernels() != run.kernels {
			t.Fatalf("interpreter runs %s kernels, asked for %s", it.Kernels(), run.kernels)
		}
		opstest.Invoke(t, it)
		out := it.Output(0)
		switch c.typ {
		case tensor.Float32:
			want, mag := c.naiveFloat(m)
			got := out.Float32()
			for i := range want {
				if d := math.Abs(float64(got[i]) - want[i]); d > 1e-5*mag[i]+1e-6 {
					t.Fatalf("threads %d, %s: output[%d] = %v, want %v", threads, run.kernels, i, got[i], want[i])
				}
			}
		case tensor.Int8:
			opstest.Equal(t, "output", out.Int8(), toInt8(c.naiveInt(m)))
		case tensor.Int16:
			opstest.Equal(t, "output", out.Int16(), toInt16(c.naiveInt(m)))
		}
	}
}

func toInt8(v []int32) []int8 {
	out := make([]int8, len(v))
	for i, x := range v {
		out[i] = int8(x)
	}
	return out
}

func toInt16(v []int32) []int16 {
	out := make([]int16, len(v))
	for i, x := range v {
		out[i] = int16(x)
	}
	return out
}

// forTaps calls f(outIndex, oc, inIndex, filterIndex) for every tap inside
// the input of every output, straight from the operator's definition.
func (c *convCase) forTaps(f func(o, oc, x, w int), done func(o, oc int)) {
	o := c.outShape()
	N, H, W, C := c.in[0], c.in[1], c.in[2], c.in[3]
	fh, fw := c.filter[1], c.filter[2]
	dh, dw := c.dilation()
	padH := max(0, ((o[1]-1)*c.stride[0]+(fh-1)*dh+1-H)/2)
	padW := max(0, ((o[2]-1)*c.stride[1]+(fw-1)*dw+1-W)/2)
	outC := o[3]
	for b := 0; b < N; b++ {
		for y := 0; y < o[1]; y++ {
			for x := 0; x < o[2]; x++ {
				for oc := 0; oc < outC; oc++ {
					oi := ((b*o[1]+y)*o[2]+x)*outC + oc
					for ky := 0; ky < fh; ky++ {
						for kx := 0; kx < fw; kx++ {
							iy, ix := y*c.stride[0]-padH+ky*dh, x*c.stride[1]-padW+kx*dw
							if iy < 0 || iy >= H || ix < 0 || ix >= W {
								continue
							}
							pix := ((b*H+iy)*W + ix) * C
							if c.op == builder.DepthwiseConv2D {
								f(oi, oc, pix+oc/(outC/C), (ky*fw+kx)*outC+oc)
								continue
							}
							depth := c.filter[3]
							group := oc / (outC / (C / depth))
							for d := 0; d < depth; d++ {
								f(oi, oc, pix+group*depth+d, ((oc*fh+ky)*fw+kx)*depth+d)
							}
						}
					}
					done(oi, oc)
				}
			}
		}
	}
}

// naiveFloat returns the float outputs computed in float64 and, per output,
// the sum of the magnitudes of its terms (for the tolerance).
func (c *convCase) naiveFloat(m *convModel) (want, mag []float64) {
	n := tensor.NumElements(m.out)
	want, mag = make([]float64, n), make([]float64, n)
	lo, hi := floatRange(c.act)
	c.forTaps(func(o, _, x, w int) {
		v := float64(m.inF[x]) * float64(m.filterF[w])
		want[o] += v
		mag[o] += math.Abs(v)
	}, func(o, oc int) {
		if m.biasF != nil {
			want[o] += float64(m.biasF[oc])
			mag[o] += math.Abs(float64(m.biasF[oc]))
		}
		want[o] = min(max(want[o], lo), hi)
	})
	return want, mag
}

func floatRange(act builder.Activation) (float64, float64) {
	switch act {
	case builder.ActRelu:
		return 0, math.Inf(1)
	case builder.ActRelu6:
		return 0, 6
	case actReluN1To1:
		return -1, 1
	}
	return math.Inf(-1), math.Inf(1)
}

const actReluN1To1 = tflite.ActivationFunctionTypeRELU_N1_TO_1

// quantRange returns the clamp bounds of act on an output with the given
// scale and zero point, as TFLite computes them.
func quantRange(act builder.Activation, typ tensor.DType, scale float32, zp int64) (int32, int32) {
	lo, hi := int32(math.MinInt8), int32(math.MaxInt8)
	if typ == tensor.Int16 {
		lo, hi = math.MinInt16, math.MaxInt16
	}
	q := func(f float32) int32 { return int32(zp) + int32(math.Round(float64(f/scale))) }
	switch act {
	case builder.ActRelu:
		lo = max(lo, q(0))
	case builder.ActRelu6:
		lo, hi = max(lo, q(0)), min(hi, q(6))
	case actReluN1To1:
		lo, hi = max(lo, q(-1)), min(hi, q(1))
	}
	return lo, hi
}

// naiveInt returns the integer outputs: int8 sums f*(x - input zero point)
// in a wrapping int32, 16x8 sums f*x in int64 (int32 with an int32 bias or
// quantized_bias_type INT32), then adds the bias and requantizes per channel.
func (c *convCase) naiveInt(m *convModel) []int32 {
	n := tensor.NumElements(m.out)
	acc := make([]int64, n)
	got := make([]int32, n)
	lo, hi := quantRange(c.act, c.typ, m.outScale, c.outZP)
	c.forTaps(func(o, _, x, w int) {
		if c.typ == tensor.Int8 {
			acc[o] = int64(int32(acc[o]) + int32(m.filter8[w])*(int32(m.inInt8[x])-int32(c.inZP)))
		} else {
			acc[o] += int64(m.filter8[w]) * int64(m.inInt16[x])
		}
	}, func(o, oc int) {
		mult, shift := quant.QuantizeMultiplier(float64(m.inScale) * float64(m.fScales[oc]) / float64(m.outScale))
		var r int32
		switch {
		case c.typ == tensor.Int8:
			a := int32(acc[o])
			if m.bias32 != nil {
				a += m.bias32[oc]
			}
			r = quant.MultiplyByQuantizedMultiplier(a, mult, shift) + int32(c.outZP)
		case c.bias32 || (c.noBias && c.int32Accum):
			a := int32(acc[o])
			if m.bias32 != nil {
				a += m.bias32[oc]
			}
			r = quant.MultiplyByQuantizedMultiplier(a, mult, shift)
		default:
			a := acc[o]
			if m.bias64 != nil {
				a += m.bias64[oc]
			}
			r = quant.MultiplyByQuantizedMultiplier64(a, mult, shift)
		}
		got[o] = min(max(r, lo), hi)
	})
	return got
}

// kernelRun is one way to run a case: threads and kernel path.
type kernelRun struct {
	threads int
	kernels string
}

// kernelRuns lists one and two threads on every kernel path of this CPU.
func kernelRuns() []kernelRun {
	var runs []kernelRun
	for _, k := range inference.KernelPaths() {
		for _, threads := range []int{1, 2} {
			runs = append(runs, kernelRun{threads, k})
		}
	}
	return runs
}
