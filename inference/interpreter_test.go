package inference_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/arena"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/fc"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func fcResolver() *ops.Resolver {
	r := ops.NewResolver()
	fc.Register(r)
	return r
}

func load(t *testing.T, b *builder.Builder) *model.Model {
	t.Helper()
	data, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mlp builds a chain of fully connected layers of the given widths.
func mlp(widths ...int) *builder.Builder {
	r := rand.New(rand.NewPCG(7, 7))
	b := builder.New()
	prev := b.Tensor("x", tensor.Float32, []int{1, widths[0]}, nil)
	b.Inputs(prev)
	for i := 1; i < len(widths); i++ {
		w := make([]float32, widths[i]*widths[i-1])
		for j := range w {
			w[j] = float32(r.NormFloat64()) * 0.3
		}
		wt := b.Const("w", tensor.Float32, []int{widths[i], widths[i-1]}, nil, w)
		out := b.Tensor("h", tensor.Float32, []int{1, widths[i]}, nil)
		b.Op(builder.FullyConnected, []int{prev, wt, -1}, []int{out}, builder.FullyConnectedOptions{FusedActivationFunction: builder.ActRelu})
		prev = out
	}
	b.Outputs(prev)
	return b
}

func TestUnsupportedOperatorsAreNamedAtLoad(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{4}, nil)
	mid := b.Tensor("mid", tensor.Float32, []int{4}, nil)
	out := b.Tensor("out", tensor.Float32, []int{4}, nil)
	b.CustomOp("MyFancyOp", []int{in}, []int{mid}, nil)
	b.Op(builder.Tanh, []int{mid}, []int{out}, nil)
	b.Inputs(in)
	b.Outputs(out)
	_, err := inference.New(load(t, b), inference.Options{Resolver: fcResolver()})
	if !errors.Is(err, inference.ErrUnsupported) {
		t.Fatalf("New = %v, want ErrUnsupported", err)
	}
	for _, want := range []string{"CUSTOM:MyFancyOp", "TANH"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestGraphOrderIsChecked(t *testing.T) {
	// The first operator reads the second one's output.
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
	w := b.Const("w", tensor.Float32, []int{2, 2}, nil, []float32{1, 0, 0, 1})
	a := b.Tensor("a", tensor.Float32, []int{1, 2}, nil)
	c := b.Tensor("c", tensor.Float32, []int{1, 2}, nil)
	b.Op(builder.FullyConnected, []int{a, w, -1}, []int{c}, builder.FullyConnectedOptions{})
	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{a}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(c)
	_, err := inference.New(load(t, b), inference.Options{Resolver: fcResolver()})
	if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("New = %v, want an error about tensor \"a\"", err)
	}
}

func TestWritingAConstantIsRefused(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
	w := b.Const("w", tensor.Float32, []int{2, 2}, nil, []float32{1, 0, 0, 1})
	b.Op(builder.FullyConnected, []int{in, w, -1}, []int{w}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(w)
	_, err := inference.New(load(t, b), inference.Options{Resolver: fcResolver()})
	if err == nil || !strings.Contains(err.Error(), "constant") {
		t.Fatalf("New = %v, want an error about writing a constant", err)
	}
}

func TestArenaPlanIsValidAndSmallerThanLinear(t *testing.T) {
	m := load(t, mlp(64, 128, 256, 128, 64, 8))
	it, err := inference.New(m, inference.Options{Resolver: fcResolver()})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	reqs, plan, _ := it.MemoryPlan()
	if err := arena.Check(reqs, plan, inference.Alignment); err != nil {
		t.Fatal(err)
	}
	lin, err := inference.New(m, inference.Options{Resolver: fcResolver(), Planner: arena.Linear{}})
	if err != nil {
		t.Fatal(err)
	}
	defer lin.Close()
	if it.ArenaSize() >= lin.ArenaSize() {
		t.Errorf("greedy arena %d, linear %d: want greedy smaller", it.ArenaSize(), lin.ArenaSize())
	}
	// The input lives for the whole run; the two largest activations (256
	// and 128 wide) are live together at one layer.
	if lb := arena.LowerBound(reqs); it.ArenaSize() < lb {
		t.Errorf("arena %d below lower bound %d", it.ArenaSize(), lb)
	}
	// Same answers from both layouts.
	for _, x := range []*inference.Interpreter{it, lin} {
		in := x.Input(0).Float32()
		for i := range in {
			in[i] = float32(i%7) - 3
		}
		if err := x.Invoke(); err != nil {
			t.Fatal(err)
		}
	}
	a, b := it.Output(0).Float32(), lin.Output(0).Float32()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("output %d: greedy %v, linear %v", i, a[i], b[i])
		}
	}
}

