package recurrent_test

import (
	"math"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// lstmCase describes an LSTM and its weights in float. Gates are indexed
// input, forget, cell, output; a nil input gate means CIFG and nil
// peephole weights mean no peephole connections.
type lstmCase struct {
	batch, time, nIn, nCell, nOut int
	timeMajor                     bool
	act                           builder.Activation
	cellClip, projClip            float32
	inW, recW, bias               [4][]float32
	peep                          [4][]float32 // [2] (cell gate) is unused
	projW, projB                  []float32
}

func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func (c *lstmCase) actf(x float64) float64 {
	switch c.act {
	case builder.ActTanh:
		return math.Tanh(x)
	case builder.ActRelu:
		return max(x, 0)
	}
	return x
}

// inIndex returns the offset of input row (b, t); outIndex of output row.
func (c *lstmCase) inIndex(b, t int) int {
	if c.timeMajor {
		return (t*c.batch + b) * c.nIn
	}
	return (b*c.time + t) * c.nIn
}

func (c *lstmCase) outIndex(b, t int) int {
	if c.timeMajor {
		return (t*c.batch + b) * c.nOut
	}
	return (b*c.time + t) * c.nOut
}

// reference runs the LSTM equations in float64 from the states h and c
// (updated in place, batch-major) and returns the output sequence.
func (c *lstmCase) reference(x []float32, h, cell []float64) []float64 {
	out := make([]float64, c.batch*c.time*c.nOut)
	clip := func(v float64, limit float32) float64 {
		if limit > 0 {
			return min(max(v, -float64(limit)), float64(limit))
		}
		return v
	}
	for b := 0; b < c.batch; b++ {
		hb, cb := h[b*c.nOut:(b+1)*c.nOut], cell[b*c.nCell:(b+1)*c.nCell]
		for t := 0; t < c.time; t++ {
			xt := x[c.inIndex(b, t):][:c.nIn]
			pre := func(g, i int, withCell bool) float64 {
				v := float64(c.bias[g][i])
				for j, xv := range xt {
					v += float64(c.inW[g][i*c.nIn+j]) * float64(xv)
				}
				for j, hv := range hb {
					v += float64(c.recW[g][i*c.nOut+j]) * hv
				}
				if withCell && c.peep[g] != nil {
					v += float64(c.peep[g][i]) * cb[i]
				}
				return v
			}
			gates := make([][4]float64, c.nCell)
			for i := range gates {
				gates[i][1] = sigmoid64(pre(1, i, true))
				if c.inW[0] != nil {
					gates[i][0] = sigmoid64(pre(0, i, true))
				} else {
					gates[i][0] = 1 - gates[i][1]
				}
				gates[i][2] = c.actf(pre(2, i, false))
			}
			for i := range cb {
				cb[i] = clip(gates[i][1]*cb[i]+gates[i][0]*gates[i][2], c.cellClip)
			}
			hidden := make([]float64, c.nCell)
			for i := range hidden {
				hidden[i] = sigmoid64(pre(3, i, true)) * c.actf(cb[i])
			}
			if c.projW != nil {
				for o := range hb {
					v := 0.0
					if c.projB != nil {
						v = float64(c.projB[o])
					}
					for i, hv := range hidden {
						v += float64(c.projW[o*c.nCell+i]) * hv
					}
					hb[o] = clip(v, c.projClip)
				}
			} else {
				copy(hb, hidden)
			}
			copy(out[c.outIndex(b, t):], hb)
		}
	}
	return out
}

// lstmQuant holds the quantization of an integer LSTM model. Weights are
// quantized symmetrically with scale max|w|/127 (int16 peephole weights:
// /32767), biases with input scale * weight scale.
type lstmQuant struct {
	inScale, stateScale, hiddenScale float32
	inZP, stateZP, hiddenZP          int64
	cellScale                        float32 // a power of two
	noIntermediates                  bool
}

// build writes the model; with q it quantizes every tensor and replaces
// c's weights by their dequantized values, so that reference() sees the
// weights the kernel uses.
func (c *lstmCase) build(t *testing.T, q *lstmQuant) *inference.Interpreter {
	t.Helper()
	it, err := c.tryBuild(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(it.Close)
	return it
}

// weights adds a constant: float32 without q, else quantized to dt with
// the given scale (0: symmetric from the values). It returns the tensor
// index (-1 for nil v), the dequantized values and the scale.
func addWeights(b *builder.Builder, q *lstmQuant, name string, shape []int, v []float32, dt tensor.DType, scale float32) (int, []float32, float32) {
	if v == nil {
		return -1, nil, 0
	}
	if q == nil {
		return b.Const(name, tensor.Float32, shape, nil, v), v, 0
	}
	if scale == 0 {
		m := 0.0
		for _, x := range v {
			m = max(m, math.Abs(float64(x)))
		}
		limit := 127.0
		if dt == tensor.Int16 {
			limit = 32767
		}
		scale = float32(m / limit)
	}
	deq := make([]float32, len(v))
	var idx int
	switch dt {
	case tensor.Int8:
		vals := opstest.QuantizeInt8(v, scale, 0)
		for i, x := range vals {
			deq[i] = float32(x) * scale
		}
		idx = b.Const(name, dt, shape, builder.PerTensor(scale, 0), vals)
	case tensor.Int16:
		vals := opstest.QuantizeInt16(v, scale, 0)
		for i, x := range vals {
			deq[i] = float32(x) * scale
		}
		idx = b.Const(name, dt, shape, builder.PerTensor(scale, 0), vals)
	default:
		vals := make([]int32, len(v))
		for i, x := range v {
			vals[i] = int32(math.Round(float64(x / scale)))
			deq[i] = float32(vals[i]) * scale
		}
		idx = b.Const(name, tensor.Int32, shape, builder.PerTensor(scale, 0), vals)
	}
	return idx, deq, scale
}

// tryBuild builds the model; edit may change the builder and the input
// list before the operator is added.
func (c *lstmCase) tryBuild(q *lstmQuant, edit func(b *builder.Builder, inputs []int)) (*inference.Interpreter, error) {
	b := builder.New()
	inShape := []int{c.batch, c.time, c.nIn}
	outShape := []int{c.batch, c.time, c.nOut}
	if c.timeMajor {
		inShape = []int{c.time, c.batch, c.nIn}
		outShape = []int{c.time, c.batch, c.nOut}
	}
	inputs := make([]int, 24)
	for i := range inputs {
		inputs[i] = -1
	}
	var inScale, hiddenScale float32
	if q == nil {
		inputs[0] = b.Tensor("in", tensor.Float32, inShape, nil)
	} else {
		inputs[0] = b.Tensor("in", tensor.Int8, inShape, builder.PerTensor(q.inScale, q.inZP))
		inScale, hiddenScale = q.inScale, q.hiddenScale
	}
	for g := 0; g < 4; g++ {
		var s float32
		inputs[1+g], c.inW[g], s = addWeights(b, q, "input_weights", []int{c.nCell, c.nIn}, c.inW[g], tensor.Int8, 0)
		inputs[5+g], c.recW[g], _ = addWeights(b, q, "recurrent_weights", []int{c.nCell, c.nOut}, c.recW[g], tensor.Int8, 0)
		inputs[12+g], c.bias[g], _ = addWeights(b, q, "bias", []int{c.nCell}, c.bias[g], tensor.Int32, inScale*s)
	}
	for g, idx := range map[int]int{0: 9, 1: 10, 3: 11} {
		inputs[idx], c.peep[g], _ = addWeights(b, q, "peephole", []int{c.nCell}, c.peep[g], tensor.Int16, 0)
	}
	var projScale float32
	inputs[16], c.projW, projScale = addWeights(b, q, "projection_weights", []int{c.nOut, c.nCell}, c.projW, tensor.Int8, 0)
	inputs[17], c.projB, _ = addWeights(b, q, "projection_bias", []int{c.nOut}, c.projB, tensor.Int32, hiddenScale*projScale)
	var out int
	var inter []int
	if q == nil {
		inputs[18] = b.Variable("output_state", tensor.Float32, []int{c.batch, c.nOut}, nil)
		inputs[19] = b.Variable("cell_state", tensor.Float32, []int{c.batch, c.nCell}, nil)
		out = b.Tensor("out", tensor.Float32, outShape, nil)
	} else {
		inputs[18] = b.Variable("output_state", tensor.Int8, []int{c.batch, c.nOut}, builder.PerTensor(q.stateScale, q.stateZP))
		inputs[19] = b.Variable("cell_state", tensor.Int16, []int{c.batch, c.nCell}, builder.PerTensor(q.cellScale, 0))
		out = b.Tensor("out", tensor.Int8, outShape, builder.PerTensor(q.stateScale, q.stateZP))
		if !q.noIntermediates {
			for _, name := range []string{"input_to_input", "input_to_forget", "input_to_cell", "input_to_output"} {
				inter = append(inter, b.Tensor(name+"_intermediate", tensor.Float32, []int{0}, nil))
			}
			inter = append(inter, b.Tensor("effective_hidden_scale_intermediate", tensor.Int8, []int{0}, builder.PerTensor(q.hiddenScale, q.hiddenZP)))
		}
	}
	if edit != nil {
		edit(b, inputs)
	}
	op := b.Op(builder.UnidirectionalLSTM, inputs, []int{out}, builder.UnidirectionalSequenceLSTMOptions{
		FusedActivationFunction: c.act, CellClip: c.cellClip, ProjClip: c.projClip, TimeMajor: c.timeMajor})
	if inter != nil {
		b.Intermediates(op, inter...)
	}
	b.Inputs(inputs[0])
	b.Outputs(out)
	return opstest.TryBuild(b, resolver())
}

// oneUnit is the 1-unit LSTM of the hand-computed tests:
//
//	input weights     i 0.5,  f 1,    c 2, o -1
//	recurrent weights i 0.25, f -0.5, c 1, o 0.5
//	biases            i 0,    f 1,    c 0, o 0
//
// With inputs 1 then -1 from zero state:
//
//	step 1: i = σ(0.5) = 0.62246, f = σ(2) = 0.88080, g = tanh(2) = 0.96403,
//	        c = i*g = 0.60007, o = σ(-1) = 0.26894, h = o*tanh(c) = 0.14445
//	step 2: i = σ(-0.5+0.25h) = 0.38606, f = σ(-1+1-0.5h) = 0.48195,
//	        g = tanh(-2+h) = -0.95227, c = f*0.60007 + i*g = -0.07843,
//	        o = σ(1+0.5h) = 0.74502, h = o*tanh(c) = -0.05831
func oneUnit(time int) *lstmCase {
	return &lstmCase{
		batch: 1, time: time, nIn: 1, nCell: 1, nOut: 1, act: builder.ActTanh,
		inW:  [4][]float32{{0.5}, {1}, {2}, {-1}},
		recW: [4][]float32{{0.25}, {-0.5}, {1}, {0.5}},
		bias: [4][]float32{{0}, {1}, {0}, {0}},
	}
}

func TestLSTMFloatOneUnitTwoSteps(t *testing.T) {
	c := oneUnit(2)
	it := c.build(t, nil)
	opstest.Set(t, it.Input(0), []float32{1, -1})
	opstest.Invoke(t, it) // runs 4 times: later runs start from the carried state
	it.ResetState()
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	opstest.Near(t, "output", it.Output(0).Float32(), []float32{0.1444479, -0.0583136}, 1e-6)
	opstest.Near(t, "cell state", stateNamed(it, "cell_state").Float32(), []float32{-0.0784317}, 1e-6)

	// The same sequence split over two Invoke calls of one step each.
	c1 := oneUnit(1)
	it1 := c1.build(t, nil)
	for s, x := range []float32{1, -1} {
		opstest.Set(t, it1.Input(0), []float32{x})
		if err := it1.Invoke(); err != nil {
			t.Fatal(err)
		}
		opstest.Equal(t, "split output", it1.Output(0).Float32(), it.Output(0).Float32()[s:s+1])
	}
}

func stateNamed(it *inference.Interpreter, name string) *tensor.Tensor {
	for _, tt := range it.Tensors() {
		if tt.Name == name {
			return tt
		}
	}
	return nil
}

// randomCase fills a case's weights from a fixed generator.
func randomCase(c *lstmCase, seed uint64, cifg, peephole, projection bool) *lstmCase {
	next := func() float32 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return float32(int64(seed>>40)%2001-1000) / 2000 // [-0.5, 0.5]
	}
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = next()
		}
		return v
	}
	for g := 0; g < 4; g++ {
		if g == 0 && cifg {
			continue
		}
		c.inW[g], c.recW[g], c.bias[g] = fill(c.nCell*c.nIn), fill(c.nCell*c.nOut), fill(c.nCell)
		if peephole && g != 2 {
			c.peep[g] = fill(c.nCell)
		}
	}
	if projection {
		c.projW, c.projB = fill(c.nOut*c.nCell), fill(c.nOut)
	}
	return c
}

