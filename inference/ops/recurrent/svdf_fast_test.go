package recurrent_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops/opstest"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// intSVDF is a random integer SVDF.
type intSVDF struct {
	batch, input, rank, units, memory int
	stateType                         tensor.DType
	withBias, relu                    bool
	inScale, fwScale, stateScale      float32
	twScale, outScale                 float32
	inZP, stateZP, outZP              int64
	fw                                []int8
	tw                                any // []int16 or []int8, like the state
	bias                              []int32
}

// randomIntSVDF draws shapes around the kernels' block sizes, both state
// types with non-zero zero points, and multipliers that keep the state
// and the outputs mostly within range.
func randomIntSVDF(rng *rand.Rand) *intSVDF {
	m := &intSVDF{
		batch: 1 + rng.IntN(3), input: 1 + rng.IntN(70), rank: 1 + rng.IntN(3), units: 1 + rng.IntN(12), memory: 1 + rng.IntN(40),
		stateType: tensor.Int16, withBias: rng.IntN(3) > 0, relu: rng.IntN(2) == 0,
		inScale: logUniform(rng, -8, -2), stateScale: logUniform(rng, -12, -4), outScale: logUniform(rng, -8, -2),
		inZP: int64(rng.IntN(256) - 128), stateZP: int64(rng.IntN(200) - 100), outZP: int64(rng.IntN(256) - 128),
	}
	filters := m.rank * m.units
	m.fw = randInt8s(rng, filters*m.input)
	if rng.IntN(3) == 0 {
		m.stateType = tensor.Int8
		m.fwScale = logUniform(rng, -14, -6) * m.stateScale / m.inScale
		m.twScale = logUniform(rng, -14, -6) * m.outScale / m.stateScale
		m.tw = randInt8s(rng, filters*m.memory)
	} else {
		m.fwScale = logUniform(rng, -8, 0) * m.stateScale / m.inScale
		m.twScale = logUniform(rng, -28, -16) * m.outScale / m.stateScale
		m.tw = randInt16s(rng, filters*m.memory)
	}
	m.bias = randInt32s(rng, m.units, 1+rng.IntN(28))
	return m
}

func (m *intSVDF) String() string {
	return fmt.Sprintf("batch %d, input %d, rank %d, units %d, memory %d, state %s (zero point %d), bias %v, relu %v",
		m.batch, m.input, m.rank, m.units, m.memory, m.stateType, m.stateZP, m.withBias, m.relu)
}

func (m *intSVDF) build(kernels gemm.Path) (*inference.Interpreter, error) {
	filters := m.rank * m.units
	b := builder.New()
	in := b.Tensor("in", tensor.Int8, []int{m.batch, m.input}, builder.PerTensor(m.inScale, m.inZP))
	fw := b.Const("weights_feature", tensor.Int8, []int{filters, m.input}, builder.PerTensor(m.fwScale, 0), m.fw)
	tw := b.Const("weights_time", m.stateType, []int{filters, m.memory}, builder.PerTensor(m.twScale, 0), m.tw)
	bias := -1
	if m.withBias {
		bias = b.Const("bias", tensor.Int32, []int{m.units}, builder.PerTensor(m.stateScale*m.twScale, 0), m.bias)
	}
	state := b.Variable("state", m.stateType, []int{m.batch, m.memory * filters}, builder.PerTensor(m.stateScale, m.stateZP))
	out := b.Tensor("out", tensor.Int8, []int{m.batch, m.units}, builder.PerTensor(m.outScale, m.outZP))
	act := builder.ActNone
	if m.relu {
		act = builder.ActRelu
	}
	b.Op(builder.SVDF, []int{in, fw, tw, bias, state}, []int{out}, builder.SVDFOptions{Rank: int32(m.rank), FusedActivationFunction: act})
	b.Inputs(in)
	b.Outputs(out)
	return opstest.TryBuild(b, resolver(), inference.Options{Kernels: string(kernels)})
}

// TestSVDFIntegerPathsAgree is the property test of the fast integer SVDF
// (svdf_fast.go): on random models every SIMD kernel path produces
// exactly the bytes of the generic path, the reference, in the output and
// in the state, over Invoke calls that carry the state.
func TestSVDFIntegerPathsAgree(t *testing.T) {
	if len(gemm.Paths()) < 2 {
		t.Skip("this CPU has only the generic kernel path")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for i := range 150 {
		m := randomIntSVDF(rng)
		comparePaths(t, fmt.Sprintf("case %d (%v)", i, m), rng, m.build, "state")
	}
}

// TestSVDFIntegerFastDoesNotAllocate checks Eval on every path, for both
// state types.
func TestSVDFIntegerFastDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, st := range []tensor.DType{tensor.Int16, tensor.Int8} {
		m := randomIntSVDF(rng)
		for m.stateType != st {
			m = randomIntSVDF(rng)
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
}

// TestIntegerModelsEveryPath runs the integer recurrent models on every
// kernel path with their golden inputs, on fresh and on carried-over
// state, and requires the bytes of every output and state tensor to
// equal the generic path's (TestGoldenModels compares the default path
// with the goldens).
func TestIntegerModelsEveryPath(t *testing.T) {
	for _, name := range []string{"trained_lstm_int8", "dtln_noise_suppression", "keyword_scrambled", "keyword_scrambled_8bit"} {
		t.Run(name, func(t *testing.T) {
			m, err := model.LoadFile(testenv.Shared(t, "models", name+".tflite"))
			if err != nil {
				t.Fatal(err)
			}
			dir := testenv.Shared(t, "golden", name)
			var want [][]byte
			for i, p := range gemm.Paths() {
				it, err := inference.New(m, inference.Options{Resolver: modelResolver(), Kernels: string(p)})
				if err != nil {
					t.Fatal(err)
				}
				var got [][]byte
				for _, carry := range []bool{false, true} {
					for k := range 2 {
						if !carry {
							it.ResetState()
						}
						in := readFile(t, filepath.Join(dir, fmt.Sprintf("input_%d.bin", k)))
						if len(in) != len(it.Input(0).Data) {
							t.Fatalf("input_%d.bin has %d bytes, input tensor %d", k, len(in), len(it.Input(0).Data))
						}
						copy(it.Input(0).Data, in)
						if err := it.Invoke(); err != nil {
							t.Fatal(err)
						}
						got = append(got, append([]byte(nil), it.Output(0).Data...))
						for _, tt := range it.Tensors() {
							if tt.Variable {
								got = append(got, append([]byte(nil), tt.Data...))
							}
						}
					}
				}
				it.Close()
				if i == 0 {
					want = got
					continue
				}
				for j := range want {
					if string(got[j]) != string(want[j]) {
						t.Fatalf("%s path: tensor snapshot %d differs from the generic path", p, j)
					}
				}
			}
		})
	}
}
