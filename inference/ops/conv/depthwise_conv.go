package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/dwconv"
	"github.com/edge-agent/edge-agent/inference/internal/fdw"
	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// DepthwiseConv2D convolves every input channel separately with depth
// multiplier M filters:
//
//	output[b, y, x, c*M + m] = act(bias[c*M+m] + sum_{fy, fx} input[b, y*sh - ph + fy*dh, x*sw - pw + fx*dw, c] * filter[0, fy, fx, c*M + m])
//
// Taps outside the input are skipped. Types: float32; int8 with int8
// filters (per-channel scales along dimension 3) and int32 bias; int16 with
// int8 filters and int64 bias.
//
// Float32 sums each output's taps in the order above, every product
// rounded, and clamps with fgemm.Clamp (NaNs canonical); on a SIMD kernel
// path, depth multiplier 1 with a constant filter runs the packed kernel
// of inference/internal/fdw, which gives the same bytes.
type DepthwiseConv2D struct {
	in, filter, bias, out *tensor.Tensor

	g    geometry
	mult int // depth multiplier

	// float32
	fmin, fmax float32
	// float32 SIMD paths (depthwise_float_packed.go): the packed kernel.
	ffast *fdw.Packed
	// quantized
	rq requant
	// int8, stride 1, depth multiplier 1: each tap's filter values repeated
	// for every output column, so a tap's pass over a row is one flat loop.
	tiled []int8
	// int8 SIMD paths (depthwise_packed.go): the packed depthwise kernel,
	// or, for one input channel, the convolution it is.
	fast   *dwconv.Packed
	asConv *Conv2D

	grain     int // output rows per parallel chunk, at least
	scratch   int
	perWorker int
	buf       []byte
}

// Prepare implements ops.Kernel.
func (k *DepthwiseConv2D) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 3, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.DepthwiseConv2DOptions](n, tflite.BuiltinOptionsDepthwiseConv2DOptions)
	if err != nil {
		return err
	}
	k.in, k.filter, k.bias, k.out = n.Input(0), n.Input(1), n.Input(2), n.Output(0)
	if err := checkRank4(n, k.in, k.filter, k.out); err != nil {
		return err
	}
	if k.in.Type != k.out.Type {
		return n.Errorf("input type %s differs from output type %s", k.in.Type, k.out.Type)
	}
	g := &k.g
	g.batches, g.inH, g.inW, g.inC = k.in.Shape[0], k.in.Shape[1], k.in.Shape[2], k.in.Shape[3]
	g.fH, g.fW, g.outC = k.filter.Shape[1], k.filter.Shape[2], k.filter.Shape[3]
	if k.filter.Shape[0] != 1 {
		return n.Errorf("filter %s must have 1 as its first dimension", k.filter)
	}
	if k.out.Shape[0] != g.batches || k.out.Shape[3] != g.outC {
		return n.Errorf("output %s does not match %d batches and %d output channels (filter %s)", k.out, g.batches, g.outC, k.filter)
	}
	if g.inC == 0 || g.outC%g.inC != 0 {
		return n.Errorf("filter %s has %d channels, not a multiple of the input's %d", k.filter, g.outC, g.inC)
	}
	k.mult = g.outC / g.inC
	if m := int(opts.DepthMultiplier()); m != 0 && m != k.mult {
		return n.Errorf("depth multiplier %d does not match %d input and %d output channels", m, g.inC, g.outC)
	}
	g.outH, g.outW = k.out.Shape[1], k.out.Shape[2]
	g.strideH, g.strideW = int(opts.StrideH()), int(opts.StrideW())
	g.dilH, g.dilW = int(opts.DilationHFactor()), int(opts.DilationWFactor())
	if err := g.setPadding(n, opts.Padding(), k.in); err != nil {
		return err
	}
	act := opts.FusedActivationFunction()
	extra := 0
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
		if err := k.preparePackedFloat(n); err != nil {
			return err
		}
	case tensor.Int8:
		if err := n.CheckType("filter", k.filter, tensor.Int8); err != nil {
			return err
		}
		if err := checkBias(n, k.bias, g.outC, tensor.Int32); err != nil {
			return err
		}
		if k.rq, err = prepareRequant(n, k.in, k.filter, k.out, g.outC, 3, act); err != nil {
			return err
		}
		fastBytes, err := k.preparePacked(n)
		if err != nil {
			return err
		}
		if k.fast != nil || k.asConv != nil {
			// The packed filter carries its own copies.
			k.rq.dropTables()
			if k.asConv != nil {
				k.asConv.rq.dropTables()
			}
		}
		if k.fast == nil && k.asConv == nil && k.mult == 1 && g.strideW == 1 && k.filter.Const {
			k.tiled = tile(k.filter.Int8(), g.fH*g.fW, g.outC, g.outW)
		}
		extra = fastBytes
	case tensor.Int16:
		if err := n.CheckType("filter", k.filter, tensor.Int8); err != nil {
			return err
		}
		if err := checkBias(n, k.bias, g.outC, tensor.Int64); err != nil {
			return err
		}
		if k.rq, err = prepareRequant(n, k.in, k.filter, k.out, g.outC, 3, act); err != nil {
			return err
		}
	default:
		return n.CheckType("input", k.in, tensor.Float32, tensor.Int8, tensor.Int16)
	}
	// Each worker accumulates one output row at a time (or gathers the
	// im2col rows of the convolution path); the packed float kernel keeps
	// its sums in registers.
	row := g.outW * g.outC * 8
	if k.ffast != nil {
		row = 0
	}
	k.perWorker = align64(max(row, extra))
	k.scratch = n.RequestScratch(k.perWorker * n.Pool.Workers())
	k.grain = max(1, 65536/max(1, g.outW*g.fH*g.fW*g.outC))
	return nil
}

