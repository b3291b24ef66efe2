package conv

import (
	"github.com/edge-agent/edge-agent/inference/internal/fgemm"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Conv2D computes
//
//	output[b, y, x, o] = act(bias[o] + sum_{fy, fx, c} input[b, y*sh - ph + fy*dh, x*sw - pw + fx*dw, g*D + c] * filter[o, fy, fx, c])
//
// where D is the filter's input depth and g = o / (outC / groups) the group
// of output channel o (groups = input channels / D; 1 for an ordinary
// convolution). Taps outside the input are skipped. Types: float32; int8
// with int8 filters and int32 bias; int16 with int8 filters and int64 or
// int32 bias (int32 accumulation, as TFLite, with an int32 bias or with no
// bias and quantized_bias_type INT32).
type Conv2D struct {
	in, filter, bias, out *tensor.Tensor

	g        geometry
	groups   int // input channels / filter input depth
	depth    int // filter input depth
	perGroup int // output channels per group
	k        int // patch length: fH * fW * depth

	// float32
	fmin, fmax float32
	// quantized
	rq     requant
	addend []int32          // int8: input_offset * sum(filter[o]) + bias[o]
	acc32  bool             // int16: accumulate in int32 (int32 bias), as TFLite does
	packed bool             // int8: two pixels per 64-bit multiply (see dot.go)
	fast   *packedConv      // int8: the packed SIMD path (conv_packed.go), nil: plain Go
	ffast  *packedFloatConv // float32: the packed SIMD path (conv_float_packed.go), nil: plain Go

	blockPairs int // int8: pixel pairs packed per block
	grain      int // pixels per parallel chunk, at least
	scratch    int // scratch handle
	perWorker  int // scratch bytes per worker
	buf        []byte
}

// Prepare implements ops.Kernel.
func (k *Conv2D) Prepare(n *ops.Node) error {
	if err := n.CheckIO(2, 3, 1); err != nil {
		return err
	}
	opts, err := ops.Options[tflite.Conv2DOptions](n, tflite.BuiltinOptionsConv2DOptions)
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
	g.outC, g.fH, g.fW, k.depth = k.filter.Shape[0], k.filter.Shape[1], k.filter.Shape[2], k.filter.Shape[3]
	if k.out.Shape[0] != g.batches || k.out.Shape[3] != g.outC {
		return n.Errorf("output %s does not match %d batches and %d output channels (filter %s)", k.out, g.batches, g.outC, k.filter)
	}
	if g.inC%k.depth != 0 || g.inC == 0 {
		return n.Errorf("input %s has %d channels, not a multiple of the filter's input depth %d", k.in, g.inC, k.depth)
	}
	k.groups = g.inC / k.depth
	if g.outC%k.groups != 0 {
		return n.Errorf("%d output channels cannot be split into %d groups", g.outC, k.groups)
	}
	k.perGroup = g.outC / k.groups
	g.outH, g.outW = k.out.Shape[1], k.out.Shape[2]
	g.strideH, g.strideW = int(opts.StrideH()), int(opts.StrideW())
	g.dilH, g.dilW = int(opts.DilationHFactor()), int(opts.DilationWFactor())
	if err := g.setPadding(n, opts.Padding(), k.in); err != nil {
		return err
	}
	k.k = g.fH * g.fW * k.depth
	act := opts.FusedActivationFunction()

	var perWorker int
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
		perWorker = 2 * k.k * 4
		fastBytes, err := k.preparePackedFloat(n)
		if err != nil {
			return err
		}
		if k.ffast != nil {
			perWorker = fastBytes
		}
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
		k.addend = make([]int32, g.outC)
		if k.filter.Const && (k.bias == nil || k.bias.Const) {
			k.computeAddend()
		}
		k.packed = k.k <= maxPackedDepth
		k.blockPairs = 1
		if k.packed {
			// About 16 KiB of packed patches per block, so that they
			// stay in cache while every filter row passes over them.
			k.blockPairs = max(1, min(8, 16384/(8*k.k)))
		}
		perWorker = k.blockPairs*k.k*8 + 2*k.k
		fastBytes, err := k.preparePacked(n)
		if err != nil {
			return err
		}
		if k.fast != nil {
			perWorker = fastBytes
			// The packed filter carries its own copies.
			k.addend = nil
			k.rq.dropTables()
		}
	case tensor.Int16:
		if err := n.CheckType("filter", k.filter, tensor.Int8); err != nil {
			return err
		}
		if err := checkBias(n, k.bias, g.outC, tensor.Int64, tensor.Int32); err != nil {
			return err
		}
		if k.rq, err = prepareRequant(n, k.in, k.filter, k.out, g.outC, 0, act); err != nil {
			return err
		}
		k.acc32 = (k.bias != nil && k.bias.Type == tensor.Int32) ||
			(k.bias == nil && opts.QuantizedBiasType() == tflite.TensorTypeINT32)
		perWorker = k.k * 2
	default:
		return n.CheckType("input", k.in, tensor.Float32, tensor.Int8, tensor.Int16)
	}
	k.perWorker = align64(perWorker)
	k.scratch = n.RequestScratch(k.perWorker * n.Pool.Workers())
	k.grain = max(2, 65536/max(1, k.k*g.outC)) // at least 64K multiply-adds per chunk
	return nil
}

