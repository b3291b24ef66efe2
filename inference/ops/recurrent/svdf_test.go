package recurrent_test

import (
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/ops/recurrent"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func resolver() *ops.Resolver {
	r := ops.NewResolver()
	recurrent.Register(r)
	return r
}

// The SVDF tests share two filters over a 2-element input with memory 3:
//
//	weights_feature f0 = [1, 2], f1 = [0.5, -1]
//	weights_time    t0 = [1, 2, 3], t1 = [0.5, 0.25, -1] (oldest first)
//
// and four steps with inputs [1 1], [2 0], [0 1], [0 0]. The feature
// projections (f0·x, f1·x) are (3, -0.5), (2, 1), (2, -1), (0, 0), so
// after each step the queues hold
//
//	q0: [0 0 3], [0 3 2], [3 2 2], [2 2 0]
//	q1: [0 0 -0.5], [0 -0.5 1], [-0.5 1 -1], [1 -1 0]
//
// and the time dot products (t0·q0, t1·q1) are (9, 0.5), (12, -1.125),
// (13, 1), (6, 0.25).
var (
	svdfFeature = []float32{1, 2, 0.5, -1}
	svdfTime    = []float32{1, 2, 3, 0.5, 0.25, -1}
	svdfSteps   = [][]float32{{1, 1}, {2, 0}, {0, 1}, {0, 0}}
)

type svdfModel struct {
	rank     int
	bias     []float32 // nil: no bias
	act      builder.Activation
	batches  int
	stateVar bool
}

