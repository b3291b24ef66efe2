package pool_test

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/ops/pool"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	pool.Register(r)
	return r
}

// poolModel describes a single pooling operator for the tests.
type poolModel struct {
	code      builder.Code
	dtype     tensor.DType
	in, out   []int
	inQ, outQ *builder.Quant
	opts      builder.Pool2DOptions
}

func (m poolModel) builder() *builder.Builder {
	b := builder.New()
	in := b.Tensor("in", m.dtype, m.in, m.inQ)
	outQ := m.outQ
	if outQ == nil {
		outQ = m.inQ
	}
	out := b.Tensor("out", m.dtype, m.out, outQ)
	b.Op(m.code, []int{in}, []int{out}, m.opts)
	b.Inputs(in)
	b.Outputs(out)
	return b
}

func (m poolModel) build(t *testing.T) *inference.Interpreter {
	t.Helper()
	return opstest.Build(t, m.builder(), resolver())
}

func opts(pad builder.Padding, filter, stride int32, act builder.Activation) builder.Pool2DOptions {
	return builder.Pool2DOptions{Padding: pad, FilterHeight: filter, FilterWidth: filter,
		StrideH: stride, StrideW: stride, FusedActivationFunction: act}
}

func prepareError(t *testing.T, m poolModel, want ...string) {
	t.Helper()
	_, err := opstest.TryBuild(m.builder(), resolver())
	if err == nil {
		t.Fatalf("TryBuild succeeded, want an error mentioning %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("TryBuild = %v, want it to mention %q", err, w)
		}
	}
}

func TestPrepareRefusals(t *testing.T) {
	q := builder.PerTensor(0.5, 3)
	for _, tc := range []struct {
		name string
		m    poolModel
		want []string
	}{
		{"wrong output size", poolModel{code: builder.AveragePool2D, dtype: tensor.Float32,
			in: []int{1, 4, 4, 1}, out: []int{1, 3, 3, 1}, opts: opts(builder.Valid, 2, 2, builder.ActNone)},
			[]string{"AVERAGE_POOL_2D", "output is 3x3"}},
		{"channel mismatch", poolModel{code: builder.MaxPool2D, dtype: tensor.Float32,
			in: []int{1, 4, 4, 2}, out: []int{1, 2, 2, 1}, opts: opts(builder.Valid, 2, 2, builder.ActNone)},
			[]string{"MAX_POOL_2D", "channel"}},
		{"rank 3", poolModel{code: builder.MaxPool2D, dtype: tensor.Float32,
			in: []int{4, 4, 1}, out: []int{2, 2, 1}, opts: opts(builder.Valid, 2, 2, builder.ActNone)},
			[]string{"MAX_POOL_2D", "rank 3"}},
		{"zero stride", poolModel{code: builder.AveragePool2D, dtype: tensor.Float32,
			in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}, opts: opts(builder.Valid, 2, 0, builder.ActNone)},
			[]string{"AVERAGE_POOL_2D", "strides"}},
		{"no options", poolModel{code: builder.AveragePool2D, dtype: tensor.Float32,
			in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}},
			[]string{"AVERAGE_POOL_2D", "filter size 0x0"}},
		{"int32 input", poolModel{code: builder.MaxPool2D, dtype: tensor.Int32,
			in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}, opts: opts(builder.Valid, 2, 2, builder.ActNone)},
			[]string{"MAX_POOL_2D", "INT32"}},
		{"requantizing output", poolModel{code: builder.AveragePool2D, dtype: tensor.Int8,
			in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}, inQ: q, outQ: builder.PerTensor(0.25, 3),
			opts: opts(builder.Valid, 2, 2, builder.ActNone)},
			[]string{"AVERAGE_POOL_2D", "quantization"}},
		{"zero point change", poolModel{code: builder.MaxPool2D, dtype: tensor.Int16,
			in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}, inQ: q, outQ: builder.PerTensor(0.5, 0),
			opts: opts(builder.Valid, 2, 2, builder.ActNone)},
			[]string{"MAX_POOL_2D", "quantization"}},
		{"unquantized int8", poolModel{code: builder.MaxPool2D, dtype: tensor.Int8,
			in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}, opts: opts(builder.Valid, 2, 2, builder.ActNone)},
			[]string{"MAX_POOL_2D", "not quantized"}},
		{"tanh activation", poolModel{code: builder.AveragePool2D, dtype: tensor.Float32,
			in: []int{1, 4, 4, 1}, out: []int{1, 2, 2, 1}, opts: opts(builder.Valid, 2, 2, builder.ActTanh)},
			[]string{"AVERAGE_POOL_2D", "activation"}},
	} {
		t.Run(tc.name, func(t *testing.T) { prepareError(t, tc.m, tc.want...) })
	}
}