// computeAddend folds the input offset and the bias into one int32 per
// output channel: sum_t f*(x+off) + bias = sum_t f*x + (off*sum_t f + bias),
// with wrap-around as in the reference's int32 accumulator.
func (k *Conv2D) computeAddend() {
	w := k.filter.Int8()
	var bias []int32
	if k.bias != nil {
		bias = k.bias.Int32()
	}
	for c := range k.addend {
		var sum int32
		for _, v := range w[c*k.k : (c+1)*k.k] {
			sum += int32(v)
		}
		a := k.rq.inOffset * sum
		if bias != nil {
			a += bias[c]
		}
		k.addend[c] = a
	}
}

// Eval implements ops.Kernel.
func (k *Conv2D) Eval(n *ops.Node) error {
	k.buf = n.Scratch(k.scratch)
	if k.in.Type == tensor.Int8 && !(k.filter.Const && (k.bias == nil || k.bias.Const)) {
		k.computeAddend()
	}
	n.Pool.Run(k.g.pixels(), k.grain, k)
	return nil
}

// Run computes output pixels [lo, hi) (counted over batches, rows and
// columns) on worker w.
func (k *Conv2D) Run(w, lo, hi int) {
	buf := k.buf[w*k.perWorker : (w+1)*k.perWorker]
	switch k.in.Type {
	case tensor.Float32:
		if k.ffast != nil {
			k.runPackedFloat(buf, lo, hi)
		} else {
			k.runFloat(buf, lo, hi)
		}
	case tensor.Int8:
		if k.fast != nil {
			k.runPacked(buf, lo, hi)
		} else if k.packed {
			k.runInt8(buf, lo, hi)
		} else {
			k.runInt8Deep(buf, lo, hi)
		}
	case tensor.Int16:
		k.runInt16(buf, lo, hi)
	}
}

func (k *Conv2D) runFloat(buf []byte, lo, hi int) {
	K, C := k.k, k.g.outC
	scratch := float32s(buf[:2*K*4])
	pa, pb := scratch[:K], scratch[K:]
	in, wts, out := k.in.Float32(), k.filter.Float32(), k.out.Float32()
	var bias []float32
	if k.bias != nil {
		bias = k.bias.Float32()
	}
	px := k.g.pixelAt(lo)
	for p := lo; p < hi; p += 2 {
		pxa := px
		k.g.next(&px)
		pxb := px
		k.g.next(&px)
		for grp := 0; grp < k.groups; grp++ {
			c0, c1 := grp*k.perGroup, (grp+1)*k.perGroup
			a := patch(&k.g, pa, in, pxa, grp*k.depth, k.depth, 0)
			if p+1 == hi {
				for c := c0; c < c1; c++ {
					out[p*C+c] = k.finishFloat(bias, fgemm.Dot(a, wts[c*K:(c+1)*K]), c)
				}
				continue
			}
			b := patch(&k.g, pb, in, pxb, grp*k.depth, k.depth, 0)
			oa, ob := out[p*C:(p+1)*C], out[(p+1)*C:(p+2)*C]
			c := c0
			for ; c+4 <= c1; c += 4 {
				w := wts[c*K : (c+4)*K]
				a0, a1, a2, a3, b0, b1, b2, b3 := fgemm.Dot2x4(a, b, w[:K], w[K:2*K], w[2*K:3*K], w[3*K:])
				k.storeFloat4(oa, bias, c, a0, a1, a2, a3)
				k.storeFloat4(ob, bias, c, b0, b1, b2, b3)
			}
			for ; c < c1; c++ {
				oa[c] = k.finishFloat(bias, fgemm.Dot(a, wts[c*K:(c+1)*K]), c)
				ob[c] = k.finishFloat(bias, fgemm.Dot(b, wts[c*K:(c+1)*K]), c)
			}
		}
	}
}

