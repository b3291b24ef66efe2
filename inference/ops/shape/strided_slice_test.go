package shape_test

import (
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func TestStridedSliceSeanet(t *testing.T) {
	opstest.CheckSeanet(t, "strided_slice", resolver())
}

// sliceCase slices seq(inShape) (values 0, 1, 2, ...) as float32.
type sliceCase struct {
	name               string
	inShape            []int
	begin, end, stride []int32
	opts               builder.StridedSliceOptions
	outShape           []int
	want               []float32
}

func TestStridedSliceFloat(t *testing.T) {
	for _, tc := range []sliceCase{
		{name: "step 2", inShape: []int{8}, begin: []int32{1}, end: []int32{6}, stride: []int32{2},
			outShape: []int{3}, want: []float32{1, 3, 5}},
		{name: "negative indices", inShape: []int{8}, begin: []int32{-3}, end: []int32{-1}, stride: []int32{1},
			outShape: []int{2}, want: []float32{5, 6}},
		// start -1 -> 7, stop 0: 7, 5, 3, 1.
		{name: "negative stride", inShape: []int{8}, begin: []int32{-1}, end: []int32{0}, stride: []int32{-2},
			outShape: []int{4}, want: []float32{7, 5, 3, 1}},
		// begin_mask with a negative stride starts at the last element, end_mask runs through the first.
		{name: "reverse with masks", inShape: []int{4}, begin: []int32{0}, end: []int32{3}, stride: []int32{-1},
			opts: builder.StridedSliceOptions{BeginMask: 1, EndMask: 1}, outShape: []int{4}, want: []float32{3, 2, 1, 0}},
		{name: "out of range clamps", inShape: []int{4}, begin: []int32{-100}, end: []int32{100}, stride: []int32{3},
			outShape: []int{2}, want: []float32{0, 3}},
		{name: "empty", inShape: []int{4}, begin: []int32{3}, end: []int32{1}, stride: []int32{1},
			outShape: []int{0}, want: []float32{}},
		// [3, 4] = rows 0-3, 4-7, 8-11; rows 1: (mask), columns 3:0:-2 -> 3, 1.
		{name: "2d masks", inShape: []int{3, 4}, begin: []int32{1, 3}, end: []int32{0, 0}, stride: []int32{1, -2},
			opts: builder.StridedSliceOptions{EndMask: 1}, outShape: []int{2, 2}, want: []float32{7, 5, 11, 9}},
		{name: "shrink row", inShape: []int{3, 4}, begin: []int32{-2, 0}, end: []int32{0, 4}, stride: []int32{1, 1},
			opts: builder.StridedSliceOptions{ShrinkAxisMask: 1}, outShape: []int{4}, want: []float32{4, 5, 6, 7}},
		{name: "shrink both", inShape: []int{3, 4}, begin: []int32{2, -1}, end: []int32{0, 0}, stride: []int32{1, 1},
			opts: builder.StridedSliceOptions{ShrinkAxisMask: 3}, outShape: []int{}, want: []float32{11}},
		// Fewer spec entries than axes: the rest are taken whole.
		{name: "short spec", inShape: []int{3, 2}, begin: []int32{1}, end: []int32{3}, stride: []int32{1},
			outShape: []int{2, 2}, want: []float32{2, 3, 4, 5}},
		// x[..., 1:3] on [2, 2, 4].
		{name: "ellipsis", inShape: []int{2, 2, 4}, begin: []int32{0, 1}, end: []int32{0, 3}, stride: []int32{1, 1},
			opts: builder.StridedSliceOptions{EllipsisMask: 1}, outShape: []int{2, 2, 2},
			want: []float32{1, 2, 5, 6, 9, 10, 13, 14}},
		// x[1, ..., 0] on [2, 2, 4]: shrink both ends.
		{name: "ellipsis in the middle", inShape: []int{2, 2, 4}, begin: []int32{1, 0, 0}, end: []int32{2, 0, 1}, stride: []int32{1, 1, 1},
			opts: builder.StridedSliceOptions{EllipsisMask: 2, ShrinkAxisMask: 5}, outShape: []int{2}, want: []float32{8, 12}},
		// x[newaxis, :, 1] on [2, 3] -> [1, 2] = [[1 4]].
		{name: "new axis", inShape: []int{2, 3}, begin: []int32{0, 0, 1}, end: []int32{0, 0, 2}, stride: []int32{1, 1, 1},
			opts: builder.StridedSliceOptions{NewAxisMask: 1, BeginMask: 2, EndMask: 2, ShrinkAxisMask: 4}, outShape: []int{1, 2}, want: []float32{1, 4}},
		// x[:, newaxis] on [2]: a new axis after a real one.
		{name: "trailing new axis", inShape: []int{2}, begin: []int32{0, 0}, end: []int32{0, 0}, stride: []int32{1, 1},
			opts: builder.StridedSliceOptions{NewAxisMask: 2, BeginMask: 1, EndMask: 1}, outShape: []int{2, 1}, want: []float32{0, 1}},
		// offset: end counts from begin, x[1:1+3].
		{name: "offset", inShape: []int{6}, begin: []int32{1}, end: []int32{3}, stride: []int32{1},
			opts: builder.StridedSliceOptions{Offset: true}, outShape: []int{3}, want: []float32{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := builder.New()
			n := len(tc.begin)
			in := b.Tensor("in", tensor.Float32, tc.inShape, nil)
			bg := b.Const("begin", tensor.Int32, []int{n}, nil, tc.begin)
			en := b.Const("end", tensor.Int32, []int{n}, nil, tc.end)
			st := b.Const("strides", tensor.Int32, []int{n}, nil, tc.stride)
			out := b.Tensor("out", tensor.Float32, tc.outShape, nil)
			b.Op(builder.StridedSlice, []int{in, bg, en, st}, []int{out}, tc.opts)
			it := build(t, b, []int{in}, []int{out})
			opstest.Set(t, it.Input(0), seq[float32](tensor.NumElements(tc.inShape)))
			opstest.Invoke(t, it)
			opstest.Equal(t, "output", it.Output(0).Float32(), tc.want)
		})
	}
}

// INT64 begin/end/strides and INT16 data; [2, 3, 2] sliced [::-1, 1:, ::2].
func TestStridedSliceInt64SpecInt16(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Int16, []int{2, 3, 2}, builder.PerTensor(0.01, 0))
	bg := b.Const("begin", tensor.Int64, []int{3}, nil, []int64{0, 1, 0})
	en := b.Const("end", tensor.Int64, []int{3}, nil, []int64{0, 1 << 40, 0})
	st := b.Const("strides", tensor.Int64, []int{3}, nil, []int64{-1, 1, 2})
	out := b.Tensor("out", tensor.Int16, []int{2, 2, 1}, builder.PerTensor(0.01, 0))
	b.Op(builder.StridedSlice, []int{in, bg, en, st}, []int{out}, builder.StridedSliceOptions{BeginMask: 5, EndMask: 5})
	it := build(t, b, []int{in}, []int{out})
	opstest.Set(t, it.Input(0), seq[int16](12))
	opstest.Invoke(t, it)
	// Batch 1 first (8, 10), then batch 0 (2, 4).
	opstest.Equal(t, "output", it.Output(0).Int16(), []int16{8, 10, 2, 4})
}

