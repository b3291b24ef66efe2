package inference_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// padConv describes a PAD followed by a convolution.
type padConv struct {
	h, w, c        int
	pads           [4]int // top, bottom, left, right
	chanPad        int    // padding of the channel dimension (never folded)
	depthwise      bool
	mult           int // depth multiplier (depthwise) or output channels (conv)
	fh, fw         int
	stride, dil    int
	same           bool
	outQuantDiffer bool // PAD output quantized differently from its input (never folded)
	alsoOutput     bool // the PAD's output is a graph output too (never folded)
}

func (p padConv) foldable() bool { return p.chanPad == 0 && !p.outQuantDiffer && !p.alsoOutput }

// build writes the model, or returns nil when the window does not fit.
func (p padConv) build(r *rand.Rand) []byte {
	ph, pw, pc := p.h+p.pads[0]+p.pads[1], p.w+p.pads[2]+p.pads[3], p.c+p.chanPad
	pad := ops.ComputeOutSize
	padding := builder.Valid
	if p.same {
		padding = builder.Same
	}
	oh, ow := pad(padding, ph, p.fh, p.stride, p.dil), pad(padding, pw, p.fw, p.stride, p.dil)
	if oh <= 0 || ow <= 0 {
		return nil
	}
	b := builder.New()
	inQ := builder.PerTensor(0.05, int64(r.IntN(256)-128))
	padQ := inQ
	if p.outQuantDiffer {
		padQ = builder.PerTensor(0.06, inQ.ZeroPoint[0])
	}
	in := b.Tensor("in", tensor.Int8, []int{1, p.h, p.w, p.c}, inQ)
	paddings := b.Const("paddings", tensor.Int32, []int{4, 2}, nil,
		[]int32{0, 0, int32(p.pads[0]), int32(p.pads[1]), int32(p.pads[2]), int32(p.pads[3]), 0, int32(p.chanPad)})
	padded := b.Tensor("padded", tensor.Int8, []int{1, ph, pw, pc}, padQ)
	b.Op(builder.Pad, []int{in, paddings}, []int{padded}, builder.PadOptions{})
	oc := p.mult
	fshape := []int{oc, p.fh, p.fw, pc}
	if p.depthwise {
		oc = pc * p.mult
		fshape = []int{1, p.fh, p.fw, oc}
	}
	scales := make([]float32, oc)
	wts := make([]int8, oc*p.fh*p.fw*fshape[3])
	bias := make([]int32, oc)
	for i := range scales {
		scales[i] = 0.002 + 0.01*r.Float32()
		bias[i] = int32(r.IntN(2001) - 1000)
	}
	for i := range wts {
		wts[i] = int8(r.IntN(256) - 128)
	}
	if p.depthwise {
		wts = wts[:p.fh*p.fw*oc]
	}
	dim := 0
	if p.depthwise {
		dim = 3
	}
	filter := b.Const("filter", tensor.Int8, fshape, builder.PerChannel(dim, scales...), wts)
	bq := make([]float32, oc)
	for i := range bq {
		bq[i] = scales[i] * padQ.Scale[0]
	}
	bt := b.Const("bias", tensor.Int32, []int{oc}, builder.PerChannel(0, bq...), bias)
	out := b.Tensor("out", tensor.Int8, []int{1, oh, ow, oc}, builder.PerTensor(0.1+0.1*r.Float32(), int64(r.IntN(256)-128)))
	if p.depthwise {
		b.Op(builder.DepthwiseConv2D, []int{padded, filter, bt}, []int{out}, builder.DepthwiseConv2DOptions{
			Padding: padding, StrideH: int32(p.stride), StrideW: int32(p.stride), DepthMultiplier: int32(p.mult),
			DilationHFactor: int32(p.dil), DilationWFactor: int32(p.dil)})
	} else {
		b.Op(builder.Conv2D, []int{padded, filter, bt}, []int{out}, builder.Conv2DOptions{
			Padding: padding, StrideH: int32(p.stride), StrideW: int32(p.stride),
			DilationHFactor: int32(p.dil), DilationWFactor: int32(p.dil)})
	}
	b.Inputs(in)
	if p.alsoOutput {
		b.Outputs(out, padded)
	} else {
		b.Outputs(out)
	}
	data, err := b.Finish()
	if err != nil {
		panic(err)
	}
	return data
}