func (k *Conv2D) runInt8(buf []byte, lo, hi int) {
	K, bp := k.k, k.blockPairs
	packed := int64s(buf[:bp*K*8])
	pa, pb := int8s(buf[bp*K*8:bp*K*8+K]), int8s(buf[bp*K*8+K:bp*K*8+2*K])
	in, wts, out := k.in.Int8(), k.filter.Int8(), k.out.Int8()
	pad := int8(-k.rq.inOffset) // the input zero point: padded taps add f*(zp-zp) = 0
	start := k.g.pixelAt(lo)
	for p0 := lo; p0 < hi; p0 += 2 * bp {
		np := min(2*bp, hi-p0)
		var px pixel
		for grp := 0; grp < k.groups; grp++ {
			px = start
			for j := 0; 2*j < np; j++ {
				a := patch(&k.g, pa, in, px, grp*k.depth, k.depth, pad)
				k.g.next(&px)
				var b []int8
				if 2*j+1 < np {
					b = patch(&k.g, pb, in, px, grp*k.depth, k.depth, pad)
					k.g.next(&px)
				}
				packPair(packed[j*K:(j+1)*K], a, b)
			}
			k.gemmInt8(out, wts, packed, p0, np, grp*k.perGroup, (grp+1)*k.perGroup)
		}
		start = px
	}
}

// gemmInt8 computes output channels [c0, c1) of the np pixels from p0 whose
// packed patches are in packed.
func (k *Conv2D) gemmInt8(out, wts []int8, packed []int64, p0, np, c0, c1 int) {
	K := k.k
	pairs := (np + 1) / 2
	c := c0
	for ; c+4 <= c1; c += 4 {
		w := wts[c*K : (c+4)*K]
		w0, w1, w2, w3 := w[:K], w[K:2*K], w[2*K:3*K], w[3*K:]
		j := 0
		for ; j+2 <= pairs; j += 2 {
			x0, x1, x2, x3, y0, y1, y2, y3 := dot2x4(packed[j*K:(j+1)*K], packed[(j+1)*K:(j+2)*K], w0, w1, w2, w3)
			k.put4(out, p0+2*j, np-2*j, c, x0, x1, x2, x3)
			k.put4(out, p0+2*j+2, np-2*j-2, c, y0, y1, y2, y3)
		}
		if j < pairs {
			s0, s1, s2, s3 := dot1x4(packed[j*K:(j+1)*K], w0, w1, w2, w3)
			k.put4(out, p0+2*j, np-2*j, c, s0, s1, s2, s3)
		}
	}
	for ; c < c1; c++ {
		w := wts[c*K : (c+1)*K]
		for j := 0; j < pairs; j++ {
			lo, hi := unpack(dot1x1(packed[j*K:(j+1)*K], w))
			C := k.g.outC
			p := p0 + 2*j
			out[p*C+c] = k.rq.int8Out(lo+k.addend[c], c)
			if np-2*j >= 2 {
				out[(p+1)*C+c] = k.rq.int8Out(hi+k.addend[c], c)
			}
		}
	}
}

// put4 stores channels [c, c+4) of pixel p and, when left >= 2, of pixel
// p+1, from four packed sums.
func (k *Conv2D) put4(out []int8, p, left, c int, s0, s1, s2, s3 int64) {
	C := k.g.outC
	ad := k.addend[c : c+4 : c+4]
	l0, h0 := unpack(s0)
	l1, h1 := unpack(s1)
	l2, h2 := unpack(s2)
	l3, h3 := unpack(s3)
	o := out[p*C+c : p*C+c+4 : p*C+c+4]
	o[0] = k.rq.int8Out(l0+ad[0], c)
	o[1] = k.rq.int8Out(l1+ad[1], c+1)
	o[2] = k.rq.int8Out(l2+ad[2], c+2)
	o[3] = k.rq.int8Out(l3+ad[3], c+3)
	if left >= 2 {
		o = out[(p+1)*C+c : (p+1)*C+c+4 : (p+1)*C+c+4]
		o[0] = k.rq.int8Out(h0+ad[0], c)
		o[1] = k.rq.int8Out(h1+ad[1], c+1)
		o[2] = k.rq.int8Out(h2+ad[2], c+2)
		o[3] = k.rq.int8Out(h3+ad[3], c+3)
	}
}

