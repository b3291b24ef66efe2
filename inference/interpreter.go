// Package inference runs TensorFlow Lite models in pure Go.
//
// A model file is loaded and checked by package model, its operators are
// bound to kernels from package ops, every kernel is prepared (shapes and
// quantization parameters checked, multipliers computed), and the tensors that
// are neither constant nor persistent are laid out in one arena by a memory
// planner (package arena). Invoke then runs the kernels in order without
// allocating.
//
//	m, err := model.LoadFile("person_detect.tflite")
//	it, err := inference.New(m)
//	copy(it.Input(0).Int8(), image)
//	err = it.Invoke()
//	scores := it.Output(0).Int8()
//
// Integer kernels are bit-exact with TensorFlow Lite's reference kernels, and
// every kernel path (Options.Kernels) gives the same bytes as the plain-Go one.
// An Interpreter is not safe for concurrent use; create one per goroutine
// (they may share a *model.Model).
package inference

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/edge-agent/edge-agent/inference/arena"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/builtin"
	"github.com/edge-agent/edge-agent/inference/parallel"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Alignment of every tensor and scratch buffer in the arena, in bytes.
const Alignment = 64

// Options configure an Interpreter.
type Options struct {
	// Resolver maps operators to kernels; nil means builtin.Resolver().
	Resolver *ops.Resolver
	// Planner lays out the arena; nil means arena.Greedy.
	Planner arena.Planner
	// Threads is the number of threads kernels may use; 0 or 1 means one.
	Threads int
	// MaxArenaBytes bounds the planned arena plus variable state (default
	// 1 GiB, 256 MiB on 32-bit platforms): a model that needs more is refused.
	MaxArenaBytes int
	// Kernels picks the kernel path: "auto" or "" (the fastest this CPU
	// has; $EDGE_AGENT_KERNELS overrides ""), "generic" (the plain-Go
	// reference kernels), "avx2", "avxvnni" (AVX2 with the VEX-encoded
	// VNNI dot product), "avx512vnni", "neon", "sdot" or "i8mm". A path the CPU
	// lacks is an error.
	Kernels string
	// NoFusion keeps every operator of the model as it is. By default a PAD
	// whose only reader is a convolution is folded into that convolution's
	// padding (see fuse.go); the results are the same bytes.
	NoFusion bool
}

// ErrUnsupported is wrapped by errors about operators or types the
// interpreter has no kernel for.
var ErrUnsupported = errors.New("unsupported")

// Interpreter runs one model.
type Interpreter struct {
	model     *model.Model
	graph     *model.Subgraph
	tensors   []*tensor.Tensor
	nodes     []*ops.Node
	kernels   []ops.Kernel
	inputs    []*tensor.Tensor
	outputs   []*tensor.Tensor
	variables []*tensor.Tensor
	arena     []byte
	plan      arena.Plan
	requests  []arena.Request
	owners    []string // what each request is, for reports
	persist   int      // bytes of variable tensors
	pool      *parallel.Pool
	// fused counts the operators folded into others (fuse.go).
	fused int
	// kernelPath is the kernel path the nodes use (Options.Kernels).
	kernelPath gemm.Path
	// release ends the interpreter's hold on its model (model.Hold).
	release func()
}

// New builds an interpreter for the first subgraph of m.
func New(m *model.Model, opt ...Options) (*Interpreter, error) {
	var o Options
	if len(opt) > 0 {
		o = opt[0]
	}
	if o.Resolver == nil {
		o.Resolver = builtin.Resolver()
	}
	if o.Planner == nil {
		o.Planner = arena.Greedy{}
	}
	if o.MaxArenaBytes <= 0 {
		o.MaxArenaBytes = 1 << 30
		if math.MaxInt == math.MaxInt32 {
			o.MaxArenaBytes = 256 << 20
		}
	}
	if len(m.Subgraphs) == 0 {
		return nil, fmt.Errorf("%w: model has no subgraphs", model.ErrInvalid)
	}
	name := o.Kernels
	if name == "" {
		name = os.Getenv(gemm.EnvVar)
	}
	path, err := gemm.Select(name)
	if err != nil {
		return nil, fmt.Errorf("kernels: %w", err)
	}
	release, err := m.Hold()
	if err != nil {
		return nil, err
	}
	it := &Interpreter{model: m, graph: m.Subgraphs[0], kernelPath: path, release: release}
	if o.Threads > 1 {
		it.pool = parallel.New(o.Threads)
	}
	if err := it.build(o); err != nil {
		it.Close()
		return nil, err
	}
	return it, nil
}

