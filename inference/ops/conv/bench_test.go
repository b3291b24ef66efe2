package conv_test

import (
	"fmt"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// BenchmarkConv2DInt8_MobileNetShape times the two most common MobileNet v2
// layer shapes: a 1x1 expansion 56x56x24 -> 56x56x144 and a 3x3 depthwise
// convolution over 56x56x144, on one and two threads.
func BenchmarkConv2DInt8_MobileNetShape(b *testing.B) {
	for _, tc := range []struct {
		name string
		c    convCase
	}{
		{"conv1x1_56x56x24_to_144", convCase{op: builder.Conv2D, in: []int{1, 56, 56, 24}, filter: []int{144, 1, 1, 24}, stride: [2]int{1, 1}, pad: builder.Same, act: builder.ActRelu6}},
		{"depthwise3x3_56x56x144", convCase{op: builder.DepthwiseConv2D, in: []int{1, 56, 56, 144}, filter: []int{1, 3, 3, 144}, stride: [2]int{1, 1}, pad: builder.Same, act: builder.ActRelu6}},
		{"conv1x1_14x14x576_to_160", convCase{op: builder.Conv2D, in: []int{1, 14, 14, 576}, filter: []int{160, 1, 1, 576}, stride: [2]int{1, 1}, pad: builder.Same}},
		{"conv3x3s2_224x224x3_to_32", convCase{op: builder.Conv2D, in: []int{1, 224, 224, 3}, filter: []int{32, 3, 3, 3}, stride: [2]int{2, 2}, pad: builder.Same, act: builder.ActRelu6}},
	} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", tc.name, threads), func(b *testing.B) {
				c := tc.c
				c.typ = tensor.Int8
				c.perChannel = true
				m := c.build(b, 1)
				it, err := opstest.TryBuild(m.b, resolver(), inference.Options{Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				defer it.Close()
				opstest.Set(b, it.Input(0), m.inInt8)
				macs := c.macs()
				b.ResetTimer()
				for b.Loop() {
					if err := it.Invoke(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}

// BenchmarkConv2DFloat times float32 CONV_2D on the plain-Go reference
// path and on the fastest path of this CPU (fgemm): a 1x1 convolution read
// in place and a 3x3 one through im2col blocks, on one thread.
func BenchmarkConv2DFloat(b *testing.B) {
	paths := inference.KernelPaths()
	for _, tc := range []struct {
		name string
		c    convCase
	}{
		{"conv1x1_14x14x256_to_256", convCase{op: builder.Conv2D, in: []int{1, 14, 14, 256}, filter: []int{256, 1, 1, 256}, stride: [2]int{1, 1}, pad: builder.Same, act: builder.ActRelu6}},
		{"conv3x3_28x28x32_to_64", convCase{op: builder.Conv2D, in: []int{1, 28, 28, 32}, filter: []int{64, 3, 3, 32}, stride: [2]int{1, 1}, pad: builder.Same, act: builder.ActRelu}},
	} {
		for _, path := range []string{paths[0], paths[len(paths)-1]} {
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
				b.ResetTimer()
				for b.Loop() {
					if err := it.Invoke(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}
