package inference_test

// The goldens of the int8 vision models come from TFLite-WASM, which runs
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED through XNNPACK. XNNPACK
// requantizes an accumulator with a float32 scale and rounds half to even;
// TFLite's reference kernels, which ours follow, use a fixed-point
// multiplier with double rounding. The two disagree by one step on rare
// elements, and a deep network compounds those steps. The tests below run
// the models node by node with the interpreter, but recompute every
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED output from its int32
// accumulators with XNNPACK's requantization, computed by an independent
// direct loop here. If the goldens then agree, the differences of the
// plain run are accounted for by requantization alone; everything else
// (padding, accumulation, pooling, softmax, the graph) is checked exactly.

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// xnnRequantize returns XNNPACK's fp32 requantization of acc.
func xnnRequantize(acc int32, scale float32, zp, lo, hi int32) int8 {
	r := int32(math.RoundToEven(float64(float32(acc)*scale))) + zp
	return int8(min(max(r, lo), hi))
}

func i32(t *tensor.Tensor, i int) int32 {
	if t == nil {
		return 0
	}
	return t.Int32()[i]
}

// emulateXNNPack recomputes node n's int8 output as XNNPACK would. It
// returns false for nodes it leaves alone.
func emulateXNNPack(t *testing.T, n *ops.Node) bool {
	name := n.Name()
	if name != "CONV_2D" && name != "DEPTHWISE_CONV_2D" && name != "FULLY_CONNECTED" {
		return false
	}
	in, w, bias, out := n.Input(0), n.Input(1), n.Input(2), n.Output(0)
	if in.Type != tensor.Int8 {
		return false
	}
	var act tflite.ActivationFunctionType
	var sh, sw, dh, dw int
	var pad tflite.Padding
	switch name {
	case "CONV_2D":
		o, err := ops.Options[tflite.Conv2DOptions](n, tflite.BuiltinOptionsConv2DOptions)
		if err != nil {
			t.Fatal(err)
		}
		act, pad, sh, sw, dh, dw = o.FusedActivationFunction(), o.Padding(), int(o.StrideH()), int(o.StrideW()), int(o.DilationHFactor()), int(o.DilationWFactor())
	case "DEPTHWISE_CONV_2D":
		o, err := ops.Options[tflite.DepthwiseConv2DOptions](n, tflite.BuiltinOptionsDepthwiseConv2DOptions)
		if err != nil {
			t.Fatal(err)
		}
		act, pad, sh, sw, dh, dw = o.FusedActivationFunction(), o.Padding(), int(o.StrideH()), int(o.StrideW()), int(o.DilationHFactor()), int(o.DilationWFactor())
	case "FULLY_CONNECTED":
		o, err := ops.Options[tflite.FullyConnectedOptions](n, tflite.BuiltinOptionsFullyConnectedOptions)
		if err != nil {
			t.Fatal(err)
		}
		act = o.FusedActivationFunction()
	}
	lo, hi, err := n.ActivationRangeQuantized(act, out)
	if err != nil {
		t.Fatal(err)
	}
	inZP, outZP := in.ZeroPoint(), out.ZeroPoint()
	scale := func(c int) float32 {
		ws := w.Quant.Scale[0]
		if len(w.Quant.Scale) > 1 {
			ws = w.Quant.Scale[c]
		}
		return in.Scale() * ws / out.Scale()
	}
	x, f, y := in.Int8(), w.Int8(), out.Int8()
	if name == "FULLY_CONNECTED" {
		depth, accum := w.Shape[0], w.Shape[1]
		for b := 0; b < len(y)/depth; b++ {
			for c := 0; c < depth; c++ {
				acc := i32(bias, c)
				for d := 0; d < accum; d++ {
					acc += int32(f[c*accum+d]) * (int32(x[b*accum+d]) - inZP)
				}
				y[b*depth+c] = xnnRequantize(acc, scale(c), outZP, lo, hi)
			}
		}
		return true
	}
	N, H, W, C := in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	OH, OW, OC := out.Shape[1], out.Shape[2], out.Shape[3]
	KH, KW := w.Shape[1], w.Shape[2]
	padding := func(in, k, s, d, o int) int {
		if pad == tflite.PaddingVALID {
			return 0
		}
		total := (o-1)*s + (k-1)*d + 1 - in
		return max(total, 0) / 2
	}
	pt, pl := padding(H, KH, sh, dh, OH), padding(W, KW, sw, dw, OW)
	for b := 0; b < N; b++ {
		for oy := 0; oy < OH; oy++ {
			for ox := 0; ox < OW; ox++ {
				for oc := 0; oc < OC; oc++ {
					acc := i32(bias, oc)
					for ky := 0; ky < KH; ky++ {
						iy := oy*sh - pt + ky*dh
						if iy < 0 || iy >= H {
							continue
						}
						for kx := 0; kx < KW; kx++ {
							ix := ox*sw - pl + kx*dw
							if ix < 0 || ix >= W {
								continue
							}
							px := x[((b*H+iy)*W+ix)*C:]
							if name == "DEPTHWISE_CONV_2D" {
								mult := OC / C
								acc += int32(f[(ky*KW+kx)*OC+oc]) * (int32(px[oc/mult]) - inZP)
							} else {
								wr := f[((oc*KH+ky)*KW+kx)*C:]
								for ic := 0; ic < C; ic++ {
									acc += int32(wr[ic]) * (int32(px[ic]) - inZP)
								}
							}
						}
					}
					y[((b*OH+oy)*OW+ox)*OC+oc] = xnnRequantize(acc, scale(oc), outZP, lo, hi)
				}
			}
		}
	}
	return true
}