func buildSVDFFloat(t *testing.T, m svdfModel) *inference.Interpreter {
	t.Helper()
	it, err := tryBuildSVDFFloat(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(it.Close)
	return it
}

func tryBuildSVDFFloat(m svdfModel) (*inference.Interpreter, error) {
	b := builder.New()
	units := 1 // what rank 2 needs; invalid ranks are refused anyway
	if m.rank == 1 {
		units = 2
	}
	in := b.Tensor("in", tensor.Float32, []int{m.batches, 2}, nil)
	fw := b.Const("weights_feature", tensor.Float32, []int{2, 2}, nil, svdfFeature)
	tw := b.Const("weights_time", tensor.Float32, []int{2, 3}, nil, svdfTime)
	bias := -1
	if m.bias != nil {
		bias = b.Const("bias", tensor.Float32, []int{units}, nil, m.bias)
	}
	var state int
	if m.stateVar {
		state = b.Variable("state", tensor.Float32, []int{m.batches, 6}, nil)
	} else {
		state = b.Tensor("state", tensor.Float32, []int{m.batches, 6}, nil)
	}
	out := b.Tensor("out", tensor.Float32, []int{m.batches, units}, nil)
	b.Op(builder.SVDF, []int{in, fw, tw, bias, state}, []int{out}, builder.SVDFOptions{Rank: int32(m.rank), FusedActivationFunction: m.act})
	if m.stateVar {
		b.Inputs(in)
	} else {
		b.Inputs(in, state) // a plain input: refused, the state must persist
	}
	b.Outputs(out)
	return opstest.TryBuild(b, resolver())
}

func TestSVDFFloatRank1(t *testing.T) {
	it := buildSVDFFloat(t, svdfModel{rank: 1, bias: []float32{0.1, -0.2}, batches: 1, stateVar: true})
	// Output = bias + the time dot products listed above.
	want := [][]float32{{9.1, 0.3}, {12.1, -1.325}, {13.1, 0.8}, {6.1, 0.05}}
	for s, x := range svdfSteps {
		opstest.Set(t, it.Input(0), x)
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		opstest.Near(t, "output", it.Output(0).Float32(), want[s], 1e-6)
	}
	// ResetState empties the queues: the first step's output again.
	it.ResetState()
	opstest.Set(t, it.Input(0), svdfSteps[0])
	opstest.Invoke(t, it) // also checks that Eval does not allocate (after 3 more runs)
	it.ResetState()
	opstest.Set(t, it.Input(0), svdfSteps[0])
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	opstest.Near(t, "output after reset", it.Output(0).Float32(), want[0], 1e-6)
}

func TestSVDFFloatRank2AndRelu(t *testing.T) {
	// Rank 2: both filters feed the single unit. Without bias.
	it := buildSVDFFloat(t, svdfModel{rank: 2, batches: 1, stateVar: true})
	want := []float32{9.5, 10.875, 14, 6.25}
	for s, x := range svdfSteps {
		opstest.Set(t, it.Input(0), x)
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		opstest.Near(t, "rank 2 output", it.Output(0).Float32(), want[s:s+1], 1e-6)
	}
	// RELU clamps the second step's negative unit.
	it = buildSVDFFloat(t, svdfModel{rank: 1, bias: []float32{0.1, -0.2}, act: builder.ActRelu, batches: 1, stateVar: true})
	relu := [][]float32{{9.1, 0.3}, {12.1, 0}}
	for s := range relu {
		opstest.Set(t, it.Input(0), svdfSteps[s])
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		opstest.Near(t, "relu output", it.Output(0).Float32(), relu[s], 1e-6)
	}
}

func TestSVDFFloatBatchesKeepSeparateState(t *testing.T) {
	// Batch 0 sees the step sequence, batch 1 the same sequence negated:
	// everything but the bias flips sign.
	it := buildSVDFFloat(t, svdfModel{rank: 1, bias: []float32{0.1, -0.2}, batches: 2, stateVar: true})
	want := [][]float32{{9.1, 0.3}, {12.1, -1.325}, {13.1, 0.8}, {6.1, 0.05}}
	for s, x := range svdfSteps {
		opstest.Set(t, it.Input(0), []float32{x[0], x[1], -x[0], -x[1]})
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		w := want[s]
		opstest.Near(t, "output", it.Output(0).Float32(), []float32{w[0], w[1], -(w[0] - 0.1) + 0.1, -(w[1] + 0.2) - 0.2}, 1e-6)
	}
}

// buildSVDFInt builds the integer version of the rank-1 model:
//
//	input            scale 0.5,    zero point 10
//	weights_feature  scale 0.5     (f0 = [2 4], f1 = [1 -2])
//	state            scale 0.25,   zero point stateZP (int16 or int8)
//	weights_time     scale 0.25    (t0 = [4 8 12], t1 = [2 1 -4])
//	bias             scale 0.0625  ([3 -5], i.e. 0.1875 and -0.3125)
//	output           scale 0.125,  zero point -10
//
// The feature multiplier 0.5*0.5/0.25 = 1 keeps the state exact and the
// output multiplier 0.25*0.25/0.125 = 0.5 halves the accumulator.
func buildSVDFInt(t *testing.T, stateType tensor.DType, stateZP int64) *inference.Interpreter {
	return buildSVDFIntRank(t, 1, stateType, stateZP)
}

// buildSVDFIntRank is buildSVDFInt with rank 1 (two units, bias [3 -5])
// or rank 2 (one unit, bias [3]).
func buildSVDFIntRank(t *testing.T, rank int, stateType tensor.DType, stateZP int64) *inference.Interpreter {
	t.Helper()
	units := 2 / rank
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{1, 2}, builder.PerTensor(0.5, 10))
	fw := b.Const("weights_feature", tensor.Int8, []int{2, 2}, builder.PerTensor(0.5, 0), []int8{2, 4, 1, -2})
	var tw int
	if stateType == tensor.Int16 {
		tw = b.Const("weights_time", tensor.Int16, []int{2, 3}, builder.PerTensor(0.25, 0), []int16{4, 8, 12, 2, 1, -4})
	} else {
		tw = b.Const("weights_time", tensor.Int8, []int{2, 3}, builder.PerTensor(0.25, 0), []int8{4, 8, 12, 2, 1, -4})
	}
	bias := b.Const("bias", tensor.Int32, []int{units}, builder.PerTensor(0.0625, 0), []int32{3, -5}[:units])
	state := b.Variable("state", stateType, []int{1, 6}, builder.PerTensor(0.25, stateZP))
	out := b.Tensor("out", tensor.Int8, []int{1, units}, builder.PerTensor(0.125, -10))
	b.Op(builder.SVDF, []int{in, fw, tw, bias, state}, []int{out}, builder.SVDFOptions{Rank: int32(rank), FusedActivationFunction: builder.ActRelu})
	b.Inputs(in)
	b.Outputs(out)
	return opstest.Build(t, b, resolver())
}