func TestPrepareRefusesMixedTypes(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2, 2, 1}, nil)
	out := b.Tensor("out", tensor.Int8, []int{1, 1, 1, 1}, builder.PerTensor(1, 0))
	b.Op(builder.MaxPool2D, []int{in}, []int{out}, opts(builder.Valid, 2, 2, builder.ActNone))
	b.Inputs(in)
	b.Outputs(out)
	if _, err := opstest.TryBuild(b, resolver()); err == nil || !strings.Contains(err.Error(), "MAX_POOL_2D") {
		t.Fatalf("TryBuild = %v, want a type error", err)
	}
}

// naivePool pools an NHWC int8 image by testing every filter tap against
// the image bounds; averages round half away from zero (math.Round).
func naivePool(in []int8, shape []int, fh, fw, sh, sw, padH, padW, oh, ow int, average bool) []int8 {
	b, h, w, d := shape[0], shape[1], shape[2], shape[3]
	out := make([]int8, 0, b*oh*ow*d)
	for n := 0; n < b; n++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for c := 0; c < d; c++ {
					sum, count, best := 0, 0, -129
					for i := 0; i < fh; i++ {
						for j := 0; j < fw; j++ {
							iy, ix := y*sh-padH+i, x*sw-padW+j
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							v := int(in[((n*h+iy)*w+ix)*d+c])
							sum += v
							count++
							best = max(best, v)
						}
					}
					if average {
						out = append(out, int8(math.Round(float64(sum)/float64(count))))
					} else {
						out = append(out, int8(best))
					}
				}
			}
		}
	}
	return out
}

func TestThreadedMatchesNaive(t *testing.T) {
	shape := []int{2, 63, 64, 8} // large enough for several parallel chunks
	in := make([]int8, tensor.NumElements(shape))
	seed := uint32(1)
	for i := range in {
		seed = seed*1664525 + 1013904223
		in[i] = int8(seed >> 24)
	}
	// Filter 3x2, strides 2x3. SAME: out 32x22, total padding h 2 (1
	// before), w 1 (0 before). VALID: out 31x21.
	for _, tc := range []struct {
		pad                builder.Padding
		oh, ow, padH, padW int
	}{
		{builder.Same, 32, 22, 1, 0},
		{builder.Valid, 31, 21, 0, 0},
	} {
		for _, code := range []builder.Code{builder.AveragePool2D, builder.MaxPool2D} {
			m := poolModel{code: code, dtype: tensor.Int8, in: shape, out: []int{2, tc.oh, tc.ow, 8},
				inQ: builder.PerTensor(0.1, 0), opts: builder.Pool2DOptions{Padding: tc.pad,
					FilterHeight: 3, FilterWidth: 2, StrideH: 2, StrideW: 3}}
			it, err := opstest.TryBuild(m.builder(), resolver(), inference.Options{Threads: 4})
			if err != nil {
				t.Fatal(err)
			}
			opstest.Set(t, it.Input(0), in)
			opstest.Invoke(t, it)
			want := naivePool(in, shape, 3, 2, 2, 3, tc.padH, tc.padW, tc.oh, tc.ow, code == builder.AveragePool2D)
			opstest.Equal(t, code.String()+" "+tc.pad.String(), it.Output(0).Int8(), want)
			it.Close()
		}
	}
}