func (it *Interpreter) build(o Options) error {
	g := it.graph
	for _, mt := range g.Tensors {
		t := &tensor.Tensor{Index: mt.Index, Name: mt.Name, Type: mt.Type, Shape: mt.Shape,
			Quant: mt.Quant, Variable: mt.IsVariable}
		if mt.Data != nil && !mt.IsVariable {
			t.Const, t.Data = true, mt.Data
		}
		it.tensors = append(it.tensors, t)
	}
	if err := it.checkGraph(); err != nil {
		return err
	}
	// Bind kernels, reporting every unsupported operator at once.
	var missing []string
	seen := map[string]bool{}
	for _, op := range g.Operators {
		f, ok := o.Resolver.Lookup(op.Code)
		if !ok {
			if name := op.Code.Name(); !seen[name] {
				seen[name] = true
				missing = append(missing, name)
			}
			continue
		}
		n := &ops.Node{Op: op, Pool: it.pool, Kernels: it.kernelPath, Discard: it.discard}
		n.Inputs = it.lookup(op.Inputs)
		n.Outputs = it.lookup(op.Outputs)
		n.Intermediates = it.lookup(op.Intermediates)
		it.nodes = append(it.nodes, n)
		it.kernels = append(it.kernels, f())
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: operators without a kernel in this interpreter: %s", ErrUnsupported, strings.Join(missing, ", "))
	}
	if !o.NoFusion {
		it.fusePads(g.Outputs)
	}
	for i, n := range it.nodes {
		if err := prepare(it.kernels[i], n); err != nil {
			return err
		}
	}
	for _, i := range g.Inputs {
		it.inputs = append(it.inputs, it.tensors[i])
	}
	for _, i := range g.Outputs {
		it.outputs = append(it.outputs, it.tensors[i])
	}
	return it.allocate(o.Planner, o.MaxArenaBytes)
}

// prepare runs a kernel's Prepare, turning a panic (a kernel bug exposed by
// an unusual model) into an error.
func prepare(k ops.Kernel, n *ops.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("operator %d (%s): internal error in prepare: %v", n.Op.Index, n.Name(), r)
		}
	}()
	if err := k.Prepare(n); err != nil {
		return fmt.Errorf("%w: prepare: %w", ErrUnsupported, err)
	}
	return nil
}

func (it *Interpreter) lookup(idx []int) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(idx))
	for i, j := range idx {
		if j >= 0 {
			out[i] = it.tensors[j]
		}
	}
	return out
}

// checkGraph checks that every tensor an operator reads has a value by then:
// a constant, a variable, a graph input or an earlier operator's output.
func (it *Interpreter) checkGraph() error {
	g := it.graph
	ready := make([]bool, len(it.tensors))
	for i, t := range it.tensors {
		ready[i] = t.Const || t.Variable
	}
	for _, i := range g.Inputs {
		if it.tensors[i].Const {
			return fmt.Errorf("%w: graph input %d (%q) is a constant", model.ErrInvalid, i, it.tensors[i].Name)
		}
		ready[i] = true
	}
	for _, op := range g.Operators {
		for _, i := range op.Inputs {
			if i >= 0 && !ready[i] {
				return fmt.Errorf("%w: operator %d (%s) reads tensor %d (%q), which is not a constant, a graph input or an earlier operator's output",
					model.ErrInvalid, op.Index, op.Code.Name(), i, it.tensors[i].Name)
			}
		}
		for _, i := range op.Outputs {
			t := it.tensors[i]
			if t.Const {
				return fmt.Errorf("%w: operator %d (%s) writes constant tensor %d (%q)", model.ErrInvalid, op.Index, op.Code.Name(), i, t.Name)
			}
			if ready[i] && !t.Variable {
				return fmt.Errorf("%w: operator %d (%s) writes tensor %d (%q), which already has a value", model.ErrInvalid, op.Index, op.Code.Name(), i, t.Name)
			}
			ready[i] = true
		}
	}
	for _, i := range g.Outputs {
		if !ready[i] {
			return fmt.Errorf("%w: graph output %d (%q) is never written", model.ErrInvalid, i, it.tensors[i].Name)
		}
	}
	return nil
}