// svdfIntWant are the rank-1 outputs of buildSVDFInt. The accumulators are
// the time dot products in units of 1/16 plus the bias, (147, 3),
// (195, -23), (211, 11), (99, -1); halving them rounds ties upwards as
// TFLite's rounding doubling high multiply does: (74, 2), (98, -11),
// (106, 6), (50, 0); then the zero point -10 is added.
var svdfIntWant = [][]int8{{64, -8}, {88, -21}, {96, -4}, {40, -10}}

func runSVDFInt(t *testing.T, it *inference.Interpreter) {
	t.Helper()
	for s, x := range svdfSteps {
		opstest.Set(t, it.Input(0), opstest.QuantizeInt8(x, 0.5, 10))
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		opstest.Equal(t, "output", it.Output(0).Int8(), svdfIntWant[s])
	}
}

func TestSVDFInt8WithInt16State(t *testing.T) {
	it := buildSVDFInt(t, tensor.Int16, 0)
	runSVDFInt(t, it)
	// The state holds the queues in units of 0.25: q0 = [2 2 0] -> [8 8 0].
	opstest.Equal(t, "state", stateOf(it).Int16(), []int16{8, 8, 0, 4, -4, 0})
	it.ResetState()
	runSVDFInt(t, it)
	opstest.Invoke(t, it)
}

func TestSVDFInt8WithInt8State(t *testing.T) {
	// TFLite Micro's int8 state variant, with a state zero point of 5:
	// the reset state is the zero point and the outputs are unchanged.
	it := buildSVDFInt(t, tensor.Int8, 5)
	opstest.Equal(t, "reset state", stateOf(it).Int8(), []int8{5, 5, 5, 5, 5, 5})
	runSVDFInt(t, it)
	opstest.Equal(t, "state", stateOf(it).Int8(), []int8{13, 13, 5, 9, 1, 5})
	it.ResetState()
	runSVDFInt(t, it)
	opstest.Invoke(t, it)
}

func TestSVDFInt8Rank2(t *testing.T) {
	// One unit sums both filters: accumulators 3 + (144+8), 3 + (192-18),
	// 3 + (208+16), 3 + (96+4) = 155, 177, 227, 103 halve to 78, 89, 114,
	// 52 (ties upwards), minus 10.
	it := buildSVDFIntRank(t, 2, tensor.Int16, 0)
	want := []int8{68, 79, 104, 42}
	for s, x := range svdfSteps {
		opstest.Set(t, it.Input(0), opstest.QuantizeInt8(x, 0.5, 10))
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		opstest.Equal(t, "output", it.Output(0).Int8(), want[s:s+1])
	}
}

func stateOf(it *inference.Interpreter) *tensor.Tensor {
	for _, tt := range it.Tensors() {
		if tt.Name == "state" {
			return tt
		}
	}
	return nil
}

func TestSVDFInt8Saturation(t *testing.T) {
	// Feature products saturate the int16 state and the output saturates
	// at 127: input 127 (zero point 0, scale 1), weights 127, state scale
	// 1, time weight 127, output scale 1.
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{1, 4}, builder.PerTensor(1, 0))
	fw := b.Const("weights_feature", tensor.Int8, []int{1, 4}, builder.PerTensor(1, 0), []int8{127, 127, 127, 127})
	tw := b.Const("weights_time", tensor.Int16, []int{1, 1}, builder.PerTensor(1, 0), []int16{127})
	state := b.Variable("state", tensor.Int16, []int{1, 1}, builder.PerTensor(1, 0))
	out := b.Tensor("out", tensor.Int8, []int{1, 1}, builder.PerTensor(1, 0))
	b.Op(builder.SVDF, []int{in, fw, tw, -1, state}, []int{out}, builder.SVDFOptions{Rank: 1})
	b.Inputs(in)
	b.Outputs(out)
	it := opstest.Build(t, b, resolver())
	opstest.Set(t, it.Input(0), []int8{127, 127, 127, 127})
	opstest.Invoke(t, it)
	opstest.Equal(t, "state", stateOf(it).Int16(), []int16{32767})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{127})
	opstest.Set(t, it.Input(0), []int8{-128, -128, -128, -128})
	opstest.Invoke(t, it)
	opstest.Equal(t, "state", stateOf(it).Int16(), []int16{-32768})
	opstest.Equal(t, "output", it.Output(0).Int8(), []int8{-128})
}

func TestSVDFPrepareRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    svdfModel
		want string
	}{
		{"rank not dividing filters", svdfModel{rank: 3, batches: 1, stateVar: true}, "rank"},
		{"state not variable", svdfModel{rank: 1, batches: 1}, "variable"},
		{"zero rank", svdfModel{rank: 0, batches: 1, stateVar: true}, "rank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryBuildSVDFFloat(tc.m)
			if err == nil || !strings.Contains(err.Error(), "SVDF") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("build = %v, want an SVDF error about %q", err, tc.want)
			}
		})
	}
	t.Run("state type differs from weights_time", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Int8, []int{1, 2}, builder.PerTensor(1, 0))
		fw := b.Const("weights_feature", tensor.Int8, []int{1, 2}, builder.PerTensor(1, 0), []int8{1, 1})
		tw := b.Const("weights_time", tensor.Int16, []int{1, 2}, builder.PerTensor(1, 0), []int16{1, 1})
		state := b.Variable("state", tensor.Int8, []int{1, 2}, builder.PerTensor(1, 0))
		out := b.Tensor("out", tensor.Int8, []int{1, 1}, builder.PerTensor(1, 0))
		b.Op(builder.SVDF, []int{in, fw, tw, -1, state}, []int{out}, builder.SVDFOptions{Rank: 1})
		b.Inputs(in)
		b.Outputs(out)
		_, err := opstest.TryBuild(b, resolver())
		if err == nil || !strings.Contains(err.Error(), "SVDF") || !strings.Contains(err.Error(), "weights_time") {
			t.Fatalf("build = %v, want a type error", err)
		}
	})
	t.Run("wrong output shape", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
		fw := b.Const("weights_feature", tensor.Float32, []int{2, 2}, nil, svdfFeature)
		tw := b.Const("weights_time", tensor.Float32, []int{2, 3}, nil, svdfTime)
		state := b.Variable("state", tensor.Float32, []int{1, 6}, nil)
		out := b.Tensor("out", tensor.Float32, []int{1, 3}, nil)
		b.Op(builder.SVDF, []int{in, fw, tw, -1, state}, []int{out}, builder.SVDFOptions{Rank: 1})
		b.Inputs(in)
		b.Outputs(out)
		_, err := opstest.TryBuild(b, resolver())
		if err == nil || !strings.Contains(err.Error(), "SVDF") || !strings.Contains(err.Error(), "output") {
			t.Fatalf("build = %v, want a shape error", err)
		}
	})
	t.Run("unsupported integer activation", func(t *testing.T) {
		b := builder.New()
		in := b.Tensor("in", tensor.Int8, []int{1, 2}, builder.PerTensor(1, 0))
		fw := b.Const("weights_feature", tensor.Int8, []int{1, 2}, builder.PerTensor(1, 0), []int8{1, 1})
		tw := b.Const("weights_time", tensor.Int16, []int{1, 2}, builder.PerTensor(1, 0), []int16{1, 1})
		state := b.Variable("state", tensor.Int16, []int{1, 2}, builder.PerTensor(1, 0))
		out := b.Tensor("out", tensor.Int8, []int{1, 1}, builder.PerTensor(1, 0))
		b.Op(builder.SVDF, []int{in, fw, tw, -1, state}, []int{out}, builder.SVDFOptions{Rank: 1, FusedActivationFunction: builder.ActRelu6})
		b.Inputs(in)
		b.Outputs(out)
		_, err := opstest.TryBuild(b, resolver())
		if err == nil || !strings.Contains(err.Error(), "SVDF") || !strings.Contains(err.Error(), "activation") {
			t.Fatalf("build = %v, want an activation error", err)
		}
	})
}
