package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// TransposeConv is the gradient of CONV_2D with respect to its input: every
// input pixel scatters its filter-weighted values over a window of the output,
//
//	output[b, y*sh - ph + fy, x*sw - pw + fx, o] += sum_c input[b, y, x, c] * filter[o, fy, fx, c]
//
// followed by the bias and the fused activation. Its inputs are the output
// shape (INT32[4]), the filter [outC, fH, fW, inC], the input and an
// optional bias. The output shape may be a graph input rather than a
// constant: the kernel plans with the output tensor's declared shape and
// checks the given one against it on every Eval. Types: float32; int8 with
// int8 filters and int32 bias; int16 with int8 filters and an int64, int32
// or int16 bias (accumulated in int64).
type TransposeConv struct {
	shape, filter, in, bias, out *tensor.Tensor

	g     geometry // in: this operator's input; out: its output
	depth int      // input channels

	// float32
	fmin, fmax float32
	// quantized
	rq requant

	grain     int
	accH, xH  int // scratch: accumulators (whole output), per-worker input pixel
	perWorker int
	acc, xbuf []byte
	errShape  error // returned by Eval when a run-time output shape disagrees
}

// Prepare implements ops.Kernel.
func (k *TransposeConv) Prepare(n *ops.Node) error {
	if err := n.CheckIO(3, 4, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.TransposeConvOptions](n, tflite.BuiltinOptionsTransposeConvOptions)
	if err != nil {
		return err
	}
	k.shape, k.filter, k.in, k.bias, k.out = n.Input(0), n.Input(1), n.Input(2), n.Input(3), n.Output(0)
	if err := checkRank4(n, k.in, k.filter, k.out); err != nil {
		return err
	}
	if err := n.CheckType("output shape", k.shape, tensor.Int32); err != nil {
		return err
	}
	if k.shape.NumElements() != 4 {
		return n.Errorf("output shape %s must hold 4 values", k.shape)
	}
	if k.shape.Const {
		if got := k.shape.Int32(); !k.shapeMatches(got) {
			return n.Errorf("output shape %v differs from the output tensor's shape %v", got, k.out.Shape)
		}
	}
	k.errShape = n.Errorf("output shape input differs from the output tensor's shape %v", k.out.Shape)
	if k.in.Type != k.out.Type {
		return n.Errorf("input type %s differs from output type %s", k.in.Type, k.out.Type)
	}
	g := &k.g
	g.batches, g.inH, g.inW, g.inC = k.in.Shape[0], k.in.Shape[1], k.in.Shape[2], k.in.Shape[3]
	g.outC, g.fH, g.fW, k.depth = k.filter.Shape[0], k.filter.Shape[1], k.filter.Shape[2], k.filter.Shape[3]
	g.outH, g.outW = k.out.Shape[1], k.out.Shape[2]
	if k.depth != g.inC {
		return n.Errorf("filter %s has input depth %d, input %s has %d channels", k.filter, k.depth, k.in, g.inC)
	}
	if k.out.Shape[0] != g.batches || k.out.Shape[3] != g.outC {
		return n.Errorf("output %s does not match %d batches and %d output channels (filter %s)", k.out, g.batches, g.outC, k.filter)
	}
	g.strideH, g.strideW, g.dilH, g.dilW = int(opts.StrideH()), int(opts.StrideW()), 1, 1
	if g.strideH <= 0 || g.strideW <= 0 {
		return n.Errorf("strides %dx%d must be positive", g.strideH, g.strideW)
	}
	pad := opts.Padding()
	if pad != tflite.PaddingSAME && pad != tflite.PaddingVALID {
		return n.Errorf("padding %d is not SAME or VALID", pad)
	}
	// The input must be what a convolution of the output would produce.
	wantH := ops.ComputeOutSize(pad, g.outH, g.fH, g.strideH, 1)
	wantW := ops.ComputeOutSize(pad, g.outW, g.fW, g.strideW, 1)
	if wantH != g.inH || wantW != g.inW {
		return n.Errorf("input is %dx%d, but an output of %dx%d with filter %dx%d, stride %dx%d and %s padding needs %dx%d",
			g.inH, g.inW, g.outH, g.outW, g.fH, g.fW, g.strideH, g.strideW, pad, wantH, wantW)
	}
	g.padH = max(0, (g.inH-1)*g.strideH+g.fH-g.outH) / 2
	g.padW = max(0, (g.inW-1)*g.strideW+g.fW-g.outW) / 2
	act := opts.FusedActivationFunction()
	outElems := k.out.NumElements()
	switch k.in.Type {
	case tensor.Float32:
		if err := n.CheckType("filter", k.filter, tensor.Float32); err != nil {
			return err
		}
		if err := checkBias(n, k.bias, g.outC, tensor.Float32); err != nil {
			return err
		}
		if err := n.CheckActivation(act); err != nil {
			return err
		}
		k.fmin, k.fmax = ops.ActivationRangeFloat(act)
		outElems = 0 // accumulates in the output itself
	case tensor.Int8:
		if err := n.CheckType("filter", k.filter, tensor.Int8); err != nil {
			return err
		}
		if err := checkBias(n, k.bias, g.outC, tensor.Int32); err != nil {
			return err
		}
		if k.rq, err = prepareRequant(n, k.in, k.filter, k.out, g.outC, 0, act); err != nil {
			return err
		}
		outElems *= 4
	case tensor.Int16:
		if err := n.CheckType("filter", k.filter, tensor.Int8); err != nil {
			return err
		}
		if err := checkBias(n, k.bias, g.outC, tensor.Int64, tensor.Int32, tensor.Int16); err != nil {
			return err
		}
		if k.rq, err = prepareRequant(n, k.in, k.filter, k.out, g.outC, 0, act); err != nil {
			return err
		}
		outElems *= 8
	default:
		return n.CheckType("input", k.in, tensor.Float32, tensor.Int8, tensor.Int16)
	}
	k.accH = -1
	if outElems > 0 {
		k.accH = n.RequestScratch(outElems)
	}
	k.perWorker = align64(g.inC * 4)
	k.xH = n.RequestScratch(k.perWorker * n.Pool.Workers())
	k.grain = max(1, 65536/max(1, g.pixelsIn()*g.fH*g.fW*g.inC))
	return nil
}