// allocate plans the arena and points every tensor and scratch buffer into it.
func (it *Interpreter) allocate(p arena.Planner, limit int) error {
	g := it.graph
	last := len(it.nodes) - 1
	if last < 0 {
		last = 0
	}
	first := make([]int, len(it.tensors))
	end := make([]int, len(it.tensors))
	for i := range first {
		first[i], end[i] = -1, -1
	}
	use := func(i, op int) {
		if i < 0 {
			return
		}
		if first[i] < 0 || op < first[i] {
			first[i] = op
		}
		if op > end[i] {
			end[i] = op
		}
	}
	// Graph inputs and outputs live for the whole run: callers fill inputs
	// once and read outputs after Invoke.
	for _, i := range g.Inputs {
		use(i, 0)
		use(i, last)
	}
	for _, i := range g.Outputs {
		use(i, last)
	}
	for k, n := range it.nodes {
		// The node's tensors, not its operator's: fusion may have
		// rewired them (fuse.go).
		for _, ts := range [][]*tensor.Tensor{n.Inputs, n.Outputs, n.Intermediates} {
			for _, t := range ts {
				if t != nil {
					use(t.Index, k)
				}
			}
		}
	}
	type slot struct {
		t       *tensor.Tensor // a tensor, or
		node    int            // scratch buffer h of node node
		scratch int
	}
	var slots []slot
	it.requests, it.owners = nil, nil
	var persistent []*tensor.Tensor
	for i, t := range it.tensors {
		if t.Const || first[i] < 0 {
			continue
		}
		if t.Variable {
			persistent = append(persistent, t)
			continue
		}
		it.requests = append(it.requests, arena.Request{Size: t.Bytes(), First: first[i], Last: end[i]})
		it.owners = append(it.owners, fmt.Sprintf("tensor %d %q", i, t.Name))
		slots = append(slots, slot{t: t})
	}
	for k, n := range it.nodes {
		for h, size := range n.ScratchSizes() {
			it.requests = append(it.requests, arena.Request{Size: size, First: k, Last: k})
			it.owners = append(it.owners, fmt.Sprintf("scratch %d of operator %d (%s)", h, n.Op.Index, n.Name()))
			slots = append(slots, slot{node: k, scratch: h})
		}
	}
	it.plan = p.Plan(it.requests, Alignment)
	persistBytes := 0
	for _, t := range persistent {
		persistBytes += (t.Bytes() + Alignment - 1) / Alignment * Alignment
	}
	if it.plan.Size > limit || persistBytes > limit-it.plan.Size {
		return fmt.Errorf("%w: model needs an arena of %d bytes and %d bytes of state, more than the limit of %d",
			ErrUnsupported, it.plan.Size, persistBytes, limit)
	}
	it.arena = tensor.AlignedBytes(it.plan.Size, Alignment)
	scratch := make([][][]byte, len(it.nodes))
	for k, n := range it.nodes {
		scratch[k] = make([][]byte, len(n.ScratchSizes()))
	}
	for j, s := range slots {
		off, size := it.plan.Offsets[j], it.requests[j].Size
		buf := it.arena[off : off+size : off+size]
		if s.t != nil {
			s.t.Data = buf
		} else {
			scratch[s.node][s.scratch] = buf
		}
	}
	for k, n := range it.nodes {
		n.SetScratch(scratch[k])
	}
	// Variable tensors keep their state across invocations: one persistent block.
	block := tensor.AlignedBytes(persistBytes, Alignment)
	off := 0
	for _, t := range persistent {
		b := t.Bytes()
		t.Data = block[off : off+b : off+b]
		off += (b + Alignment - 1) / Alignment * Alignment
	}
	it.variables = persistent
	it.persist = persistBytes
	it.ResetState()
	return nil
}

