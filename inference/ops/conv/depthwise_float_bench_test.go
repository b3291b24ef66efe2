package conv_test

import (
	"fmt"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// BenchmarkDepthwiseFloat times float32 DEPTHWISE_CONV_2D (MobileNet v2's
// 3x3 layers, RELU6) through the interpreter on every kernel path, one
// thread: the plain-Go reference and the packed SIMD kernels (fdw). It
// reports GFLOP/s, two per multiply-accumulate of the window (padded taps
// counted).
func BenchmarkDepthwiseFloat(b *testing.B) {
	for _, tc := range []struct {
		name string
		c    convCase
	}{
		{"112x112x32", convCase{op: builder.DepthwiseConv2D, in: []int{1, 112, 112, 32}, filter: []int{1, 3, 3, 32}, stride: [2]int{1, 1}, pad: builder.Same, act: builder.ActRelu6}},
		{"112x112x96_s2", convCase{op: builder.DepthwiseConv2D, in: []int{1, 112, 112, 96}, filter: []int{1, 3, 3, 96}, stride: [2]int{2, 2}, pad: builder.Same, act: builder.ActRelu6}},
		{"56x56x144", convCase{op: builder.DepthwiseConv2D, in: []int{1, 56, 56, 144}, filter: []int{1, 3, 3, 144}, stride: [2]int{1, 1}, pad: builder.Same, act: builder.ActRelu6}},
		{"14x14x576", convCase{op: builder.DepthwiseConv2D, in: []int{1, 14, 14, 576}, filter: []int{1, 3, 3, 576}, stride: [2]int{1, 1}, pad: builder.Same, act: builder.ActRelu6}},
		{"7x7x960", convCase{op: builder.DepthwiseConv2D, in: []int{1, 7, 7, 960}, filter: []int{1, 3, 3, 960}, stride: [2]int{1, 1}, pad: builder.Same, act: builder.ActRelu6}},
	} {
		for _, path := range inference.KernelPaths() {
			b.Run(fmt.Sprintf("%s/%s", tc.name, path), func(b *testing.B) {
				c := tc.c
				c.typ = tensor.Float32
				m := c.build(b, 1)
				it, err := opstest.TryBuild(m.b, resolver(), inference.Options{Threads: 1, Kernels: path})
				if err != nil {
					b.Fatal(err)
				}
				defer it.Close()
				opstest.Set(b, it.Input(0), m.inF)
				macs := c.macs()
				for b.Loop() {
					if err := it.Invoke(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(2*float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