// Eval implements ops.Kernel.
func (k *DepthwiseConv2D) Eval(n *ops.Node) error {
	k.buf = n.Scratch(k.scratch)
	if k.evalPacked(n) {
		return nil
	}
	if k.ffast != nil {
		n.Pool.Run(k.g.batches*k.g.outH, k.grain, packedFloatRows{k})
		return nil
	}
	n.Pool.Run(k.g.batches*k.g.outH, k.grain, k)
	return nil
}

// Run computes output rows [lo, hi) (counted over batches and rows) on
// worker w. Every row accumulates tap by tap, (fy, fx) in order, over all
// of its pixels, so each output sums its terms in the reference's order.
func (k *DepthwiseConv2D) Run(w, lo, hi int) {
	buf := k.buf[w*k.perWorker : (w+1)*k.perWorker]
	n := k.g.outW * k.g.outC
	switch k.in.Type {
	case tensor.Float32:
		k.runFloat(float32s(buf)[:n], lo, hi)
	case tensor.Int8:
		k.runInt8(int32s(buf)[:n], lo, hi)
	case tensor.Int16:
		k.runInt16(int64s(buf)[:n], lo, hi)
	}
}

func (k *DepthwiseConv2D) runInt8(acc []int32, lo, hi int) {
	g := &k.g
	C, M, W := g.outC, k.mult, g.outW
	inC, rowLen := g.inC, g.inW*g.inC
	fH, fW := g.fH, g.fW
	in, wts, out := k.in.Int8(), k.filter.Int8(), k.out.Int8()
	off := k.rq.inOffset
	var bias []int32
	if k.bias != nil {
		bias = k.bias.Int32()[:C]
	}
	for r := lo; r < hi; r++ {
		b, oy := r/g.outH, r%g.outH
		clear(acc)
		for fy := 0; fy < fH; fy++ {
			iy := oy*g.strideH - g.padH + fy*g.dilH
			if iy < 0 || iy >= g.inH {
				continue
			}
			xrow := in[(b*g.inH+iy)*rowLen : (b*g.inH+iy+1)*rowLen]
			for fx := 0; fx < fW; fx++ {
				w := wts[(fy*fW+fx)*C : (fy*fW+fx+1)*C]
				ox0, ox1 := g.columns(fx)
				if ox0 == ox1 {
					continue
				}
				ix := ox0*g.strideW - g.padW + fx*g.dilW
				if k.tiled != nil {
					// Stride 1: the taps of columns ox0..ox1 read one run of the input row.
					n := (ox1 - ox0) * C
					t := (fy*fW+fx)*W*C + ox0*C
					macInt8Offset(acc[ox0*C:ox0*C+n], xrow[ix*C:ix*C+n], k.tiled[t:t+n], off)
					continue
				}
				for ox := ox0; ox < ox1; ox, ix = ox+1, ix+g.strideW {
					x := xrow[ix*inC : ix*inC+inC]
					a := acc[ox*C : ox*C+C]
					if M == 1 {
						macInt8Offset(a, x, w, off)
					} else {
						macInt8Mult(a, x, w, off, M)
					}
				}
			}
		}
		o := out[r*W*C : (r+1)*W*C]
		for ox := 0; ox < W; ox++ {
			a, oo := acc[ox*C:ox*C+C], o[ox*C:ox*C+C]
			for c, v := range a {
				if bias != nil {
					v += bias[c]
				}
				oo[c] = k.rq.int8Out(v, c)
			}
		}
	}
}

// tile returns, for each of taps filter rows of c values, the row repeated n times.
func tile(w []int8, taps, c, n int) []int8 {
	out := make([]int8, taps*n*c)
	for t := 0; t < taps; t++ {
		for i := 0; i < n; i++ {
			copy(out[(t*n+i)*c:(t*n+i+1)*c], w[t*c:(t+1)*c])
		}
	}
	return out
}

// columns returns the output columns [ox0, ox1) whose filter tap fx lies
// inside the input.
func (g *geometry) columns(fx int) (ox0, ox1 int) {
	// ix = ox*strideW - padW + fx*dilW must satisfy 0 <= ix < inW.
	first := g.padW - fx*g.dilW // ox*strideW >= first
	if first > 0 {
		ox0 = (first + g.strideW - 1) / g.strideW
	}
	last := g.inW - 1 + g.padW - fx*g.dilW // ox*strideW <= last
	if last < 0 {
		return 0, 0
	}
	ox1 = min(g.outW, last/g.strideW+1)
	if ox1 <= ox0 {
		return 0, 0
	}
	return ox0, ox1
}