func inputSequence(n int, seed uint64) []float32 {
	v := make([]float32, n)
	for i := range v {
		seed = seed*6364136223846793005 + 1442695040888963407
		v[i] = float32(int64(seed>>40)%2001-1000) / 1000 // [-1, 1]
	}
	return v
}

func TestLSTMFloatVariants(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		timeMajor                  bool
		cifg, peephole, projection bool
		cellClip, projClip         float32
		act                        builder.Activation
	}{
		{name: "standard", act: builder.ActTanh},
		{name: "time major", timeMajor: true, act: builder.ActTanh},
		{name: "cifg", cifg: true, act: builder.ActTanh},
		{name: "peephole", peephole: true, act: builder.ActTanh},
		{name: "cifg peephole", cifg: true, peephole: true, act: builder.ActTanh},
		{name: "projection and clips", projection: true, cellClip: 0.3, projClip: 0.1, act: builder.ActTanh},
		{name: "relu", act: builder.ActRelu},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &lstmCase{batch: 2, time: 3, nIn: 3, nCell: 4, nOut: 4, timeMajor: tc.timeMajor, act: tc.act, cellClip: tc.cellClip, projClip: tc.projClip}
			if tc.projection {
				c.nOut = 2
			}
			randomCase(c, 1, tc.cifg, tc.peephole, tc.projection)
			it := c.build(t, nil)
			x := inputSequence(c.batch*c.time*c.nIn, 7)
			opstest.Set(t, it.Input(0), x)
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			h, cell := make([]float64, c.batch*c.nOut), make([]float64, c.batch*c.nCell)
			want := c.reference(x, h, cell)
			opstest.Near(t, "output", it.Output(0).Float32(), toFloat32(want), 1e-5)
			// A second Invoke continues from the carried state.
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			want = c.reference(x, h, cell)
			opstest.Near(t, "second output", it.Output(0).Float32(), toFloat32(want), 1e-5)
			opstest.Invoke(t, it)
		})
	}
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// quantizeOut maps reference outputs to int8 in the output quantization.
func quantizeOut(v []float64, scale float32, zp int64) []int8 {
	out := make([]int8, len(v))
	for i, x := range v {
		out[i] = int8(max(-128, min(127, math.Round(x/float64(scale))+float64(zp))))
	}
	return out
}

