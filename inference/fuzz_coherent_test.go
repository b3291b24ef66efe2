package inference_test

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// A coherent generator: unlike FuzzOps, which mostly exercises Prepare's
// refusals, these models are well formed most of the time (shapes follow the
// operator's rules, quantization follows the type family), so Eval runs on
// odd but valid geometry: empty and one-element dimensions, large strides
// and dilations, windows wider than the input, broadcasting, saturating
// scales. Occasionally one output dimension is perturbed to exercise the
// shape checks.

type family struct {
	act, weight, bias tensor.DType
}

var families = []family{
	{tensor.Float32, tensor.Float32, tensor.Float32},
	{tensor.Int8, tensor.Int8, tensor.Int32},
	{tensor.Int16, tensor.Int8, tensor.Int64},
}

func (f *fuzzBytes) dim(max int) int { return 1 + f.intn(max) }

func (f *fuzzBytes) quant(dt tensor.DType) *builder.Quant {
	if dt == tensor.Float32 {
		return nil
	}
	scale := fuzzScales[f.intn(len(fuzzScales)-1)] // no zero scale
	var zp int64
	if dt == tensor.Int8 {
		zp = int64(int8(f.byte()))
	}
	return builder.PerTensor(scale, zp)
}

func (f *fuzzBytes) constData(dt tensor.DType, n int) []byte {
	data := make([]byte, n*dt.Size())
	for i := range data {
		data[i] = f.byte()
	}
	if dt == tensor.Float32 {
		for i := 0; i+4 <= len(data); i += 4 {
			bits := math.Float32bits(float32(int8(data[i])) / 8)
			data[i], data[i+1], data[i+2], data[i+3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
		}
	}
	return data
}

func (f *fuzzBytes) perturb(shape []int) []int {
	out := append([]int(nil), shape...)
	if len(out) > 0 && f.intn(16) == 0 {
		out[f.intn(len(out))]++
	}
	return out
}

// coherentModel writes one well-formed single-operator model.
func coherentModel(f *fuzzBytes) (*builder.Builder, string) {
	b := builder.New()
	fam := families[f.intn(len(families))]
	in := func(shape []int) int {
		id := b.Tensor("in", fam.act, shape, f.quant(fam.act))
		return id
	}
	out := func(shape []int) int { return b.Tensor("out", fam.act, f.perturb(shape), f.quant(fam.act)) }
	weights := func(shape []int, channelDim int) int {
		var q *builder.Quant
		if fam.weight != tensor.Float32 {
			scales := make([]float32, shape[channelDim])
			for i := range scales {
				scales[i] = fuzzScales[f.intn(len(fuzzScales)-1)]
			}
			q = builder.PerChannel(channelDim, scales...)
		}
		return b.Const("w", fam.weight, shape, q, f.constData(fam.weight, tensor.NumElements(shape)))
	}
	bias := func(n int) int {
		if f.intn(4) == 0 {
			return -1
		}
		return b.Const("b", fam.bias, []int{n}, nil, f.constData(fam.bias, n))
	}
	ints := func(shape []int, v []int32) int { return b.Const("i", tensor.Int32, shape, nil, v) }
	var x, y int
	name := ""
	switch f.intn(9) {
	case 0, 1: // CONV_2D or DEPTHWISE_CONV_2D
		n, h, w, c := f.dim(2), f.dim(6), f.dim(6), f.dim(4)
		kh, kw, sh, sw, dh, dw := f.dim(3), f.dim(3), f.dim(3), f.dim(3), f.dim(2), f.dim(2)
		p := builder.Padding(f.intn(2))
		oh, ow := ops.ComputeOutSize(p, h, kh, sh, dh), ops.ComputeOutSize(p, w, kw, sw, dw)
		if oh < 0 || ow < 0 {
			oh, ow = 1, 1
		}
		x = in([]int{n, h, w, c})
		act := builder.Activation(f.intn(4))
		if f.intn(2) == 0 {
			oc := f.dim(4)
			y = out([]int{n, oh, ow, oc})
			b.Op(builder.Conv2D, []int{x, weights([]int{oc, kh, kw, c}, 0), bias(oc), -1}[:3], []int{y},
				builder.Conv2DOptions{Padding: p, StrideH: int32(sh), StrideW: int32(sw), DilationHFactor: int32(dh), DilationWFactor: int32(dw), FusedActivationFunction: act})
			name = "CONV_2D"
		} else {
			m := f.dim(3)
			y = out([]int{n, oh, ow, c * m})
			b.Op(builder.DepthwiseConv2D, []int{x, weights([]int{1, kh, kw, c * m}, 3), bias(c * m)}, []int{y},
				builder.DepthwiseConv2DOptions{Padding: p, StrideH: int32(sh), StrideW: int32(sw), DilationHFactor: int32(dh), DilationWFactor: int32(dw), DepthMultiplier: int32(m), FusedActivationFunction: act})
			name = "DEPTHWISE_CONV_2D"
		}
	case 2: // FULLY_CONNECTED
		batch, accum, units := f.dim(3), f.dim(6), f.dim(4)
		x = in([]int{batch, accum})
		y = out([]int{batch, units})
		b.Op(builder.FullyConnected, []int{x, weights([]int{units, accum}, 0), bias(units)}, []int{y},
			builder.FullyConnectedOptions{FusedActivationFunction: builder.Activation(f.intn(4))})
		name = "FULLY_CONNECTED"
	case 3: // pooling
		n, h, w, c := f.dim(2), f.dim(6), f.dim(6), f.dim(3)
		kh, kw, sh, sw := f.dim(4), f.dim(4), f.dim(3), f.dim(3)
		p := builder.Padding(f.intn(2))
		oh, ow := ops.ComputeOutSize(p, h, kh, sh, 1), ops.ComputeOutSize(p, w, kw, sw, 1)
		if oh < 0 || ow < 0 {
			oh, ow = 1, 1
		}
		x = in([]int{n, h, w, c})
		q := b.Tensor("out", fam.act, f.perturb([]int{n, oh, ow, c}), nil)
		y = q
		code := builder.AveragePool2D
		if f.intn(2) == 0 {
			code = builder.MaxPool2D
		}
		b.Op(code, []int{x}, []int{y}, builder.Pool2DOptions{Padding: p, StrideH: int32(sh), StrideW: int32(sw), FilterHeight: int32(kh), FilterWidth: int32(kw)})
		name = code.String()
	case 4: // binary elementwise with broadcasting
		rank := f.intn(4) + 1
		sa, sb, so := make([]int, rank), make([]int, rank), make([]int, rank)
		for i := range sa {
			d := f.dim(3)
			sa[i], sb[i], so[i] = d, d, d
			switch f.intn(4) {
			case 0:
				sa[i] = 1
			case 1:
				sb[i] = 1
			}
		}
		x = in(sa)
		x2 := b.Tensor("in2", fam.act, sb, f.quant(fam.act))
		b.Inputs(x, x2)
		y = out(so)
		codes := []builder.Code{builder.Add, builder.Sub, builder.Mul, builder.Maximum, builder.Minimum, builder.Div}
		code := codes[f.intn(len(codes))]
		b.Op(code, []int{x, x2}, []int{y}, nil)
		b.Outputs(y)
		return b, code.String()
	case 5: // unary
		shape := []int{f.dim(2), f.dim(5)}
		x = in(shape)
		codes := []builder.Code{builder.Softmax, builder.Logistic, builder.Tanh, builder.Relu, builder.Relu6, builder.HardSwish, builder.LeakyRelu, builder.Quantize}
		code := codes[f.intn(len(codes))]
		var oq *builder.Quant
		if fam.act != tensor.Float32 {
			// Often the output quantization these operators require.
			switch f.intn(3) {
			case 0:
				oq = builder.PerTensor(1.0/256, -128)
			case 1:
				oq = builder.PerTensor(1.0/32768, 0)
			default:
				oq = f.quant(fam.act)
			}
		}
		y = b.Tensor("out", fam.act, shape, oq)
		var opts builder.Options
		switch code {
		case builder.Softmax:
			opts = builder.SoftmaxOptions{Beta: float32(f.dim(3))}
		case builder.LeakyRelu:
			opts = builder.LeakyReluOptions{Alpha: float32(f.small()) / 4}
		}
		b.Op(code, []int{x}, []int{y}, opts)
		name = code.String()
	case 6: // MEAN
		rank := f.intn(4) + 1
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = f.dim(4)
		}
		axis := int32(f.intn(rank))
		keep := f.intn(2) == 0
		var os []int
		for i, d := range shape {
			if int32(i) == axis {
				if keep {
					os = append(os, 1)
				}
				continue
			}
			os = append(os, d)
		}
		x = in(shape)
		y = out(os)
		b.Op(builder.Mean, []int{x, ints([]int{1}, []int32{axis})}, []int{y}, builder.ReducerOptions{KeepDims: keep})
		name = "MEAN"
	case 7: // PAD / TRANSPOSE
		rank := f.intn(4) + 1
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = f.dim(3)
		}
		x = in(shape)
		if f.intn(2) == 0 {
			pads := make([]int32, 2*rank)
			os := append([]int(nil), shape...)
			for i := range pads {
				pads[i] = int32(f.intn(3))
				os[i/2] += int(pads[i])
			}
			y = b.Tensor("out", fam.act, f.perturb(os), nil)
			b.Op(builder.Pad, []int{x, ints([]int{rank, 2}, pads)}, []int{y}, nil)
			name = "PAD"
		} else {
			perm := make([]int32, rank)
			for i := range perm {
				perm[i] = int32(i)
			}
			for i := rank - 1; i > 0; i-- {
				j := f.intn(i + 1)
				perm[i], perm[j] = perm[j], perm[i]
			}
			os := make([]int, rank)
			for i, p := range perm {
				os[i] = shape[p]
			}
			y = b.Tensor("out", fam.act, f.perturb(os), nil)
			b.Op(builder.Transpose, []int{x, ints([]int{rank}, perm)}, []int{y}, nil)
			name = "TRANSPOSE"
		}
	default: // STRIDED_SLICE
		rank := f.intn(3) + 1
		shape := make([]int, rank)
		begin, end, strides := make([]int32, rank), make([]int32, rank), make([]int32, rank)
		os := make([]int, rank)
		for i := range shape {
			shape[i] = f.dim(5)
			begin[i] = int32(f.intn(shape[i]))
			end[i] = begin[i] + int32(f.dim(shape[i]-int(begin[i])))
			strides[i] = int32(f.dim(2))
			os[i] = (int(end[i]-begin[i]) + int(strides[i]) - 1) / int(strides[i])
		}
		x = in(shape)
		y = b.Tensor("out", fam.act, f.perturb(os), nil)
		b.Op(builder.StridedSlice, []int{x, ints([]int{rank}, begin), ints([]int{rank}, end), ints([]int{rank}, strides)}, []int{y}, builder.StridedSliceOptions{})
		name = "STRIDED_SLICE"
	}
	b.Inputs(x)
	b.Outputs(y)
	return b, name
}

func FuzzCoherentOps(f *testing.F) {
	for i := 0; i < 32; i++ {
		f.Add([]byte{byte(i), byte(i * 7), byte(i * 13), 3, 2, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fuzzBytes{b: data}
		b, name := coherentModel(fb)
		raw, err := b.Finish()
		if err != nil {
			return
		}
		m, err := model.Load(raw)
		if err != nil {
			return
		}
		it, err := inference.New(m, inference.Options{MaxArenaBytes: 1 << 20, Threads: 1 + fb.intn(2)})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%s: prepare panicked: %v", name, err)
			}
			return
		}
		defer it.Close()
		for _, in := range it.Inputs() {
			copy(in.Data, fb.constData(in.Type, in.NumElements()))
		}
		if err := it.Invoke(); err != nil && strings.Contains(err.Error(), "kernel failed") {
			t.Fatalf("%s: eval panicked: %v", name, err)
		}
	})
}