// pixelsIn returns the number of input pixels over all batches.
func (g *geometry) pixelsIn() int { return g.batches * g.inH * g.inW }

// shapeMatches reports whether v equals the output tensor's shape.
func (k *TransposeConv) shapeMatches(v []int32) bool {
	if len(v) != len(k.out.Shape) {
		return false
	}
	for i, d := range k.out.Shape {
		if int(v[i]) != d {
			return false
		}
	}
	return true
}

// Eval implements ops.Kernel.
func (k *TransposeConv) Eval(n *ops.Node) error {
	if !k.shape.Const {
		if !k.shapeMatches(k.shape.Int32()) {
			return k.errShape
		}
	}
	k.xbuf = n.Scratch(k.xH)
	if k.accH >= 0 {
		k.acc = n.Scratch(k.accH)
		clear(k.acc)
	} else {
		clear(k.out.Float32())
	}
	n.Pool.Run(k.g.outC, k.grain, k)
	return nil
}

// Run computes output channels [lo, hi) on worker w.
func (k *TransposeConv) Run(w, lo, hi int) {
	xb := int32s(k.xbuf[w*k.perWorker : (w+1)*k.perWorker])[:k.g.inC]
	switch k.in.Type {
	case tensor.Float32:
		k.runFloat(lo, hi)
	case tensor.Int8:
		k.runInt8(xb, lo, hi)
	case tensor.Int16:
		k.runInt16(xb, lo, hi)
	}
}

// window returns the output position of the first tap of input pixel
// (iy, ix) and the taps [fy0, fy1) x [fx0, fx1) that land inside the output.
func (g *geometry) window(iy, ix int) (oy0, ox0, fy0, fy1, fx0, fx1 int) {
	oy0, ox0 = iy*g.strideH-g.padH, ix*g.strideW-g.padW
	fy0, fy1 = tapRange(oy0, 1, g.fH, g.outH)
	fx0, fx1 = tapRange(ox0, 1, g.fW, g.outW)
	return
}

func (k *TransposeConv) runInt8(xb []int32, lo, hi int) {
	g := &k.g
	C, D := g.outC, g.inC
	in, wts, out := k.in.Int8(), k.filter.Int8(), k.out.Int8()
	acc := int32s(k.acc)
	off := k.rq.inOffset
	for b := 0; b < g.batches; b++ {
		for iy := 0; iy < g.inH; iy++ {
			for ix := 0; ix < g.inW; ix++ {
				at := ((b*g.inH+iy)*g.inW + ix) * D
				for c, v := range in[at : at+D] {
					xb[c] = int32(v) + off
				}
				oy0, ox0, fy0, fy1, fx0, fx1 := g.window(iy, ix)
				for fy := fy0; fy < fy1; fy++ {
					for fx := fx0; fx < fx1; fx++ {
						o := acc[((b*g.outH+oy0+fy)*g.outW+ox0+fx)*C:]
						for oc := lo; oc < hi; oc++ {
							wo := ((oc*g.fH+fy)*g.fW + fx) * D
							o[oc] += dotInt32Int8(xb, wts[wo:wo+D])
						}
					}
				}
			}
		}
	}
	var bias []int32
	if k.bias != nil {
		bias = k.bias.Int32()
	}
	for q := 0; q < len(out); q += C {
		for oc := lo; oc < hi; oc++ {
			a := acc[q+oc]
			if bias != nil {
				a += bias[oc]
			}
			out[q+oc] = k.rq.int8Out(a, oc)
		}
	}
}

