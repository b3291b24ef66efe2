package conv_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/quant"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestTransposeConvSeanet(t *testing.T) { opstest.CheckSeanet(t, "transpose_conv", resolver()) }

// transposeModel builds a float TRANSPOSE_CONV with a constant output shape.
func transposeModel(in, filter, out []int, w, bias []float32, pad builder.Padding, stride int, act builder.Activation) *builder.Builder {
	b := builder.New()
	shape := b.Const("shape", tensor.Int32, []int{4}, nil, []int32{int32(out[0]), int32(out[1]), int32(out[2]), int32(out[3])})
	wt := b.Const("w", tensor.Float32, filter, nil, w)
	x := b.Tensor("in", tensor.Float32, in, nil)
	bi := -1
	if bias != nil {
		bi = b.Const("bias", tensor.Float32, []int{filter[0]}, nil, bias)
	}
	o := b.Tensor("out", tensor.Float32, out, nil)
	b.Op(builder.TransposeConv, []int{shape, wt, x, bi}, []int{o}, builder.TransposeConvOptions{Padding: pad,
		StrideH: int32(stride), StrideW: int32(stride), FusedActivationFunction: act})
	b.Inputs(x)
	b.Outputs(o)
	return b
}

func TestTransposeConvFloatByHand(t *testing.T) {
	in := []float32{1, 2, 3, 4} // 2x2
	for _, tc := range []struct {
		name   string
		filter []float32
		fsize  int
		pad    builder.Padding
		stride int
		out    int
		bias   []float32
		act    builder.Activation
		want   []float32
	}{
		// out[y][x] = sum x[i][j] * w[y-i][x-j]: the full correlation.
		{"valid stride 1", []float32{1, 2, 3, 4}, 2, builder.Valid, 1, 3, nil, builder.ActNone, []float32{
			1, 4, 4,
			6, 20, 16,
			9, 24, 16}},
		// Each input pixel adds itself to a 3x3 block at (2i, 2j):
		// rows 0-1 see input row 0, row 2 both rows, row 3 row 1.
		{"same stride 2", []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}, 3, builder.Same, 2, 4, []float32{0.5}, builder.ActNone, []float32{
			1.5, 1.5, 3.5, 2.5,
			1.5, 1.5, 3.5, 2.5,
			4.5, 4.5, 10.5, 6.5,
			3.5, 3.5, 7.5, 4.5}},
		{"relu6", []float32{1, 2, 3, 4}, 2, builder.Valid, 1, 3, []float32{-2}, builder.ActRelu6, []float32{
			0, 2, 2,
			4, 6, 6,
			6, 6, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := transposeModel([]int{1, 2, 2, 1}, []int{1, tc.fsize, tc.fsize, 1}, []int{1, tc.out, tc.out, 1}, tc.filter, tc.bias, tc.pad, tc.stride, tc.act)
			it := opstest.Build(t, b, resolver())
			opstest.Set(t, it.Input(0), in)
			opstest.Invoke(t, it)
			opstest.Near(t, "output", it.Output(0).Float32(), tc.want, 1e-5)
		})
	}
}

// transposeCase is a random TRANSPOSE_CONV checked against the naive scatter.
type transposeCase struct {
	typ         tensor.DType
	in, filter  []int // filter: [outC, fH, fW, inC]
	outHW       [2]int
	stride      [2]int
	pad         builder.Padding
	act         builder.Activation
	perChannel  bool
	biasType    tensor.DType // 0: no bias
	inZP, outZP int64
	shapeInput  bool // the output shape is a graph input
	seed        uint64
}

func (c *transposeCase) out() []int { return []int{c.in[0], c.outHW[0], c.outHW[1], c.filter[0]} }

type transposeData struct {
	b                           *builder.Builder
	inF, wF, biasF              []float32
	in8                         []int8
	in16                        []int16
	w8                          []int8
	bias                        []int64
	inScale, outScale           float32
	fScales                     []float32
	wantF, magF                 []float64
	wantInt                     []int32
	padH, padW                  int
	outElems, outC, inC, fH, fW int
}