func TestLSTMInt8OneUnitTwoSteps(t *testing.T) {
	q := &lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 1.0 / 2048}
	c := oneUnit(2)
	it := c.build(t, q)
	x := []float32{1, -1}
	opstest.Set(t, it.Input(0), opstest.QuantizeInt8(x, q.inScale, 0))
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	// Inputs quantize to 127/128 and -1: the reference runs on those.
	xq := []float32{127.0 / 128, -1}
	want := quantizeOut(c.reference(xq, make([]float64, 1), make([]float64, 1)), q.stateScale, 0)
	got := append([]int8(nil), it.Output(0).Int8()...)
	opstest.WithinSteps(t, "output", got, want, 1)
	t.Logf("int8 outputs %v, float reference %v", got, want)

	// Two Invoke calls of one step give exactly the same bytes, and
	// ResetState starts over.
	c1 := oneUnit(1)
	it1 := c1.build(t, q)
	for round := 0; round < 2; round++ {
		for s := range x {
			opstest.Set(t, it1.Input(0), opstest.QuantizeInt8(x[s:s+1], q.inScale, 0))
			if err := it1.Invoke(); err != nil {
				t.Fatal(err)
			}
			opstest.Equal(t, "split output", it1.Output(0).Int8(), got[s:s+1])
		}
		it1.ResetState()
	}
	opstest.Invoke(t, it1)
}

