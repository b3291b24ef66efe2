package recurrent_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// intLSTM is a random integer LSTM given directly by its int8 and int16
// values and quantization parameters.
type intLSTM struct {
	batch, time, nIn, nCell, nOut int
	timeMajor, cifg, peephole     bool
	project, projBias             bool
	cellClip, projClip            float32
	inScale, stateScale, hidScale float32
	inZP, stateZP, hidZP          int64
	cellShift                     int // the cell state's scale is 2^cellShift
	inW, recW                     [4][]int8
	inWScale, recWScale           [4]float32
	bias                          [4][]int32
	peep                          [4][]int16
	peepScale                     [4]float32
	projW                         []int8
	projWScale                    float32
	projB                         []int32
}

// logUniform returns 2^e for e uniform in [lo, hi].
func logUniform(rng *rand.Rand, lo, hi float64) float32 {
	return float32(math.Exp2(lo + rng.Float64()*(hi-lo)))
}

func randInt8s(rng *rand.Rand, n int) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(rng.IntN(256) - 128)
	}
	return v
}

func randInt16s(rng *rand.Rand, n int) []int16 {
	v := make([]int16, n)
	for i := range v {
		v[i] = int16(rng.IntN(65536) - 32768)
	}
	return v
}

// randInt32s returns values of random magnitude up to 2^(bits-1).
func randInt32s(rng *rand.Rand, n, bits int) []int32 {
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(rng.Int64N(1<<bits) - 1<<(bits-1))
	}
	return v
}

// randomIntLSTM draws shapes around the kernels' block sizes, every
// optional part, and scales whose effective multipliers put the gates in
// their interesting range with some saturation.
func randomIntLSTM(rng *rand.Rand) *intLSTM {
	m := &intLSTM{
		batch: 1 + rng.IntN(3), time: 1 + rng.IntN(5),
		nIn: 1 + rng.IntN(40), nCell: 1 + rng.IntN(40),
		timeMajor: rng.IntN(2) == 0, cifg: rng.IntN(3) == 0, peephole: rng.IntN(2) == 0,
		project:  rng.IntN(2) == 0,
		inScale:  logUniform(rng, -9, -3),
		hidScale: logUniform(rng, -9, -5),
		inZP:     int64(rng.IntN(256) - 128), stateZP: int64(rng.IntN(256) - 128), hidZP: int64(rng.IntN(256) - 128),
		cellShift: -9 - rng.IntN(7),
	}
	m.stateScale = logUniform(rng, -9, -5)
	m.nOut = m.nCell
	if m.project {
		m.nOut, m.projBias = 1+rng.IntN(40), rng.IntN(2) == 0
		m.projWScale = logUniform(rng, -10, -5) * m.stateScale / m.hidScale
		m.projW = randInt8s(rng, m.nOut*m.nCell)
		m.projB = randInt32s(rng, m.nOut, 1+rng.IntN(20))
		if rng.IntN(2) == 0 {
			m.projClip = float32(1+rng.IntN(127)) * m.stateScale
		}
	}
	if rng.IntN(2) == 0 {
		m.cellClip = float32(1+rng.IntN(32767)) * float32(math.Exp2(float64(m.cellShift)))
	}
	for g := range 4 {
		if g == 0 && m.cifg {
			continue
		}
		m.inWScale[g] = logUniform(rng, -6, 1) / (m.inScale * 4096)
		m.recWScale[g] = logUniform(rng, -6, 1) / (m.stateScale * 4096)
		m.inW[g], m.recW[g] = randInt8s(rng, m.nCell*m.nIn), randInt8s(rng, m.nCell*m.nOut)
		m.bias[g] = randInt32s(rng, m.nCell, 1+rng.IntN(20))
		if m.peephole && g != 2 {
			m.peepScale[g] = logUniform(rng, -20, -14) / 4096 / float32(math.Exp2(float64(m.cellShift)))
			m.peep[g] = randInt16s(rng, m.nCell)
		}
	}
	return m
}

func (m *intLSTM) String() string {
	return fmt.Sprintf("batch %d, time %d, input %d, cell %d, output %d, time major %v, CIFG %v, peephole %v, projection %v (bias %v), clips %v %v, cell scale 2^%d",
		m.batch, m.time, m.nIn, m.nCell, m.nOut, m.timeMajor, m.cifg, m.peephole, m.project, m.projBias, m.cellClip, m.projClip, m.cellShift)
}