func (c *transposeCase) build(t *testing.T) *transposeData {
	rng := rand.New(rand.NewPCG(c.seed, 3))
	d := &transposeData{outC: c.filter[0], fH: c.filter[1], fW: c.filter[2], inC: c.filter[3]}
	out := c.out()
	d.outElems = tensor.NumElements(out)
	nIn, nW := tensor.NumElements(c.in), tensor.NumElements(c.filter)
	b := builder.New()
	var shape int
	shapeVals := []int32{int32(out[0]), int32(out[1]), int32(out[2]), int32(out[3])}
	if c.shapeInput {
		shape = b.Tensor("shape", tensor.Int32, []int{4}, nil)
	} else {
		shape = b.Const("shape", tensor.Int32, []int{4}, nil, shapeVals)
	}
	var inQ, wQ, outQ *builder.Quant
	var wData, biasData any
	filterType := tensor.Int8
	// Taps summed into one output, about.
	taps := float64(d.fH*d.fW*d.inC) / float64(c.stride[0]*c.stride[1])
	switch c.typ {
	case tensor.Float32:
		filterType = tensor.Float32
		d.inF, d.wF, d.biasF = randFloats(rng, nIn), randFloats(rng, nW), randFloats(rng, d.outC)
		wData, biasData = d.wF, d.biasF
	default:
		d.inScale = 0.02
		d.fScales = make([]float32, d.outC)
		for i := range d.fScales {
			d.fScales[i] = 0.01
			if c.perChannel {
				d.fScales[i] = 0.01 * (1 + float32(i%4)*0.3)
			}
		}
		d.w8 = make([]int8, nW)
		for i := range d.w8 {
			d.w8[i] = int8(rng.IntN(255) - 127)
		}
		wData = d.w8
		if c.perChannel {
			wQ = builder.PerChannel(0, d.fScales...)
		} else {
			wQ = builder.PerTensor(d.fScales[0], 0)
		}
		d.bias = make([]int64, d.outC)
		if c.typ == tensor.Int8 {
			d.in8 = make([]int8, nIn)
			for i := range d.in8 {
				d.in8[i] = int8(rng.IntN(256) - 128)
			}
			d.outScale = d.inScale * 0.01 * float32(math.Sqrt(taps)) * 150
			for i := range d.bias {
				d.bias[i] = int64(rng.IntN(10001) - 5000)
			}
		} else {
			d.in16 = make([]int16, nIn)
			for i := range d.in16 {
				d.in16[i] = int16(rng.IntN(65536) - 32768)
			}
			d.outScale = d.inScale * 0.01 * float32(math.Sqrt(taps)) * 175
			lim := 2000000
			if c.biasType == tensor.Int16 {
				lim = 32767
			}
			for i := range d.bias {
				d.bias[i] = int64(rng.IntN(2*lim+1) - lim)
			}
		}
		switch c.biasType {
		case tensor.Int16:
			v := make([]int16, d.outC)
			for i, x := range d.bias {
				v[i] = int16(x)
			}
			biasData = v
		case tensor.Int32:
			v := make([]int32, d.outC)
			for i, x := range d.bias {
				v[i] = int32(x)
			}
			biasData = v
		case tensor.Int64:
			biasData = d.bias
		}
		inQ, outQ = builder.PerTensor(d.inScale, c.inZP), builder.PerTensor(d.outScale, c.outZP)
	}
	w := b.Const("w", filterType, c.filter, wQ, wData)
	x := b.Tensor("in", c.typ, c.in, inQ)
	bias := -1
	if c.biasType != 0 {
		bias = b.Const("bias", c.biasType, []int{d.outC}, nil, biasData)
	} else {
		d.biasF, d.bias = nil, nil
	}
	o := b.Tensor("out", c.typ, out, outQ)
	b.Op(builder.TransposeConv, []int{shape, w, x, bias}, []int{o}, builder.TransposeConvOptions{Padding: c.pad,
		StrideH: int32(c.stride[0]), StrideW: int32(c.stride[1]), FusedActivationFunction: c.act})
	if c.shapeInput {
		b.Inputs(shape, x)
	} else {
		b.Inputs(x)
	}
	b.Outputs(o)
	d.b = b
	d.padH = max(0, (c.in[1]-1)*c.stride[0]+d.fH-c.outHW[0]) / 2
	d.padW = max(0, (c.in[2]-1)*c.stride[1]+d.fW-c.outHW[1]) / 2
	c.naive(d)
	return d
}

