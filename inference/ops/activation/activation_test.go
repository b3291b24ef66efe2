package activation_test

import (
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// TestThreadsMatchOneThread runs every operator on a tensor large enough to
// be split between workers and requires the same output as one thread.
func TestThreadsMatchOneThread(t *testing.T) {
	shape := []int{3, 40, 100}
	n := 3 * 40 * 100
	r := rand.New(rand.NewPCG(7, 8))
	in8 := make([]int8, n)
	in16 := make([]int16, n)
	inF := make([]float32, n)
	for i := range in8 {
		in8[i] = int8(r.IntN(256) - 128)
		in16[i] = int16(r.IntN(65536) - 32768)
		inF[i] = r.Float32()*20 - 10
	}
	type tc struct {
		code    builder.Code
		in, out io
		opts    builder.Options
	}
	var cases []tc
	for _, c := range []builder.Code{builder.Relu, builder.Relu6, reluN1To1, builder.LeakyRelu, builder.HardSwish, builder.Logistic, builder.Tanh, builder.Softmax} {
		var opts builder.Options
		if c == builder.LeakyRelu {
			opts = builder.LeakyReluOptions{Alpha: 0.1}
		}
		if c == builder.Softmax {
			opts = builder.SoftmaxOptions{Beta: 1}
		}
		cases = append(cases, tc{c, f32(shape...), f32(shape...), opts})
		out8 := i8(0.05, 3, shape...)
		out16 := i16(1.0/1024, 0, shape...)
		switch c {
		case builder.Logistic, builder.Softmax:
			out8 = i8(1.0/256, -128, shape...)
			out16 = i16(1.0/32768, 0, shape...)
		case builder.Tanh:
			out8 = i8(1.0/128, 0, shape...)
			out16 = i16(1.0/32768, 0, shape...)
		}
		cases = append(cases, tc{c, i8(0.07, -5, shape...), out8, opts})
		if c != builder.HardSwish {
			cases = append(cases, tc{c, i16(1.0/2048, 0, shape...), out16, opts})
		}
	}
	for _, c := range cases {
		t.Run(c.code.String()+"/"+c.in.dt.String(), func(t *testing.T) {
			var outs [2][]byte
			for i, threads := range []int{1, 4} {
				it, err := opstest.TryBuild(model(c.code, c.in, c.out, c.opts), resolver(), inference.Options{Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				defer it.Close()
				switch c.in.dt {
				case tensor.Float32:
					opstest.Set(t, it.Input(0), inF)
				case tensor.Int8:
					opstest.Set(t, it.Input(0), in8)
				default:
					opstest.Set(t, it.Input(0), in16)
				}
				opstest.Invoke(t, it)
				outs[i] = append([]byte(nil), it.Output(0).Data...)
			}
			if string(outs[0]) != string(outs[1]) {
				t.Errorf("outputs with 4 threads differ from one thread")
			}
		})
	}
}