func TestStridedSliceAllTypes(t *testing.T) {
	for _, dt := range allTypes {
		t.Run(dt.String(), func(t *testing.T) {
			// [3, 4][2:0:-1, 1::2] -> rows 2, 1; columns 1, 3.
			b := builder.New()
			in := b.Tensor("in", dt, []int{3, 4}, nil)
			bg := b.Const("begin", tensor.Int32, []int{2}, nil, []int32{2, 1})
			en := b.Const("end", tensor.Int32, []int{2}, nil, []int32{0, 0})
			st := b.Const("strides", tensor.Int32, []int{2}, nil, []int32{-1, 2})
			out := b.Tensor("out", dt, []int{2, 2}, nil)
			b.Op(builder.StridedSlice, []int{in, bg, en, st}, []int{out}, builder.StridedSliceOptions{EndMask: 2})
			it := build(t, b, []int{in}, []int{out})
			fillPattern(it.Input(0))
			opstest.Invoke(t, it)
			checkGather(t, it.Input(0), it.Output(0), []int{9, 11, 5, 7}, nil)
		})
	}
}

func TestStridedSliceRefusals(t *testing.T) {
	type spec struct {
		begin, end, stride []int32
		opts               builder.StridedSliceOptions
		outShape           []int
		runtimeBegin       bool
	}
	for _, tc := range []struct {
		name string
		spec spec
		want string
	}{
		{"zero stride", spec{[]int32{0}, []int32{4}, []int32{0}, builder.StridedSliceOptions{}, []int{4}, false}, "stride"},
		{"non-constant begin", spec{[]int32{0}, []int32{4}, []int32{1}, builder.StridedSliceOptions{}, []int{4}, true}, "constant"},
		{"output shape", spec{[]int32{0}, []int32{4}, []int32{2}, builder.StridedSliceOptions{}, []int{3}, false}, "shape"},
		{"shrink out of range", spec{[]int32{4}, []int32{5}, []int32{1}, builder.StridedSliceOptions{ShrinkAxisMask: 1}, []int{}, false}, "outside"},
		{"two ellipses", spec{[]int32{0, 0}, []int32{0, 0}, []int32{1, 1}, builder.StridedSliceOptions{EllipsisMask: 3}, []int{4}, false}, "ellipsis"},
		{"too many indices", spec{[]int32{0, 0}, []int32{1, 1}, []int32{1, 1}, builder.StridedSliceOptions{}, []int{1, 1}, false}, "indexes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.spec
			b := builder.New()
			in := b.Tensor("in", tensor.Float32, []int{4}, nil)
			ins := []int{in}
			bg := b.Const("begin", tensor.Int32, []int{len(s.begin)}, nil, s.begin)
			if s.runtimeBegin {
				bg = b.Tensor("begin_runtime", tensor.Int32, []int{len(s.begin)}, nil)
				ins = append(ins, bg)
			}
			en := b.Const("end", tensor.Int32, []int{len(s.end)}, nil, s.end)
			st := b.Const("strides", tensor.Int32, []int{len(s.stride)}, nil, s.stride)
			out := b.Tensor("out", tensor.Float32, s.outShape, nil)
			b.Op(builder.StridedSlice, []int{in, bg, en, st}, []int{out}, s.opts)
			refused(t, b, ins, []int{out}, "STRIDED_SLICE", tc.want)
		})
	}
}

