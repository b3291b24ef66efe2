package dwconv

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/edge-agent/edge-agent/inference/quant"
)

// naive computes batch n of the output with the definition's loops and
// TFLite's reference requantization (quant.MultiplyByQuantizedMultiplier),
// independently of the package's code.
func naive(p *Params, filter, in []int8, n int) []int8 {
	out := make([]int8, p.OH*p.OW*p.C)
	for oy := range p.OH {
		for ox := range p.OW {
			for c := range p.C {
				var acc int32
				if p.Bias != nil {
					acc = p.Bias[c]
				}
				for fy := range p.KH {
					iy := oy*p.SH - p.PadTop + fy*p.DH
					if iy < 0 || iy >= p.H {
						continue
					}
					for fx := range p.KW {
						ix := ox*p.SW - p.PadLeft + fx*p.DW
						if ix < 0 || ix >= p.W {
							continue
						}
						x := int32(in[((n*p.H+iy)*p.W+ix)*p.C+c])
						acc += (x + p.InOffset) * int32(filter[(fy*p.KW+fx)*p.C+c])
					}
				}
				r := quant.MultiplyByQuantizedMultiplier(acc, p.Mult[c], p.Shift[c]) + p.OutOffset
				out[(oy*p.OW+ox)*p.C+c] = int8(min(max(r, p.QMin), p.QMax))
			}
		}
	}
	return out
}

// window returns the output size and leading padding of one dimension:
// SAME (ceil(in/stride) outputs, TFLite's padding) or VALID.
func window(in, k, s, d int, same bool) (out, pad int) {
	eff := (k-1)*d + 1
	if !same && in >= eff {
		return (in-eff)/s + 1, 0
	}
	out = (in + s - 1) / s
	total := max((out-1)*s+eff-in, 0)
	return out, total / 2
}

// problem is one random convolution: parameters, filter and a batched input.
type problem struct {
	p       Params
	filter  []int8
	in      []int8
	batches int
}

func (pr *problem) String() string {
	p := &pr.p
	return fmt.Sprintf("in %dx%dx%dx%d k %dx%d s %d,%d d %d,%d pad %d,%d out %dx%d off %d/%d q [%d,%d] bias %v",
		pr.batches, p.H, p.W, p.C, p.KH, p.KW, p.SH, p.SW, p.DH, p.DW, p.PadTop, p.PadLeft, p.OH, p.OW,
		p.InOffset, p.OutOffset, p.QMin, p.QMax, p.Bias != nil)
}

func randInt8s(rng *rand.Rand, n int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = int8(rng.Uint32())
	}
	return s
}

// randKernel draws a filter size: 3 most often, else 1..5.
func randKernel(rng *rand.Rand) int {
	if rng.IntN(2) == 0 {
		return 3
	}
	return 1 + rng.IntN(5)
}

// randProblem draws a convolution with H, W in 1..maxHW and C in 1..maxC:
// SAME, VALID or arbitrary padding; per-channel multipliers from
// QuantizeMultiplier of scales typical of depthwise layers, with
// occasional extreme ones; relu6-like or full output ranges; bias nil,
// small or full int32.
func randProblem(rng *rand.Rand, maxHW, maxC int) *problem {
	pr := &problem{batches: 1 + rng.IntN(2)}
	p := &pr.p
	p.H, p.W, p.C = 1+rng.IntN(maxHW), 1+rng.IntN(maxHW), 1+rng.IntN(maxC)
	p.KH, p.KW = randKernel(rng), randKernel(rng)
	if rng.IntN(3) > 0 {
		p.KW = p.KH
	}
	p.SH, p.SW = 1+rng.IntN(2), 1+rng.IntN(2)
	p.DH, p.DW = 1+rng.IntN(2), 1+rng.IntN(2)
	if rng.IntN(4) > 0 {
		p.DH, p.DW = 1, 1
	}
	switch rng.IntN(3) {
	case 0, 1:
		same := rng.IntN(2) == 0
		p.OH, p.PadTop = window(p.H, p.KH, p.SH, p.DH, same)
		p.OW, p.PadLeft = window(p.W, p.KW, p.SW, p.DW, same)
	default: // arbitrary padding and output size, windows partly or wholly outside
		p.PadTop, p.PadLeft = rng.IntN(p.KH*p.DH+1), rng.IntN(p.KW*p.DW+1)
		p.OH, p.OW = 1+rng.IntN(p.H+2), 1+rng.IntN(p.W+2)
	}
	p.InOffset = int32(rng.IntN(256) - 127)
	p.OutOffset = int32(rng.IntN(256) - 128)
	switch rng.IntN(8) {
	case 0: // beyond int8 zero points: the arithmetic wraps the same way
		p.InOffset, p.OutOffset = int32(rng.Uint32()), int32(rng.Uint32())
	case 1:
		p.InOffset = 128
	}
	p.QMin, p.QMax = -128, 127
	switch rng.IntN(3) {
	case 0: // relu6-like
		p.QMin = max(p.OutOffset, -128)
		if p.QMin > 127 {
			p.QMin = 127
		}
		p.QMax = min(127, max(p.QMin, p.QMin+int32(rng.IntN(128))))
	case 1:
		p.QMin = int32(rng.IntN(256) - 128)
		p.QMax = p.QMin + int32(rng.IntN(int(128-p.QMin)))
	}
	p.Mult, p.Shift = make([]int32, p.C), make([]int, p.C)
	taps := float64(p.KH * p.KW)
	noLeft := rng.IntN(2) == 0 // the common case: every scale below 1
	for c := range p.C {
		real := math.Exp2(rng.Float64()*6-4) / (128 * math.Sqrt(taps) * 64)
		switch rng.IntN(12) {
		case 0:
			real = math.Exp2(rng.Float64()*40 - 33) // right shifts up to 31
		case 1:
			real = math.Exp2(rng.Float64()*12 + 1) // left shifts
		case 2:
			real = math.Exp2(float64(rng.IntN(60) - 40)) // exact powers of two: ties
		}
		if noLeft {
			real = min(real, 0.75)
		}
		p.Mult[c], p.Shift[c] = quant.QuantizeMultiplier(real)
	}
	switch rng.IntN(3) {
	case 0:
		p.Bias = make([]int32, p.C)
		for c := range p.Bias {
			p.Bias[c] = int32(rng.IntN(1<<16) - 1<<15)
		}
	case 1:
		p.Bias = make([]int32, p.C)
		for c := range p.Bias {
			p.Bias[c] = int32(rng.Uint32())
		}
	}
	pr.filter = randInt8s(rng, p.KH*p.KW*p.C)
	pr.in = randInt8s(rng, pr.batches*p.H*p.W*p.C)
	if rng.IntN(4) == 0 { // a constant input: accumulators hit ties and clamps
		v := int8(rng.Uint32())
		for i := range pr.in {
			pr.in[i] = v
		}
	}
	return pr
}
