package shape_test

import (
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestTranspose2D(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
	perm := b.Const("perm", tensor.Int32, []int{2}, nil, []int32{1, 0})
	out := b.Tensor("out", tensor.Float32, []int{3, 2}, nil)
	b.Op(builder.Transpose, []int{in, perm}, []int{out}, builder.TransposeOptions{})
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []float32{1, 2, 3, 4, 5, 6})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Float32(), []float32{1, 4, 2, 5, 3, 6})
}

// NCHW [1, 2, 2, 3] to NHWC [1, 2, 3, 2]: channel c of pixel (h, w) is input
// element c*6 + h*3 + w.
func TestTransposeNCHWToNHWCInt8(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{1, 2, 2, 3}, builder.PerTensor(1, 3))
	perm := b.Const("perm", tensor.Int64, []int{4}, nil, []int64{0, 2, 3, 1})
	out := b.Tensor("out", tensor.Int8, []int{1, 2, 3, 2}, builder.PerTensor(1, 3))
	b.Op(builder.Transpose, []int{in, perm}, []int{out}, nil)
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), []int8{
		0, 1, 2, 3, 4, 5, // channel 0
		-6, -7, -8, -9, -10, -11, // channel 1
	})
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{0, -6, 1, -7, 2, -8, 3, -9, 4, -10, 5, -11})
}

func TestTransposeInt16ThreeAxes(t *testing.T) {
	// in [2, 3, 2], perm [2, 0, 1]: out[k, i, j] = in[i, j, k].
	b := builder.New()
	in := b.Tensor("in", tensor.Int16, []int{2, 3, 2}, nil)
	perm := b.Const("perm", tensor.Int32, []int{3}, nil, []int32{2, 0, 1})
	out := b.Tensor("out", tensor.Int16, []int{2, 2, 3}, nil)
	b.Op(builder.Transpose, []int{in, perm}, []int{out}, nil)
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), seq[int16](12))
	opstest.Invoke(t, it)
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11})
}

// Six axes and every element size, against index arithmetic done here.
func TestTransposeSixAxesAllTypes(t *testing.T) {
	inShape := []int{2, 3, 1, 2, 4, 2}
	perm := []int{4, 1, 5, 0, 3, 2}
	outShape := make([]int, 6)
	for i, p := range perm {
		outShape[i] = inShape[p]
	}
	src := transposeSources(inShape, perm)
	for _, dt := range allTypes {
		t.Run(dt.String(), func(t *testing.T) {
			b := builder.New()
			in := b.Tensor("in", dt, inShape, nil)
			pv := make([]int32, 6)
			for i, p := range perm {
				pv[i] = int32(p)
			}
			pt := b.Const("perm", tensor.Int32, []int{6}, nil, pv)
			out := b.Tensor("out", dt, outShape, nil)
			b.Op(builder.Transpose, []int{in, pt}, []int{out}, nil)
			it := build(t, b, []int{in}, []int{out})
			fillPattern(it.Input(0))
			opstest.Invoke(t, it)
			checkGather(t, it.Input(0), it.Output(0), src, nil)
		})
	}
}

// transposeSources returns, for each output element, its input element.
func transposeSources(inShape, perm []int) []int {
	rank := len(inShape)
	inStride := make([]int, rank)
	acc := 1
	for i := rank - 1; i >= 0; i-- {
		inStride[i] = acc
		acc *= inShape[i]
	}
	src := make([]int, acc)
	idx := make([]int, rank) // output index
	for o := range src {
		s := 0
		for i, p := range perm {
			s += idx[i] * inStride[p]
		}
		src[o] = s
		for i := rank - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < inShape[perm[i]] {
				break
			}
			idx[i] = 0
		}
	}
	return src
}