func TestLSTMInt8Variants(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		timeMajor                  bool
		cifg, peephole, projection bool
		cellClip, projClip         float32
		q                          lstmQuant
	}{
		{name: "standard", q: lstmQuant{inScale: 1.0 / 128, inZP: 3, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 1.0 / 4096}},
		{name: "time major", timeMajor: true, q: lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 1.0 / 2048}},
		{name: "cifg", cifg: true, q: lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 1.0 / 2048}},
		{name: "peephole", peephole: true, q: lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 1.0 / 2048}},
		{name: "projection", projection: true, q: lstmQuant{inScale: 1.0 / 128, inZP: -5, stateScale: 1.0 / 128, stateZP: 7, hiddenScale: 1.0 / 128, hiddenZP: -9, cellScale: 1.0 / 2048}},
		{name: "cell clip", cellClip: 0.05, q: lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 1.0 / 2048}},
		{name: "projection clip", projection: true, cellClip: 0.25, projClip: 0.1, q: lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 256, hiddenScale: 1.0 / 128, cellScale: 1.0 / 2048}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &lstmCase{batch: 2, time: 3, nIn: 3, nCell: 4, nOut: 4, timeMajor: tc.timeMajor, act: builder.ActTanh, cellClip: tc.cellClip, projClip: tc.projClip}
			if tc.projection {
				c.nOut = 2
			}
			randomCase(c, 3, tc.cifg, tc.peephole, tc.projection)
			q := tc.q
			it := c.build(t, &q)
			x := inputSequence(c.batch*c.time*c.nIn, 11)
			xq := opstest.QuantizeInt8(x, q.inScale, int32(q.inZP))
			for i, v := range xq {
				x[i] = float32(int64(v)-q.inZP) * q.inScale
			}
			opstest.Set(t, it.Input(0), xq)
			h, cell := make([]float64, c.batch*c.nOut), make([]float64, c.batch*c.nCell)
			for round := 0; round < 2; round++ { // the second continues from the carried state
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
				want := quantizeOut(c.reference(x, h, cell), q.stateScale, q.stateZP)
				opstest.WithinSteps(t, "output", it.Output(0).Int8(), want, 1)
			}
			opstest.Invoke(t, it)
		})
	}
}