// build writes the model and returns an interpreter on the given kernel path.
func (m *intLSTM) build(kernels gemm.Path) (*inference.Interpreter, error) {
	b := builder.New()
	inShape, outShape := []int{m.batch, m.time, m.nIn}, []int{m.batch, m.time, m.nOut}
	if m.timeMajor {
		inShape, outShape = []int{m.time, m.batch, m.nIn}, []int{m.time, m.batch, m.nOut}
	}
	inputs := make([]int, 24)
	for i := range inputs {
		inputs[i] = -1
	}
	inputs[0] = b.Tensor("in", tensor.Int8, inShape, builder.PerTensor(m.inScale, m.inZP))
	for g := range 4 {
		if m.inW[g] == nil {
			continue
		}
		inputs[1+g] = b.Const("input_weights", tensor.Int8, []int{m.nCell, m.nIn}, builder.PerTensor(m.inWScale[g], 0), m.inW[g])
		inputs[5+g] = b.Const("recurrent_weights", tensor.Int8, []int{m.nCell, m.nOut}, builder.PerTensor(m.recWScale[g], 0), m.recW[g])
		inputs[12+g] = b.Const("bias", tensor.Int32, []int{m.nCell}, builder.PerTensor(m.inScale*m.inWScale[g], 0), m.bias[g])
	}
	for g, idx := range map[int]int{0: 9, 1: 10, 3: 11} {
		if m.peep[g] != nil {
			inputs[idx] = b.Const("peephole", tensor.Int16, []int{m.nCell}, builder.PerTensor(m.peepScale[g], 0), m.peep[g])
		}
	}
	if m.project {
		inputs[16] = b.Const("projection_weights", tensor.Int8, []int{m.nOut, m.nCell}, builder.PerTensor(m.projWScale, 0), m.projW)
		if m.projBias {
			inputs[17] = b.Const("projection_bias", tensor.Int32, []int{m.nOut}, builder.PerTensor(m.hidScale*m.projWScale, 0), m.projB)
		}
	}
	state := builder.PerTensor(m.stateScale, m.stateZP)
	inputs[18] = b.Variable("output_state", tensor.Int8, []int{m.batch, m.nOut}, state)
	inputs[19] = b.Variable("cell_state", tensor.Int16, []int{m.batch, m.nCell}, builder.PerTensor(float32(math.Exp2(float64(m.cellShift))), 0))
	out := b.Tensor("out", tensor.Int8, outShape, state)
	var inter []int
	for _, name := range []string{"input_to_input", "input_to_forget", "input_to_cell", "input_to_output"} {
		inter = append(inter, b.Tensor(name+"_intermediate", tensor.Float32, []int{0}, nil))
	}
	inter = append(inter, b.Tensor("effective_hidden_scale_intermediate", tensor.Int8, []int{0}, builder.PerTensor(m.hidScale, m.hidZP)))
	op := b.Op(builder.UnidirectionalLSTM, inputs, []int{out}, builder.UnidirectionalSequenceLSTMOptions{
		FusedActivationFunction: builder.ActTanh, CellClip: m.cellClip, ProjClip: m.projClip, TimeMajor: m.timeMajor})
	b.Intermediates(op, inter...)
	b.Inputs(inputs[0])
	b.Outputs(out)
	return opstest.TryBuild(b, resolver(), inference.Options{Kernels: string(kernels)})
}

// snapshot returns the bytes of the output and of the named state tensors.
func snapshot(it *inference.Interpreter, states ...string) [][]byte {
	s := [][]byte{append([]byte(nil), it.Output(0).Data...)}
	for _, name := range states {
		s = append(s, append([]byte(nil), stateNamed(it, name).Data...))
	}
	return s
}

// sameBytes fails the test at the first tensor whose bytes differ.
func sameBytes(t *testing.T, what string, got, want [][]byte, names ...string) {
	t.Helper()
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("%s: %s byte %d = %d, generic path %d", what, names[i], j, got[i][j], want[i][j])
			}
		}
	}
}

// comparePaths runs the model built by build on every kernel path with
// the same inputs over several Invoke calls (the state carried from one to
// the next, then reset) and requires the bytes of the output and of the
// state tensors to equal the generic path's after every call.
func comparePaths(t *testing.T, what string, rng *rand.Rand, build func(gemm.Path) (*inference.Interpreter, error), states ...string) {
	t.Helper()
	ref, err := build(gemm.Generic)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer ref.Close()
	its := []*inference.Interpreter{}
	for _, p := range gemm.Paths()[1:] {
		it, err := build(p)
		if err != nil {
			t.Fatalf("%s on %s: %v", what, p, err)
		}
		defer it.Close()
		its = append(its, it)
	}
	names := append([]string{"output"}, states...)
	for call := range 4 {
		if call == 3 {
			ref.ResetState()
			for _, it := range its {
				it.ResetState()
			}
		}
		x := randInt8s(rng, len(ref.Input(0).Data))
		opstest.Set(t, ref.Input(0), x)
		if err := ref.Invoke(); err != nil {
			t.Fatal(err)
		}
		want := snapshot(ref, states...)
		for i, it := range its {
			opstest.Set(t, it.Input(0), x)
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			sameBytes(t, fmt.Sprintf("%s, %s path, call %d", what, gemm.Paths()[1+i], call), snapshot(it, states...), want, names...)
		}
	}
}

// TestLSTMIntegerPathsAgree is the property test of the fast integer LSTM
// (lstm_int_fast.go): on random models, weights, zero points, scales,
// shapes and sequence lengths, every SIMD kernel path produces exactly
// the bytes of the generic path, the reference step, in the output and in
// both state tensors, over Invoke calls that carry the state.
func TestLSTMIntegerPathsAgree(t *testing.T) {
	if len(gemm.Paths()) < 2 {
		t.Skip("this CPU has only the generic kernel path")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 120 {
		m := randomIntLSTM(rng)
		comparePaths(t, fmt.Sprintf("case %d (%v)", i, m), rng, m.build, "output_state", "cell_state")
	}
}

// TestLSTMIntegerFastDoesNotAllocate checks Eval on every path, on a
// model with every optional part.
func TestLSTMIntegerFastDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m := randomIntLSTM(rng)
	for !m.project || !m.peephole || m.cifg {
		m = randomIntLSTM(rng)
	}
	for _, p := range gemm.Paths() {
		it, err := m.build(p)
		if err != nil {
			t.Fatal(err)
		}
		opstest.Invoke(t, it)
		it.Close()
	}
}