func TestTransposeMobileNetInput(t *testing.T) {
	it := mobilenetTranspose(t)
	in := it.Input(0)
	for i := range in.Data {
		in.Data[i] = byte(i*13 + i/50176)
	}
	opstest.Invoke(t, it)
	out := it.Output(0).Data
	for p := 0; p < 224*224; p++ {
		for c := 0; c < 3; c++ {
			if out[p*3+c] != in.Data[c*50176+p] {
				t.Fatalf("pixel %d channel %d = %d, want %d", p, c, out[p*3+c], in.Data[c*50176+p])
			}
		}
	}
}

func mobilenetTranspose(t testing.TB) *inference.Interpreter {
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{1, 3, 224, 224}, builder.PerTensor(0.02, -1))
	perm := b.Const("perm", tensor.Int32, []int{4}, nil, []int32{0, 2, 3, 1})
	out := b.Tensor("out", tensor.Int8, []int{1, 224, 224, 3}, builder.PerTensor(0.02, -1))
	b.Op(builder.Transpose, []int{in, perm}, []int{out}, nil)
	b.Inputs(in)
	b.Outputs(out)
	return opstest.Build(t, b, resolver())
}

func BenchmarkTransposeMobileNetInput(b *testing.B) {
	it := mobilenetTranspose(b)
	b.SetBytes(3 * 224 * 224)
	for b.Loop() {
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTransposeRefusals(t *testing.T) {
	t.Run("not a permutation", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 2}, nil)
		perm := b.Const("perm", tensor.Int32, []int{2}, nil, []int32{1, 1})
		out := b.Tensor("out", tensor.Float32, []int{2, 2}, nil)
		b.Op(builder.Transpose, []int{in, perm}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "TRANSPOSE", "permutation")
	})
	t.Run("non-constant perm", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 2}, nil)
		perm := b.Tensor("perm", tensor.Int32, []int{2}, nil)
		out := b.Tensor("out", tensor.Float32, []int{2, 2}, nil)
		b.Op(builder.Transpose, []int{in, perm}, []int{out}, nil)
		refused(t, b, []int{in, perm}, []int{out}, "TRANSPOSE", "constant")
	})
	t.Run("output shape", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		perm := b.Const("perm", tensor.Int32, []int{2}, nil, []int32{1, 0})
		out := b.Tensor("out", tensor.Float32, []int{2, 3}, nil)
		b.Op(builder.Transpose, []int{in, perm}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "TRANSPOSE", "shape")
	})
	t.Run("perm length", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{2, 3}, nil)
		perm := b.Const("perm", tensor.Int32, []int{3}, nil, []int32{1, 0, 2})
		out := b.Tensor("out", tensor.Float32, []int{3, 2}, nil)
		b.Op(builder.Transpose, []int{in, perm}, []int{out}, nil)
		refused(t, b, []int{in}, []int{out}, "TRANSPOSE", "vector")
	})
}

// Random shapes and permutations exercise the copy plan's loop merging and
// reordering; expectations come from plain index arithmetic.
func TestTransposeRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for c := 0; c < 40; c++ {
		rank := 1 + rng.IntN(6)
		inShape := make([]int, rank)
		for i := range inShape {
			inShape[i] = 1 + rng.IntN(4)
		}
		perm := rng.Perm(rank)
		outShape := make([]int, rank)
		pv := make([]int32, rank)
		for i, p := range perm {
			outShape[i] = inShape[p]
			pv[i] = int32(p)
		}
		dt := allTypes[rng.IntN(len(allTypes))]
		b := builder.New()
		in := b.Tensor("in", dt, inShape, nil)
		pt := b.Const("perm", tensor.Int32, []int{rank}, nil, pv)
		out := b.Tensor("out", dt, outShape, nil)
		b.Op(builder.Transpose, []int{in, pt}, []int{out}, nil)
		it := build(t, b, []int{in}, []int{out})
		fillPattern(it.Input(0))
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		t.Logf("case %d: %s %v perm %v", c, dt, inShape, perm)
		checkGather(t, it.Input(0), it.Output(0), transposeSources(inShape, perm), nil)
	}
}