// TestLSTMInt8HiddenZeroPoint pins down TFLite's sign convention: the
// hidden value o ⊙ tanh(c) is written as round(v/scale) - zero point, so
// without projection a non-zero output state zero point z shifts the first
// step's outputs by -2z from the correctly quantized values.
func TestLSTMInt8HiddenZeroPoint(t *testing.T) {
	q := &lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, stateZP: 6, hiddenScale: 1.0 / 128, hiddenZP: 6, cellScale: 1.0 / 2048}
	c := oneUnit(1)
	it := c.build(t, q)
	opstest.Set(t, it.Input(0), []int8{127})
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	want := quantizeOut(c.reference([]float32{127.0 / 128}, make([]float64, 1), make([]float64, 1)), q.stateScale, q.stateZP-2*q.hiddenZP)
	opstest.WithinSteps(t, "output", it.Output(0).Int8(), want, 1)
}

func TestLSTMPrepareRefusals(t *testing.T) {
	q := &lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 1.0 / 2048}
	for _, tc := range []struct {
		name string
		c    *lstmCase
		q    *lstmQuant
		edit func(b *builder.Builder, inputs []int)
		want string
	}{
		{name: "layer norm", c: oneUnit(2), edit: func(b *builder.Builder, in []int) {
			in[21] = b.Const("forget_layer_norm", tensor.Float32, []int{1}, nil, []float32{1})
		}, want: "layer normalization"},
		{name: "wrong weight shape", c: oneUnit(2), edit: func(b *builder.Builder, in []int) {
			in[3] = b.Const("bad", tensor.Float32, []int{1, 2}, nil, []float32{1, 2})
		}, want: "input_to_cell_weights"},
		{name: "missing forget weights", c: oneUnit(2), edit: func(b *builder.Builder, in []int) { in[2] = -1 }, want: "required input 2"},
		{name: "cell state not variable", c: oneUnit(2), edit: func(b *builder.Builder, in []int) {
			in[19] = b.Const("cell", tensor.Float32, []int{1, 1}, nil, []float32{0})
		}, want: "variable"},
		{name: "hybrid", c: oneUnit(2), edit: func(b *builder.Builder, in []int) {
			in[1] = b.Const("int8 weights", tensor.Int8, []int{1, 1}, builder.PerTensor(1, 0), []int8{1})
		}, want: "hybrid"},
		{name: "integer relu", c: func() *lstmCase { c := oneUnit(2); c.act = builder.ActRelu; return c }(), q: q, want: "TANH"},
		{name: "integer cell scale", c: oneUnit(2), q: &lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 0.001}, want: "power of two"},
		{name: "integer without intermediates", c: oneUnit(2), q: &lstmQuant{inScale: 1.0 / 128, stateScale: 1.0 / 128, hiddenScale: 1.0 / 128, cellScale: 1.0 / 2048, noIntermediates: true}, want: "intermediate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.tryBuild(tc.q, tc.edit)
			if err == nil || !strings.Contains(err.Error(), "UNIDIRECTIONAL_SEQUENCE_LSTM") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("build = %v, want an UNIDIRECTIONAL_SEQUENCE_LSTM error about %q", err, tc.want)
			}
		})
	}
}
