package inference_test

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// fuzzBytes reads decisions from fuzz input; past its end it reads zeros.
type fuzzBytes struct {
	b []byte
	i int
}

func (f *fuzzBytes) byte() byte {
	if f.i >= len(f.b) {
		return 0
	}
	f.i++
	return f.b[f.i-1]
}

func (f *fuzzBytes) intn(n int) int { return int(f.byte()) % n }

// small returns a small signed value, sometimes zero or negative.
func (f *fuzzBytes) small() int32 { return int32(int8(f.byte())) % 6 }

var fuzzTypes = []tensor.DType{tensor.Float32, tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64, tensor.Uint8, tensor.Bool}

var fuzzScales = []float32{1, 0.5, 1.0 / 256, 1.0 / 32768, 0.0078125, 3.5, 1e-9, 1e6, 0.1, 0} // zero last: coherent models skip it

func (f *fuzzBytes) tensor(b *builder.Builder, constant bool) int {
	dt := fuzzTypes[f.intn(len(fuzzTypes))]
	rank := f.intn(5)
	shape := make([]int, rank)
	for i := range shape {
		shape[i] = f.intn(6)
	}
	var q *builder.Quant
	switch f.intn(4) {
	case 1, 2:
		q = builder.PerTensor(fuzzScales[f.intn(len(fuzzScales))], int64(int8(f.byte())))
	case 3:
		if rank > 0 && shape[0] > 0 {
			scales := make([]float32, shape[0])
			for i := range scales {
				scales[i] = fuzzScales[f.intn(len(fuzzScales))]
			}
			q = builder.PerChannel(0, scales...)
		}
	}
	if !constant {
		return b.Tensor("t", dt, shape, q)
	}
	data := make([]byte, tensor.NumElements(shape)*dt.Size())
	for i := range data {
		data[i] = f.byte()
	}
	if dt == tensor.Float32 {
		for i := 0; i+4 <= len(data); i += 4 {
			v := float32(int8(data[i])) / 4 // finite values
			bits := math.Float32bits(v)
			data[i], data[i+1], data[i+2], data[i+3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
		}
	}
	return b.Const("c", dt, shape, q, data)
}

type fuzzOp struct {
	code    builder.Code
	inputs  int
	options func(f *fuzzBytes) builder.Options
}

func act(f *fuzzBytes) builder.Activation { return builder.Activation(f.intn(7)) }
func pad(f *fuzzBytes) builder.Padding    { return builder.Padding(f.intn(3)) }

var fuzzOps = []fuzzOp{
	{builder.Conv2D, 3, func(f *fuzzBytes) builder.Options {
		return builder.Conv2DOptions{Padding: pad(f), StrideW: f.small(), StrideH: f.small(), DilationWFactor: f.small(), DilationHFactor: f.small(), FusedActivationFunction: act(f)}
	}},
	{builder.DepthwiseConv2D, 3, func(f *fuzzBytes) builder.Options {
		return builder.DepthwiseConv2DOptions{Padding: pad(f), StrideW: f.small(), StrideH: f.small(), DepthMultiplier: f.small(), DilationWFactor: f.small(), DilationHFactor: f.small(), FusedActivationFunction: act(f)}
	}},
	{builder.TransposeConv, 4, func(f *fuzzBytes) builder.Options {
		return builder.TransposeConvOptions{Padding: pad(f), StrideW: f.small(), StrideH: f.small(), FusedActivationFunction: act(f)}
	}},
	{builder.FullyConnected, 3, func(f *fuzzBytes) builder.Options {
		return builder.FullyConnectedOptions{FusedActivationFunction: act(f), KeepNumDims: f.intn(2) == 1}
	}},
	{builder.AveragePool2D, 1, func(f *fuzzBytes) builder.Options {
		return builder.Pool2DOptions{Padding: pad(f), StrideW: f.small(), StrideH: f.small(), FilterWidth: f.small(), FilterHeight: f.small(), FusedActivationFunction: act(f)}
	}},
	{builder.MaxPool2D, 1, func(f *fuzzBytes) builder.Options {
		return builder.Pool2DOptions{Padding: pad(f), StrideW: f.small(), StrideH: f.small(), FilterWidth: f.small(), FilterHeight: f.small(), FusedActivationFunction: act(f)}
	}},
	{builder.Softmax, 1, func(f *fuzzBytes) builder.Options { return builder.SoftmaxOptions{Beta: float32(f.small())} }},
	{builder.Logistic, 1, nil},
	{builder.Tanh, 1, nil},
	{builder.Relu, 1, nil},
	{builder.Relu6, 1, nil},
	{builder.HardSwish, 1, nil},
	{builder.LeakyRelu, 1, func(f *fuzzBytes) builder.Options { return builder.LeakyReluOptions{Alpha: float32(f.small()) / 4} }},
	{builder.Add, 2, func(f *fuzzBytes) builder.Options { return builder.AddOptions{FusedActivationFunction: act(f)} }},
	{builder.Sub, 2, func(f *fuzzBytes) builder.Options { return builder.SubOptions{FusedActivationFunction: act(f)} }},
	{builder.Mul, 2, func(f *fuzzBytes) builder.Options { return builder.MulOptions{FusedActivationFunction: act(f)} }},
	{builder.Div, 2, func(f *fuzzBytes) builder.Options { return builder.DivOptions{FusedActivationFunction: act(f)} }},
	{builder.Maximum, 2, nil},
	{builder.Minimum, 2, nil},
	{builder.Mean, 2, func(f *fuzzBytes) builder.Options { return builder.ReducerOptions{KeepDims: f.intn(2) == 1} }},
	{builder.ArgMax, 2, nil},
	{builder.Reshape, 2, nil},
	{builder.Squeeze, 1, func(f *fuzzBytes) builder.Options {
		return builder.SqueezeOptions{SqueezeDims: []int{int(f.small())}}
	}},
	{builder.ExpandDims, 2, nil},
	{builder.Pad, 2, nil},
	{builder.PadV2, 3, nil},
	{builder.Transpose, 2, nil},
	{builder.Concatenation, 3, func(f *fuzzBytes) builder.Options {
		return builder.ConcatenationOptions{Axis: f.small()}
	}},
	{builder.StridedSlice, 4, func(f *fuzzBytes) builder.Options {
		return builder.StridedSliceOptions{BeginMask: int32(f.byte()), EndMask: int32(f.byte()), ShrinkAxisMask: int32(f.byte()), NewAxisMask: int32(f.byte() % 4), EllipsisMask: int32(f.byte() % 4)}
	}},
	{builder.Pack, 2, func(f *fuzzBytes) builder.Options {
		return builder.PackOptions{ValuesCount: f.small(), Axis: f.small()}
	}},
	{builder.Unpack, 1, func(f *fuzzBytes) builder.Options {
		return builder.UnpackOptions{Num: f.small(), Axis: f.small()}
	}},
	{builder.Split, 2, func(f *fuzzBytes) builder.Options { return builder.SplitOptions{NumSplits: f.small()} }},
	{builder.Gather, 2, func(f *fuzzBytes) builder.Options {
		return builder.GatherOptions{Axis: f.small(), BatchDims: f.small()}
	}},
	{builder.Quantize, 1, nil},
	{builder.Dequantize, 1, nil},
	{builder.Cast, 1, nil},
	{builder.ResizeBilinear, 2, func(f *fuzzBytes) builder.Options {
		return builder.ResizeBilinearOptions{AlignCorners: f.intn(2) == 1, HalfPixelCenters: f.intn(2) == 1}
	}},
	{builder.ResizeNearest, 2, func(f *fuzzBytes) builder.Options {
		return builder.ResizeNearestNeighborOptions{AlignCorners: f.intn(2) == 1, HalfPixelCenters: f.intn(2) == 1}
	}},
	{builder.SVDF, 5, func(f *fuzzBytes) builder.Options {
		return builder.SVDFOptions{Rank: f.small(), FusedActivationFunction: act(f)}
	}},
	{builder.UnidirectionalLSTM, 24, func(f *fuzzBytes) builder.Options {
		return builder.UnidirectionalSequenceLSTMOptions{FusedActivationFunction: act(f), TimeMajor: f.intn(2) == 1, CellClip: float32(f.small())}
	}},
}

// FuzzOps builds single-operator models from the fuzz input: a random
// builtin operator, random tensor types, shapes (including empty ones),
// quantization and options, some inputs constant, some omitted. Prepare must
// refuse what Eval cannot run; neither may panic.
func FuzzOps(f *testing.F) {
	for i := range fuzzOps {
		f.Add([]byte{byte(i), 1, 2, 4, 4, 3, 1, 9, 0, 2, 4, 4, 3, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9})
		f.Add([]byte{byte(i), 0, 1, 3, 1, 2, 2, 0, 1, 3, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fuzzBytes{b: data}
		op := fuzzOps[fb.intn(len(fuzzOps))]
		b := builder.New()
		var inputs, graphIn []int
		for i := 0; i < op.inputs; i++ {
			switch fb.intn(4) {
			case 0:
				id := fb.tensor(b, false)
				inputs = append(inputs, id)
				graphIn = append(graphIn, id)
			case 1, 2:
				inputs = append(inputs, fb.tensor(b, true))
			case 3:
				inputs = append(inputs, -1)
			}
		}
		out := fb.tensor(b, false)
		var opts builder.Options
		if op.options != nil {
			opts = op.options(fb)
		}
		b.Op(op.code, inputs, []int{out}, opts)
		b.Inputs(graphIn...)
		b.Outputs(out)
		raw, err := b.Finish()
		if err != nil {
			return
		}
		m, err := model.Load(raw)
		if err != nil {
			return
		}
		it, err := inference.New(m, inference.Options{MaxArenaBytes: 1 << 20})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%s: prepare panicked: %v", op.code, err)
			}
			return
		}
		defer it.Close()
		for _, in := range it.Inputs() {
			for i := range in.Data {
				in.Data[i] = fb.byte()
			}
			if in.Type == tensor.Float32 {
				for i, v := range in.Float32() {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						in.Float32()[i] = 1
					}
				}
			}
		}
		if err := it.Invoke(); err != nil && strings.Contains(err.Error(), "kernel failed") {
			t.Fatalf("%s: eval panicked: %v", op.code, err)
		}
	})
}