// naive scatters every input value through the filter, straight from the
// operator's definition, then adds the bias and requantizes.
func (c *transposeCase) naive(d *transposeData) {
	acc := make([]int64, d.outElems)
	d.wantF, d.magF = make([]float64, d.outElems), make([]float64, d.outElems)
	H, W, OH, OW := c.in[1], c.in[2], c.outHW[0], c.outHW[1]
	for b := 0; b < c.in[0]; b++ {
		for iy := 0; iy < H; iy++ {
			for ix := 0; ix < W; ix++ {
				for ic := 0; ic < d.inC; ic++ {
					xi := ((b*H+iy)*W+ix)*d.inC + ic
					for fy := 0; fy < d.fH; fy++ {
						for fx := 0; fx < d.fW; fx++ {
							oy, ox := iy*c.stride[0]-d.padH+fy, ix*c.stride[1]-d.padW+fx
							if oy < 0 || oy >= OH || ox < 0 || ox >= OW {
								continue
							}
							for oc := 0; oc < d.outC; oc++ {
								o := ((b*OH+oy)*OW+ox)*d.outC + oc
								wi := ((oc*d.fH+fy)*d.fW+fx)*d.inC + ic
								switch c.typ {
								case tensor.Float32:
									v := float64(d.inF[xi]) * float64(d.wF[wi])
									d.wantF[o] += v
									d.magF[o] += math.Abs(v)
								case tensor.Int8:
									acc[o] = int64(int32(acc[o]) + (int32(d.in8[xi])-int32(c.inZP))*int32(d.w8[wi]))
								case tensor.Int16:
									acc[o] += int64(d.in16[xi]) * int64(d.w8[wi])
								}
							}
						}
					}
				}
			}
		}
	}
	if c.typ == tensor.Float32 {
		lo, hi := floatRange(c.act)
		for o := range d.wantF {
			if d.biasF != nil {
				d.wantF[o] += float64(d.biasF[o%d.outC])
				d.magF[o] += math.Abs(float64(d.biasF[o%d.outC]))
			}
			d.wantF[o] = min(max(d.wantF[o], lo), hi)
		}
		return
	}
	d.wantInt = make([]int32, d.outElems)
	lo, hi := quantRange(c.act, c.typ, d.outScale, c.outZP)
	for o := range acc {
		oc := o % d.outC
		mult, shift := quant.QuantizeMultiplier(float64(d.inScale) * float64(d.fScales[oc]) / float64(d.outScale))
		var r int32
		if c.typ == tensor.Int8 {
			a := int32(acc[o])
			if d.bias != nil {
				a += int32(d.bias[oc])
			}
			r = quant.MultiplyByQuantizedMultiplier(a, mult, shift) + int32(c.outZP)
		} else {
			a := acc[o]
			if d.bias != nil {
				a += d.bias[oc]
			}
			r = quant.MultiplyByQuantizedMultiplier64(a, mult, shift)
		}
		d.wantInt[o] = min(max(r, lo), hi)
	}
}

func (c *transposeCase) check(t *testing.T) {
	d := c.build(t)
	out := c.out()
	for _, threads := range []int{1, 2} {
		it, err := opstest.TryBuild(d.b, resolver(), inference.Options{Threads: threads})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		defer it.Close()
		x := it.Input(0)
		if c.shapeInput {
			opstest.Set(t, it.Input(0), []int32{int32(out[0]), int32(out[1]), int32(out[2]), int32(out[3])})
			x = it.Input(1)
		}
		switch c.typ {
		case tensor.Float32:
			opstest.Set(t, x, d.inF)
		case tensor.Int8:
			opstest.Set(t, x, d.in8)
		case tensor.Int16:
			opstest.Set(t, x, d.in16)
		}
		opstest.Invoke(t, it)
		switch c.typ {
		case tensor.Float32:
			got := it.Output(0).Float32()
			for i, want := range d.wantF {
				if diff := math.Abs(float64(got[i]) - want); diff > 1e-5*d.magF[i]+1e-6 {
					t.Fatalf("threads %d: output[%d] = %v, want %v", threads, i, got[i], want)
				}
			}
		case tensor.Int8:
			opstest.Equal(t, "output", it.Output(0).Int8(), toInt8(d.wantInt))
		case tensor.Int16:
			opstest.Equal(t, "output", it.Output(0).Int16(), toInt16(d.wantInt))
		}
	}
}

func TestTransposeConvRandom(t *testing.T) {
	geoms := []struct {
		name       string
		in, filter []int
		outHW      [2]int
		stride     [2]int
		pad        builder.Padding
	}{
		{"3x3 stride 2 same", []int{1, 4, 5, 6}, []int{7, 3, 3, 6}, [2]int{8, 10}, [2]int{2, 2}, builder.Same},
		{"3x3 stride 2 same odd", []int{1, 4, 5, 6}, []int{5, 3, 3, 6}, [2]int{7, 9}, [2]int{2, 2}, builder.Same},
		{"4x4 stride 2 valid", []int{2, 3, 3, 4}, []int{8, 4, 4, 4}, [2]int{8, 8}, [2]int{2, 2}, builder.Valid},
		{"3x4 stride 1x2 valid", []int{1, 1, 5, 8}, []int{9, 3, 4, 8}, [2]int{3, 12}, [2]int{1, 2}, builder.Valid},
		{"1x1", []int{1, 3, 3, 5}, []int{4, 1, 1, 5}, [2]int{3, 3}, [2]int{1, 1}, builder.Same},
		{"2x2 stride 3 valid", []int{1, 2, 3, 3}, []int{2, 2, 2, 3}, [2]int{5, 8}, [2]int{3, 3}, builder.Valid},
	}
	for _, typ := range []tensor.DType{tensor.Int8, tensor.Int16, tensor.Float32} {
		for i, gm := range geoms {
			c := transposeCase{typ: typ, in: gm.in, filter: gm.filter, outHW: gm.outHW, stride: gm.stride, pad: gm.pad,
				perChannel: i%2 == 0, seed: uint64(200 + i)}
			c.act = []builder.Activation{builder.ActNone, builder.ActRelu, builder.ActRelu6, actReluN1To1}[i%4]
			switch typ {
			case tensor.Float32:
				c.biasType = tensor.Float32
			case tensor.Int8:
				c.biasType = tensor.Int32
				c.inZP, c.outZP = int64(i*13%40-20), int64(i*7%16-8)
			case tensor.Int16:
				c.biasType = []tensor.DType{tensor.Int64, tensor.Int16, tensor.Int32}[i%3]
			}
			if i == 4 {
				c.biasType = 0
			}
			c.shapeInput = i%3 == 2
			t.Run(fmt.Sprintf("%s/%s", typ, gm.name), c.check)
		}
	}
}