// TestVisionGoldensWithXNNPackRequantization runs person_detect and
// MobileNet v2 with XNNPACK's requantization substituted as described above.
// person_detect (whose pooling and softmax TFLite-WASM ran with its own
// reference kernels) must then match its goldens exactly. MobileNet v2 also
// ran its ADD and MEAN through XNNPACK, whose own fixed-point ADD rounding
// is not emulated here, so its bar is one step on every element, from up
// to ten steps in the plain run.
func TestVisionGoldensWithXNNPackRequantization(t *testing.T) {
	if testing.Short() {
		t.Skip("slow direct convolutions")
	}
	for _, tc := range []struct {
		model    string
		cases    int
		maxSteps int
	}{
		{"person_detect", 2, 0},
		{"mobilenet_v2_quantized_1x3x224x224", 2, 1},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m, err := model.LoadFile(testenv.Shared(t, "models", tc.model+".tflite"))
			if err != nil {
				t.Fatal(err)
			}
			// Node by node with the model's own operators: no PAD folded
			// (its output is the padded tensor the emulation reads).
			it, err := inference.New(m, inference.Options{NoFusion: true})
			if err != nil {
				t.Fatal(err)
			}
			defer it.Close()
			dir := testenv.Shared(t, "golden", tc.model)
			for k := 0; k < tc.cases; k++ {
				in, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("input_%d.bin", k)))
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("output_%d.bin", k)))
				if err != nil {
					t.Fatal(err)
				}
				copy(it.Input(0).Data, in)
				emulated := 0
				for i, n := range it.Nodes() {
					if err := it.EvalNode(i); err != nil {
						t.Fatal(err)
					}
					if emulateXNNPack(t, n) {
						emulated++
					}
				}
				c, err := compare(it.Output(0), want)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("case %d: %d nodes requantized as XNNPACK does; %d elements: %d exact, %d one step off, %d more (max %d steps)",
					k, emulated, c.elements, c.exact, c.offByOne, c.worse, c.maxSteps)
				if c.maxSteps > tc.maxSteps {
					t.Errorf("case %d: max difference %d steps, want at most %d", k, c.maxSteps, tc.maxSteps)
				}
			}
		})
	}
}