// Random slices of rank 1 to 4 against Python's slice rules applied one
// axis at a time: pick each axis's index list, then take the product.
func TestStridedSliceRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for c := 0; c < 60; c++ {
		rank := 1 + rng.IntN(4)
		inShape := make([]int, rank)
		for i := range inShape {
			inShape[i] = 1 + rng.IntN(5)
		}
		var begin, end, stride []int32
		var opts builder.StridedSliceOptions
		picks := make([][]int, rank)
		var outShape []int
		for a, size := range inShape {
			bg, en := int32(rng.IntN(2*size+3)-size-1), int32(rng.IntN(2*size+3)-size-1)
			st := int32(rng.IntN(3) + 1)
			if rng.IntN(2) == 0 {
				st = -st
			}
			bm, em, shrink := rng.IntN(4) == 0, rng.IntN(4) == 0, rng.IntN(5) == 0
			picks[a] = pySlice(size, int(bg), int(en), int(st), bm, em)
			if shrink {
				i := int(bg)
				if i < 0 {
					i += size
				}
				if bm || i < 0 || i >= size {
					shrink = false // keep the case valid
				} else {
					picks[a] = []int{i}
					opts.ShrinkAxisMask |= 1 << a
				}
			}
			if bm {
				opts.BeginMask |= 1 << a
			}
			if em {
				opts.EndMask |= 1 << a
			}
			if !shrink {
				outShape = append(outShape, len(picks[a]))
			}
			begin, end, stride = append(begin, bg), append(end, en), append(stride, st)
		}
		// Expected sources: the product of the per-axis picks.
		strides := make([]int, rank)
		acc := 1
		for i := rank - 1; i >= 0; i-- {
			strides[i] = acc
			acc *= inShape[i]
		}
		src := []int{0}
		for a := range inShape {
			var next []int
			for _, s := range src {
				for _, i := range picks[a] {
					next = append(next, s+i*strides[a])
				}
			}
			src = next
		}
		b := builder.New()
		in := b.Tensor("in", tensor.Int16, inShape, nil)
		bt := b.Const("begin", tensor.Int32, []int{rank}, nil, begin)
		et := b.Const("end", tensor.Int32, []int{rank}, nil, end)
		st := b.Const("strides", tensor.Int32, []int{rank}, nil, stride)
		out := b.Tensor("out", tensor.Int16, outShape, nil)
		b.Op(builder.StridedSlice, []int{in, bt, et, st}, []int{out}, opts)
		it := build(t, b, []int{in}, []int{out})
		fillPattern(it.Input(0))
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		t.Logf("case %d: %v [%v:%v:%v] %+v", c, inShape, begin, end, stride, opts)
		checkGather(t, it.Input(0), it.Output(0), src, nil)
	}
}

// pySlice lists the indices Python's range(size)[begin:end:stride] visits,
// where a set mask bit stands for an omitted begin or end.
func pySlice(size, begin, end, stride int, beginMask, endMask bool) []int {
	norm := func(v, lo, hi int) int {
		if v < 0 {
			v += size
		}
		return max(lo, min(hi, v))
	}
	var start, stop int
	if stride > 0 {
		start, stop = norm(begin, 0, size), norm(end, 0, size)
		if beginMask {
			start = 0
		}
		if endMask {
			stop = size
		}
	} else {
		start, stop = norm(begin, -1, size-1), norm(end, -1, size-1)
		if beginMask {
			start = size - 1
		}
		if endMask {
			stop = -1
		}
	}
	out := []int{}
	for i := start; (stride > 0 && i < stop) || (stride < 0 && i > stop); i += stride {
		out = append(out, i)
	}
	return out
}