// dotInt32Int8 returns sum(x*w) with int32 wrap-around.
func dotInt32Int8(x []int32, w []int8) (s int32) {
	w = w[:len(x)]
	for i, v := range x {
		s += v * int32(w[i])
	}
	return
}

func (k *TransposeConv) runInt16(xb []int32, lo, hi int) {
	g := &k.g
	C, D := g.outC, g.inC
	in, wts, out := k.in.Int16(), k.filter.Int8(), k.out.Int16()
	acc := int64s(k.acc)
	for b := 0; b < g.batches; b++ {
		for iy := 0; iy < g.inH; iy++ {
			for ix := 0; ix < g.inW; ix++ {
				at := ((b*g.inH+iy)*g.inW + ix) * D
				for c, v := range in[at : at+D] {
					xb[c] = int32(v)
				}
				oy0, ox0, fy0, fy1, fx0, fx1 := g.window(iy, ix)
				for fy := fy0; fy < fy1; fy++ {
					for fx := fx0; fx < fx1; fx++ {
						o := acc[((b*g.outH+oy0+fy)*g.outW+ox0+fx)*C:]
						for oc := lo; oc < hi; oc++ {
							wo := ((oc*g.fH+fy)*g.fW + fx) * D
							o[oc] += dotInt16Products(xb, wts[wo:wo+D])
						}
					}
				}
			}
		}
	}
	for q := 0; q < len(out); q += C {
		for oc := lo; oc < hi; oc++ {
			out[q+oc] = k.rq.int16Out(acc[q+oc]+k.biasInt64(oc), oc)
		}
	}
}

// dotInt16Products returns sum(x*w) in int64 for x holding int16 values;
// each product fits in an int32, as in the reference.
func dotInt16Products(x []int32, w []int8) (s int64) {
	w = w[:len(x)]
	for i, v := range x {
		s += int64(v * int32(w[i]))
	}
	return
}

// biasInt64 returns the 16x8 bias of channel c widened to int64 (0 without bias).
func (k *TransposeConv) biasInt64(c int) int64 {
	if k.bias == nil {
		return 0
	}
	switch k.bias.Type {
	case tensor.Int16:
		return int64(k.bias.Int16()[c])
	case tensor.Int32:
		return int64(k.bias.Int32()[c])
	}
	return k.bias.Int64()[c]
}

func (k *TransposeConv) runFloat(lo, hi int) {
	g := &k.g
	C, D := g.outC, g.inC
	in, wts, out := k.in.Float32(), k.filter.Float32(), k.out.Float32()
	// Each output element receives its terms in the reference's order:
	// input pixels in raster order, then input channels.
	for b := 0; b < g.batches; b++ {
		for iy := 0; iy < g.inH; iy++ {
			for ix := 0; ix < g.inW; ix++ {
				at := ((b*g.inH+iy)*g.inW + ix) * D
				x := in[at : at+D]
				oy0, ox0, fy0, fy1, fx0, fx1 := g.window(iy, ix)
				for fy := fy0; fy < fy1; fy++ {
					for fx := fx0; fx < fx1; fx++ {
						o := out[((b*g.outH+oy0+fy)*g.outW+ox0+fx)*C:]
						for oc := lo; oc < hi; oc++ {
							wo := ((oc*g.fH+fy)*g.fW + fx) * D
							o[oc] = accumulateFloat(o[oc], x, wts[wo:wo+D])
						}
					}
				}
			}
		}
	}
	var bias []float32
	if k.bias != nil {
		bias = k.bias.Float32()
	}
	for q := 0; q < len(out); q += C {
		for oc := lo; oc < hi; oc++ {
			a := out[q+oc]
			if bias != nil {
				a += bias[oc]
			}
			out[q+oc] = min(max(a, k.fmin), k.fmax)
		}
	}
}

// accumulateFloat returns s + x[0]*w[0] + x[1]*w[1] + ..., rounding after
// every operation.
func accumulateFloat(s float32, x, w []float32) float32 {
	w = w[:len(x)]
	for i, v := range x {
		s += float32(v * w[i])
	}
	return s
}