// macInt8Offset adds (x[c]+off)*w[c] to acc[c].
func macInt8Offset(acc []int32, x, w []int8, off int32) {
	w, acc = w[:len(x)], acc[:len(x)]
	for c, v := range x {
		acc[c] += (int32(v) + off) * int32(w[c])
	}
}

// macInt8Mult adds (x[c]+off)*w[c*m+j] to acc[c*m+j] for j < m.
func macInt8Mult(acc []int32, x, w []int8, off int32, m int) {
	for c, v := range x {
		xv := int32(v) + off
		a, f := acc[c*m:(c+1)*m], w[c*m:(c+1)*m]
		for j := range a {
			a[j] += xv * int32(f[j])
		}
	}
}

func (k *DepthwiseConv2D) runInt16(acc []int64, lo, hi int) {
	g := &k.g
	C, M, W := g.outC, k.mult, g.outW
	inC, rowLen := g.inC, g.inW*g.inC
	in, wts, out := k.in.Int16(), k.filter.Int8(), k.out.Int16()
	var bias []int64
	if k.bias != nil {
		bias = k.bias.Int64()[:C]
	}
	for r := lo; r < hi; r++ {
		b, oy := r/g.outH, r%g.outH
		clear(acc)
		for fy := 0; fy < g.fH; fy++ {
			iy := oy*g.strideH - g.padH + fy*g.dilH
			if iy < 0 || iy >= g.inH {
				continue
			}
			xrow := in[(b*g.inH+iy)*rowLen : (b*g.inH+iy+1)*rowLen]
			for fx := 0; fx < g.fW; fx++ {
				w := wts[(fy*g.fW+fx)*C : (fy*g.fW+fx+1)*C]
				ox0, ox1 := g.columns(fx)
				ix := ox0*g.strideW - g.padW + fx*g.dilW
				for ox := ox0; ox < ox1; ox, ix = ox+1, ix+g.strideW {
					x := xrow[ix*inC : ix*inC+inC]
					a := acc[ox*C : ox*C+C]
					for c, v := range x {
						xv := int32(v)
						for j, f := range w[c*M : (c+1)*M] {
							a[c*M+j] += int64(xv * int32(f))
						}
					}
				}
			}
		}
		o := out[r*W*C : (r+1)*W*C]
		for ox := 0; ox < W; ox++ {
			a, oo := acc[ox*C:ox*C+C], o[ox*C:ox*C+C]
			for c, v := range a {
				if bias != nil {
					v += bias[c]
				}
				oo[c] = k.rq.int16Out(v, c)
			}
		}
	}
}

// runFloat is the float32 reference: each output starts at +0 and adds
// the rounded product of every in-bounds tap, (fy, fx) in order (padded
// taps are skipped, not added as zeros), then the bias, and is clamped
// with fgemm.Clamp (Go's min and max, NaNs canonical). float32(v*f) keeps
// the compiler from fusing the multiply and the add, so every
// architecture, and the SIMD path (inference/internal/fdw), gives the same
// bytes.
func (k *DepthwiseConv2D) runFloat(acc []float32, lo, hi int) {
	g := &k.g
	C, M, W := g.outC, k.mult, g.outW
	inC, rowLen := g.inC, g.inW*g.inC
	in, wts, out := k.in.Float32(), k.filter.Float32(), k.out.Float32()
	var bias []float32
	if k.bias != nil {
		bias = k.bias.Float32()[:C]
	}
	for r := lo; r < hi; r++ {
		b, oy := r/g.outH, r%g.outH
		clear(acc)
		for fy := 0; fy < g.fH; fy++ {
			iy := oy*g.strideH - g.padH + fy*g.dilH
			if iy < 0 || iy >= g.inH {
				continue
			}
			xrow := in[(b*g.inH+iy)*rowLen : (b*g.inH+iy+1)*rowLen]
			for fx := 0; fx < g.fW; fx++ {
				w := wts[(fy*g.fW+fx)*C : (fy*g.fW+fx+1)*C]
				ox0, ox1 := g.columns(fx)
				ix := ox0*g.strideW - g.padW + fx*g.dilW
				for ox := ox0; ox < ox1; ox, ix = ox+1, ix+g.strideW {
					x := xrow[ix*inC : ix*inC+inC]
					a := acc[ox*C : ox*C+C]
					for c, v := range x {
						for j, f := range w[c*M : (c+1)*M] {
							a[c*M+j] += float32(v * f)
						}
					}
				}
			}
		}
		o := out[r*W*C : (r+1)*W*C]
		for ox := 0; ox < W; ox++ {
			a, oo := acc[ox*C:ox*C+C], o[ox*C:ox*C+C]
			for c, v := range a {
				if bias != nil {
					v += bias[c]
				}
				oo[c] = fgemm.Clamp(v, k.fmin, k.fmax)
			}
		}
	}
}