func TestInvokeAllocatesNothing(t *testing.T) {
	for _, threads := range []int{1, 2} {
		it, err := inference.New(load(t, mlp(32, 64, 10)), inference.Options{Resolver: fcResolver(), Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(20, func() { _ = it.Invoke() }); a != 0 {
			t.Errorf("threads=%d: Invoke allocates %v times per run", threads, a)
		}
		it.Close()
	}
}

func TestThreadsGiveIdenticalResults(t *testing.T) {
	m := load(t, mlp(100, 300, 50))
	var outs [][]float32
	for _, threads := range []int{1, 2, 3} {
		it, err := inference.New(m, inference.Options{Resolver: fcResolver(), Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		in := it.Input(0).Float32()
		for i := range in {
			in[i] = float32(i%11) * 0.1
		}
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, append([]float32(nil), it.Output(0).Float32()...))
		it.Close()
	}
	for k := 1; k < len(outs); k++ {
		for i := range outs[0] {
			if outs[k][i] != outs[0][i] {
				t.Fatalf("threads %d output %d = %v, one thread %v", k+1, i, outs[k][i], outs[0][i])
			}
		}
	}
}

func TestResetStateZeroesVariablesAndUsesInt8ZeroPoint(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 2}, nil)
	w := b.Const("w", tensor.Float32, []int{2, 2}, nil, []float32{1, 0, 0, 1})
	out := b.Tensor("out", tensor.Float32, []int{1, 2}, nil)
	v8 := b.Variable("state8", tensor.Int8, []int{4}, builder.PerTensor(0.5, -3))
	vf := b.Variable("statef", tensor.Float32, []int{4}, nil)
	// Variables consumed as (ignored) extra inputs keep them in the graph.
	b.Op(builder.FullyConnected, []int{in, w, -1, v8, vf}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	r := ops.NewResolver()
	r.AddBuiltin(builder.FullyConnected, func() ops.Kernel { return &passThrough{} })
	it, err := inference.New(load(t, b), inference.Options{Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	s8, sf := it.Tensors()[v8], it.Tensors()[vf]
	for i := range s8.Data {
		if int8(s8.Data[i]) != -3 {
			t.Fatalf("int8 state byte %d = %d, want the zero point -3", i, int8(s8.Data[i]))
		}
	}
	sf.Float32()[2] = 5
	s8.Int8()[1] = 100
	it.ResetState()
	if sf.Float32()[2] != 0 || s8.Int8()[1] != -3 {
		t.Errorf("ResetState left %v and %d", sf.Float32()[2], s8.Int8()[1])
	}
}

// passThrough is a test kernel that accepts anything and does nothing.
type passThrough struct{}

func (passThrough) Prepare(*ops.Node) error { return nil }
func (passThrough) Eval(*ops.Node) error    { return nil }

func TestKernelPanicBecomesError(t *testing.T) {
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1}, nil)
	out := b.Tensor("out", tensor.Float32, []int{1}, nil)
	b.Op(builder.Relu, []int{in}, []int{out}, nil)
	b.Inputs(in)
	b.Outputs(out)
	r := ops.NewResolver()
	r.AddBuiltin(builder.Relu, func() ops.Kernel { return panicky{} })
	it, err := inference.New(load(t, b), inference.Options{Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if err := it.Invoke(); err == nil || !strings.Contains(err.Error(), "RELU") {
		t.Fatalf("Invoke = %v, want an error naming RELU", err)
	}
}

type panicky struct{}

func (panicky) Prepare(*ops.Node) error { return nil }
func (panicky) Eval(n *ops.Node) error {
	var s []int
	_ = s[len(n.Inputs)+5]
	return nil
}