// TestTransposeConvShapeInputMismatch: an output shape fed at run time must
// agree with the output tensor the model declares.
func TestTransposeConvShapeInputMismatch(t *testing.T) {
	c := transposeCase{typ: tensor.Int16, in: []int{1, 1, 5, 4}, filter: []int{2, 3, 4, 4}, outHW: [2]int{3, 12},
		stride: [2]int{1, 2}, pad: builder.Valid, biasType: tensor.Int64, shapeInput: true}
	d := c.build(t)
	it := opstest.Build(t, d.b, resolver())
	opstest.Set(t, it.Input(0), []int32{1, 3, 13, 2})
	err := it.Invoke()
	if err == nil || !strings.Contains(err.Error(), "TRANSPOSE_CONV") || !strings.Contains(err.Error(), "output shape") {
		t.Fatalf("Invoke = %v, want an output shape error", err)
	}
}

func TestTransposeConvPrepareRefusals(t *testing.T) {
	type spec struct {
		typ, biasType, shapeType tensor.DType
		shape                    []int32
		in, filter, out          []int
		inQ, outQ                *builder.Quant
		pad                      builder.Padding
		stride                   int32
	}
	base := func() spec {
		return spec{tensor.Int8, tensor.Int32, tensor.Int32, []int32{1, 8, 8, 3}, []int{1, 4, 4, 2}, []int{3, 3, 3, 2}, []int{1, 8, 8, 3},
			builder.PerTensor(0.5, 0), builder.PerTensor(1, 0), builder.Same, 2}
	}
	for _, tc := range []struct {
		name, want string
		edit       func(*spec)
	}{
		{"shape values", "output shape", func(s *spec) { s.shape = []int32{1, 8, 9, 3} }},
		{"shape type", "INT64", func(s *spec) { s.shapeType = tensor.Int64 }},
		{"input size", "input is 4x4", func(s *spec) { s.out, s.shape = []int{1, 12, 12, 3}, []int32{1, 12, 12, 3} }},
		{"filter depth", "input depth", func(s *spec) { s.in = []int{1, 4, 4, 3} }},
		{"output channels", "output channels", func(s *spec) { s.out, s.shape = []int{1, 8, 8, 4}, []int32{1, 8, 8, 4} }},
		{"int8 bias", "bias", func(s *spec) { s.biasType = tensor.Int64 }},
		{"int16 zero point", "zero point", func(s *spec) {
			s.typ, s.biasType, s.inQ = tensor.Int16, tensor.Int64, builder.PerTensor(0.5, 1)
		}},
		{"stride", "strides", func(s *spec) { s.stride = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(&s)
			b := builder.New()
			var shape int
			if s.shapeType == tensor.Int64 {
				v := make([]int64, len(s.shape))
				for i, x := range s.shape {
					v[i] = int64(x)
				}
				shape = b.Const("shape", tensor.Int64, []int{4}, nil, v)
			} else {
				shape = b.Const("shape", tensor.Int32, []int{4}, nil, s.shape)
			}
			w := b.Const("w", tensor.Int8, s.filter, builder.PerTensor(0.1, 0), make([]int8, tensor.NumElements(s.filter)))
			x := b.Tensor("in", s.typ, s.in, s.inQ)
			bias := b.Const("bias", s.biasType, []int{s.filter[0]}, nil, make([]byte, s.filter[0]*s.biasType.Size()))
			out := b.Tensor("out", s.typ, s.out, s.outQ)
			b.Op(builder.TransposeConv, []int{shape, w, x, bias}, []int{out}, builder.TransposeConvOptions{Padding: s.pad, StrideH: s.stride, StrideW: s.stride})
			b.Inputs(x)
			b.Outputs(out)
			_, err := opstest.TryBuild(b, resolver())
			if err == nil || !strings.Contains(err.Error(), "TRANSPOSE_CONV") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("TryBuild = %v, want an error about %q", err, tc.want)
			}
		})
	}
}
