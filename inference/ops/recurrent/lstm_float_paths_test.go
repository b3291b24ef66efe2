package recurrent_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// edgeFloats are the values that test IEEE edges: signed zeros,
// subnormals, infinities, NaNs of several payloads and signs, and
// magnitudes whose products overflow or underflow.
var edgeFloats = []float32{
	0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.Float32frombits(0x007FFFFF),
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7FC00000), math.Float32frombits(0xFFC12345), math.Float32frombits(0x7F800001),
	math.MaxFloat32, -3e38, 1e20, -1e-30, 6, -1,
}

// randFloats draws n values in [-1, 1), with probability special one of
// edgeFloats.
func randFloats(rng *rand.Rand, n int, special float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		if rng.Float64() < special {
			v[i] = edgeFloats[rng.IntN(len(edgeFloats))]
		} else {
			v[i] = rng.Float32()*2 - 1
		}
	}
	return v
}

// buildFloatPaths builds c as a float32 model on a kernel path.
func (c *lstmCase) buildFloatPaths(t *testing.T, kernels string, threads int) *inference.Interpreter {
	t.Helper()
	b := builder.New()
	inShape, outShape := []int{c.batch, c.time, c.nIn}, []int{c.batch, c.time, c.nOut}
	if c.timeMajor {
		inShape, outShape = []int{c.time, c.batch, c.nIn}, []int{c.time, c.batch, c.nOut}
	}
	inputs := make([]int, 24)
	for i := range inputs {
		inputs[i] = -1
	}
	add := func(name string, shape []int, v []float32) int {
		if v == nil {
			return -1
		}
		return b.Const(name, tensor.Float32, shape, nil, v)
	}
	inputs[0] = b.Tensor("in", tensor.Float32, inShape, nil)
	for g := range 4 {
		inputs[1+g] = add("input_weights", []int{c.nCell, c.nIn}, c.inW[g])
		inputs[5+g] = add("recurrent_weights", []int{c.nCell, c.nOut}, c.recW[g])
		inputs[12+g] = add("bias", []int{c.nCell}, c.bias[g])
	}
	for g, idx := range map[int]int{0: 9, 1: 10, 3: 11} {
		inputs[idx] = add("peephole", []int{c.nCell}, c.peep[g])
	}
	inputs[16] = add("projection_weights", []int{c.nOut, c.nCell}, c.projW)
	inputs[17] = add("projection_bias", []int{c.nOut}, c.projB)
	inputs[18] = b.Variable("output_state", tensor.Float32, []int{c.batch, c.nOut}, nil)
	inputs[19] = b.Variable("cell_state", tensor.Float32, []int{c.batch, c.nCell}, nil)
	out := b.Tensor("out", tensor.Float32, outShape, nil)
	b.Op(builder.UnidirectionalLSTM, inputs, []int{out}, builder.UnidirectionalSequenceLSTMOptions{
		FusedActivationFunction: c.act, CellClip: c.cellClip, ProjClip: c.projClip, TimeMajor: c.timeMajor})
	b.Inputs(inputs[0])
	b.Outputs(out)
	it, err := opstest.TryBuild(b, resolver(), inference.Options{Kernels: kernels, Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(it.Close)
	if it.Kernels() != kernels {
		t.Fatalf("interpreter runs %s kernels, asked for %s", it.Kernels(), kernels)
	}
	return it
}

// TestLSTMFloatKernelPaths runs random float LSTMs (batch- and time-major,
// CIFG, peephole, projection with and without bias, clips, activations,
// sizes around the SIMD panels) on every kernel path and requires the
// bits of the plain-Go reference path in the output and both states, over
// two Invoke calls (the second from the carried state), with and without
// infinities, NaNs, signed zeros and subnormals among the weights and
// inputs.
func TestLSTMFloatKernelPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	acts := []builder.Activation{builder.ActTanh, builder.ActRelu, builder.ActRelu6}
	for i := range 24 {
		c := &lstmCase{batch: 1 + rng.IntN(3), time: 1 + rng.IntN(4), nIn: 1 + rng.IntN(40), nCell: 1 + rng.IntN(70),
			timeMajor: i%2 == 1, act: acts[i%3]}
		c.nOut = c.nCell
		cifg, peephole, projection := i%4 == 2, i%3 == 1, i%5 >= 3
		if projection {
			c.nOut = 1 + rng.IntN(40)
			if i%2 == 0 {
				c.projClip = 0.5
			}
		}
		if i%7 == 3 {
			c.cellClip = 0.75
		}
		special := []float64{0, 0, 0.01}[i%3]
		for g := range 4 {
			if g == 0 && cifg {
				continue
			}
			c.inW[g], c.recW[g], c.bias[g] = randFloats(rng, c.nCell*c.nIn, special), randFloats(rng, c.nCell*c.nOut, special), randFloats(rng, c.nCell, special)
			if peephole && g != 2 {
				c.peep[g] = randFloats(rng, c.nCell, special)
			}
		}
		if projection {
			c.projW = randFloats(rng, c.nOut*c.nCell, special)
			if i%3 != 0 {
				c.projB = randFloats(rng, c.nOut, special)
			}
		}
		x := randFloats(rng, c.batch*c.time*c.nIn, special)
		name := fmt.Sprintf("case %d (batch %d time %d in %d cell %d out %d major %v cifg %v peep %v proj %v)",
			i, c.batch, c.time, c.nIn, c.nCell, c.nOut, c.timeMajor, cifg, peephole, projection)
		var want [][]float32
		for _, path := range inference.KernelPaths() {
			it := c.buildFloatPaths(t, path, 1+i%2)
			opstest.Set(t, it.Input(0), x)
			var got [][]float32
			for range 2 {
				opstest.Invoke(t, it)
				got = append(got, append([]float32(nil), it.Output(0).Float32()...),
					append([]float32(nil), stateNamed(it, "output_state").Float32()...),
					append([]float32(nil), stateNamed(it, "cell_state").Float32()...))
			}
			if want == nil {
				want = got // the reference path comes first
				continue
			}
			for j := range want {
				for e := range want[j] {
					if math.Float32bits(got[j][e]) != math.Float32bits(want[j][e]) {
						t.Fatalf("%s on %s: result %d[%d] = %v (%#08x), reference path %v (%#08x)",
							name, path, j, e, got[j][e], math.Float32bits(got[j][e]), want[j][e], math.Float32bits(want[j][e]))
					}
				}
			}
		}
	}
}