// runInt8Deep handles patches too long to pack: plain int32 dot products.
func (k *Conv2D) runInt8Deep(buf []byte, lo, hi int) {
	K, C := k.k, k.g.outC
	pa := int8s(buf[:K])
	in, wts, out := k.in.Int8(), k.filter.Int8(), k.out.Int8()
	pad := int8(-k.rq.inOffset)
	px := k.g.pixelAt(lo)
	for p := lo; p < hi; p++ {
		for grp := 0; grp < k.groups; grp++ {
			a := patch(&k.g, pa, in, px, grp*k.depth, k.depth, pad)
			for c := grp * k.perGroup; c < (grp+1)*k.perGroup; c++ {
				out[p*C+c] = k.rq.int8Out(dotInt8(a, wts[c*K:(c+1)*K])+k.addend[c], c)
			}
		}
		k.g.next(&px)
	}
}

func (k *Conv2D) runInt16(buf []byte, lo, hi int) {
	K, C := k.k, k.g.outC
	pa := int16s(buf[:2*K])
	in, wts, out := k.in.Int16(), k.filter.Int8(), k.out.Int16()
	var bias32 []int32
	var bias64 []int64
	if k.bias != nil {
		if k.bias.Type == tensor.Int32 {
			bias32 = k.bias.Int32()
		} else {
			bias64 = k.bias.Int64()
		}
	}
	px := k.g.pixelAt(lo)
	for p := lo; p < hi; p++ {
		o := out[p*C : (p+1)*C]
		for grp := 0; grp < k.groups; grp++ {
			a := patch(&k.g, pa, in, px, grp*k.depth, k.depth, 0)
			c, c1 := grp*k.perGroup, (grp+1)*k.perGroup
			for ; c+4 <= c1; c += 4 {
				w := wts[c*K : (c+4)*K]
				s0, s1, s2, s3 := dotInt16x4(a, w[:K], w[K:2*K], w[2*K:3*K], w[3*K:])
				o[c] = k.finishInt16(bias32, bias64, s0, c)
				o[c+1] = k.finishInt16(bias32, bias64, s1, c+1)
				o[c+2] = k.finishInt16(bias32, bias64, s2, c+2)
				o[c+3] = k.finishInt16(bias32, bias64, s3, c+3)
			}
			for ; c < c1; c++ {
				o[c] = k.finishInt16(bias32, bias64, dotInt16(a, wts[c*K:(c+1)*K]), c)
			}
		}
		k.g.next(&px)
	}
}

// storeFloat4 finishes channels [c, c+4) of one pixel.
func (k *Conv2D) storeFloat4(o, bias []float32, c int, s0, s1, s2, s3 float32) {
	o = o[c : c+4 : c+4]
	o[0] = k.finishFloat(bias, s0, c)
	o[1] = k.finishFloat(bias, s1, c+1)
	o[2] = k.finishFloat(bias, s2, c+2)
	o[3] = k.finishFloat(bias, s3, c+3)
}

// finishFloat adds the bias and clamps to the activation range with
// fgemm.Clamp (Go's min and max, every NaN the canonical one), so that the
// plain-Go path gives the packed path's bytes.
func (k *Conv2D) finishFloat(bias []float32, total float32, c int) float32 {
	if bias != nil {
		total += bias[c]
	}
	return fgemm.Clamp(total, k.fmin, k.fmax)
}

// finishInt16 adds the bias to a 16x8 sum and requantizes it, in int32 when
// the reference accumulates in int32 (int32 bias) and in int64 otherwise.
func (k *Conv2D) finishInt16(bias32 []int32, bias64 []int64, sum int64, c int) int16 {
	if k.acc32 {
		acc := int32(sum) // the reference's int32 accumulator wraps
		if bias32 != nil {
			acc += bias32[c]
		}
		return k.rq.int16Out32(acc, c)
	}
	if bias64 != nil {
		sum += bias64[c]
	}
	return k.rq.int16Out(sum, c)
}