// TestFusePadsRandom compares, on every kernel path, PAD + convolution
// models run as written and with the PAD folded: the output bytes must be
// the same, and only foldable PADs may be folded.
func TestFusePadsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 3))
	cases := 0
	for cases < 120 {
		p := padConv{
			h: 1 + r.IntN(9), w: 1 + r.IntN(9), c: 1 + r.IntN(20),
			pads:      [4]int{r.IntN(4), r.IntN(4), r.IntN(4), r.IntN(4)},
			depthwise: r.IntN(2) == 0, mult: 1 + r.IntN(3),
			fh: 1 + r.IntN(3), fw: 1 + r.IntN(3), stride: 1 + r.IntN(2), dil: 1 + r.IntN(2)/max(1, r.IntN(3)),
			same: r.IntN(3) == 0,
		}
		if !p.depthwise {
			p.mult = 1 + r.IntN(40)
		}
		switch r.IntN(12) {
		case 0:
			p.chanPad = 1 + r.IntN(2)
		case 1:
			p.outQuantDiffer = true
		case 2:
			p.alsoOutput = true
		}
		data := p.build(r)
		if data == nil {
			continue
		}
		cases++
		m, err := model.Load(data)
		if err != nil {
			t.Fatal(err)
		}
		input := make([]byte, p.h*p.w*p.c)
		for i := range input {
			input[i] = byte(r.IntN(256))
		}
		for _, path := range inference.KernelPaths() {
			run := func(noFusion bool) ([]byte, int) {
				it, err := inference.New(m, inference.Options{Kernels: path, NoFusion: noFusion})
				if err != nil {
					t.Fatalf("%+v on %s (no fusion %v): %v", p, path, noFusion, err)
				}
				defer it.Close()
				copy(it.Input(0).Data, input)
				if err := it.Invoke(); err != nil {
					t.Fatalf("%+v on %s: %v", p, path, err)
				}
				return bytes.Clone(it.Output(0).Data), it.FusedOperators()
			}
			want, n0 := run(true)
			got, n1 := run(false)
			if n0 != 0 {
				t.Fatalf("NoFusion folded %d operators", n0)
			}
			if wantFold := map[bool]int{true: 1, false: 0}[p.foldable()]; n1 != wantFold {
				t.Fatalf("%+v on %s: folded %d operators, want %d", p, path, n1, wantFold)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%+v on %s: folded PAD changes the output\ngot  %v\nwant %v", p, path, got, want)
			}
		}
	}
}

// TestFusePadsMobileNet checks the fold on the model it is for: MobileNet
// v2's PADs before its strided depthwise convolutions all fold, the arena
// shrinks, and the outputs stay the same bytes on every kernel path.
func TestFusePadsMobileNet(t *testing.T) {
	m, err := model.LoadFile(testenv.Shared(t, "models", "mobilenet_v2_quantized_1x3x224x224.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r := rand.New(rand.NewPCG(5, 5))
	inputs := make([][]byte, 2)
	for _, path := range inference.KernelPaths() {
		plain, err := inference.New(m, inference.Options{Kernels: path, NoFusion: true})
		if err != nil {
			t.Fatal(err)
		}
		fused, err := inference.New(m, inference.Options{Kernels: path})
		if err != nil {
			t.Fatal(err)
		}
		pads := func(it *inference.Interpreter) int {
			for _, c := range it.OpCounts() {
				if c.Name == "PAD" {
					return c.Count
				}
			}
			return 0
		}
		if pads(plain) == 0 || pads(fused) != 0 || fused.FusedOperators() != pads(plain) {
			t.Fatalf("%s: %d PADs, %d left after folding, %d folded", path, pads(plain), pads(fused), fused.FusedOperators())
		}
		if fused.ArenaSize() >= plain.ArenaSize() {
			t.Fatalf("%s: arena %d bytes folded, %d not", path, fused.ArenaSize(), plain.ArenaSize())
		}
		for i := range inputs {
			if inputs[i] == nil {
				inputs[i] = make([]byte, len(plain.Input(0).Data))
				for j := range inputs[i] {
					inputs[i][j] = byte(r.IntN(256))
				}
			}
			for _, it := range []*inference.Interpreter{plain, fused} {
				copy(it.Input(0).Data, inputs[i])
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(plain.Output(0).Data, fused.Output(0).Data) {
				t.Fatalf("%s input %d: outputs differ with the PADs folded", path, i)
			}
		}
		t.Log(fmt.Sprintf("%s: %d PADs folded, arena %d -> %d bytes", path, fused.FusedOperators(), plain.ArenaSize(), fused.ArenaSize()))
		plain.Close()
		fused.Close()
	}
}