// ResetState clears the state that variable tensors (LSTM, SVDF) carry
// across invocations: zero, or the zero point for INT8 tensors, as TFLite does.
func (it *Interpreter) ResetState() {
	for _, t := range it.variables {
		var v byte
		if t.Type == tensor.Int8 {
			v = byte(int8(t.ZeroPoint()))
		}
		for i := range t.Data {
			t.Data[i] = v
		}
	}
}

// Invoke runs the model once on the current input tensors.
func (it *Interpreter) Invoke() (err error) {
	k := 0
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("operator %d (%s): kernel failed: %v", it.nodes[k].Op.Index, it.nodes[k].Name(), r)
		}
	}()
	for k = range it.nodes {
		if err := it.kernels[k].Eval(it.nodes[k]); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the interpreter's worker threads.
func (it *Interpreter) Close() {
	it.pool.Close()
	it.pool = nil
	if it.release != nil {
		it.release()
	}
}

// Model returns the interpreter's model.
func (it *Interpreter) Model() *model.Model { return it.model }

// Inputs returns the graph's input tensors, in model order.
func (it *Interpreter) Inputs() []*tensor.Tensor { return it.inputs }

// Outputs returns the graph's output tensors, in model order.
func (it *Interpreter) Outputs() []*tensor.Tensor { return it.outputs }

// Input returns input tensor i.
func (it *Interpreter) Input(i int) *tensor.Tensor { return it.inputs[i] }

// Output returns output tensor i.
func (it *Interpreter) Output(i int) *tensor.Tensor { return it.outputs[i] }

// Tensors returns every tensor of the graph, indexed as in the model.
func (it *Interpreter) Tensors() []*tensor.Tensor { return it.tensors }

// Nodes returns the operator nodes in execution order.
func (it *Interpreter) Nodes() []*ops.Node { return it.nodes }

// Threads returns the number of threads kernels may use.
func (it *Interpreter) Threads() int { return it.pool.Workers() }

// ArenaSize returns the bytes of the planned arena.
func (it *Interpreter) ArenaSize() int { return it.plan.Size }

// PersistentSize returns the bytes held for variable (state) tensors.
func (it *Interpreter) PersistentSize() int { return it.persist }

// MemoryPlan returns the planner's requests and their placement, with a
// description of each request, for reports and tests.
func (it *Interpreter) MemoryPlan() ([]arena.Request, arena.Plan, []string) {
	return it.requests, it.plan, it.owners
}

// OpCounts returns how many nodes each operator has, sorted by name.
func (it *Interpreter) OpCounts() []OpCount {
	counts := map[string]int{}
	for _, n := range it.nodes {
		counts[n.Name()]++
	}
	var out []OpCount
	for name, c := range counts {
		out = append(out, OpCount{Name: name, Count: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// OpCount is an operator name and how many nodes use it.
type OpCount struct {
	Name  string
	Count int
}

// EvalNode runs node k alone, for per-operator profiling.
func (it *Interpreter) EvalNode(k int) error { return it.kernels[k].Eval(it.nodes[k]) }

// Kernels returns the kernel path the interpreter runs: "generic" (the
// plain-Go reference kernels) or a SIMD path such as "avx512vnni".
func (it *Interpreter) Kernels() string { return string(it.kernelPath) }

// KernelPaths lists the kernel paths this CPU can run, the reference
// first and the fastest last; Options.Kernels takes any of them.
func KernelPaths() []string {
	var out []string
	for _, p := range gemm.Paths() {
		out = append(out, string(p))
	}
	return out
}

// discard tells the model that a kernel packed the constant t into its own
// layout and will not read t's bytes (model.Discard).
func (it *Interpreter) discard(t *tensor.Tensor) {
	if t != nil && t.Const {
		it.model.Discard(t.Data)
	}
}
