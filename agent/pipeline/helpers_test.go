package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/image/bmp"

	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// testModel is a Model over a real interpreter. When gate is set, Run
// signals entered (if set) and waits for gate before running fn.
type testModel struct {
	mu      sync.Mutex
	it      *inference.Interpreter
	meta    wire.Model
	labels  []string
	gate    chan struct{}
	entered chan struct{}
	runs    atomic.Int64
}

func newTestModel(t testing.TB, data []byte, labels []string) *testModel {
	t.Helper()
	m, err := loadTestModel(data, labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.it.Close)
	return m
}

// loadTestModel builds a testModel; its interpreter is not closed.
func loadTestModel(data []byte, labels []string) (*testModel, error) {
	m, err := model.Load(data)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	it, err := inference.New(m)
	if err != nil {
		return nil, fmt.Errorf("interpreter: %w", err)
	}
	return &testModel{it: it, labels: labels, meta: wire.Model{Name: "test", Version: 1, SHA256: "abc"}}, nil
}

func (m *testModel) Meta() wire.Model { return m.meta }
func (m *testModel) Labels() []string { return m.labels }
func (m *testModel) Run(fn func(it *inference.Interpreter) error) error {
	m.runs.Add(1)
	if m.gate != nil {
		if m.entered != nil {
			m.entered <- struct{}{}
		}
		<-m.gate
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return fn(m.it)
}

// demoModel is the demo motion classifier.
func demoModel(t testing.TB) *testModel {
	t.Helper()
	data, err := demo.BuildModel()
	if err != nil {
		t.Fatal(err)
	}
	return newTestModel(t, data, demo.Labels)
}

// fcModel builds out = W · flatten(in) with float32 tensors; W is
// [outN, elements(inShape)] row-major.
func fcModel(t testing.TB, inShape []int, w []float32, outN int) []byte {
	t.Helper()
	b := builder.New()
	n := tensor.NumElements(inShape)
	x := b.Tensor("in", tensor.Float32, inShape, nil)
	cw := b.Const("w", tensor.Float32, []int{outN, n}, nil, w)
	y := b.Tensor("out", tensor.Float32, []int{1, outN}, nil)
	b.Op(builder.FullyConnected, []int{x, cw, -1}, []int{y}, builder.FullyConnectedOptions{})
	b.Inputs(x)
	b.Outputs(y)
	data, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sumModel sums a window of n values: out = [sum(in)].
func sumModel(t testing.TB, inShape []int) []byte {
	w := make([]float32, tensor.NumElements(inShape))
	for i := range w {
		w[i] = 1
	}
	return fcModel(t, inShape, w, 1)
}

// dequantizeModel builds in (quantized dt) -> DEQUANTIZE -> float32 out of
// the same shape: its output shows exactly what the pipeline wrote.
func dequantizeModel(t testing.TB, dt tensor.DType, shape []int, scale float32, zp int64) []byte {
	t.Helper()
	b := builder.New()
	x := b.Tensor("in", dt, shape, builder.PerTensor(scale, zp))
	y := b.Tensor("out", tensor.Float32, shape, nil)
	b.Op(builder.Dequantize, []int{x}, []int{y}, nil)
	b.Inputs(x)
	b.Outputs(y)
	data, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// recorder is a Sink keeping what it gets. With block set, each call
// signals entered (if set) and waits for block.
type recorder struct {
	mu      sync.Mutex
	preds   []wire.Prediction
	seq     uint64
	fail    error
	block   chan struct{}
	entered chan struct{}
}

func (r *recorder) sink(ctx context.Context, p wire.Prediction) (uint64, error) {
	if r.block != nil {
		if r.entered != nil {
			r.entered <- struct{}{}
		}
		<-r.block
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.Seq != 0 {
		panic("sink got a prediction with a seq")
	}
	if r.fail != nil {
		return 0, r.fail
	}
	r.seq++
	r.preds = append(r.preds, p)
	return r.seq, nil
}

func (r *recorder) all() []wire.Prediction {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wire.Prediction(nil), r.preds...)
}

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds; the deadline only keeps a broken test
// from hanging.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// start runs p until the test ends.
func start(t testing.TB, p *Pipeline) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// processed waits until every offered sample was taken from the queue and
// checked.
func processed(t testing.TB, p *Pipeline) Stats {
	t.Helper()
	var st Stats
	waitFor(t, "samples processed", func() bool {
		st = p.Stats()
		var rej uint64
		for _, n := range st.Rejected {
			rej += n
		}
		return st.Accepted+rej+st.Dropped == st.Samples
	})
	return st
}

// series1 offers one-channel samples with timestamps base + i seconds.
func series1(p *Pipeline, base time.Time, from int, vals ...float32) {
	for i, v := range vals {
		p.Offer(sampleAt(base, from+i, v))
	}
}

func sampleAt(base time.Time, i int, vals ...float32) sensor.Sample {
	return sensor.Sample{TS: base.Add(time.Duration(i) * time.Second), Values: vals}
}

// decodeBMP reads a shared test image.
func decodeBMP(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := bmp.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// testBase is the timestamp of sample 0 in tests.
var testBase = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// slogText logs as text into w.
func slogText(w *syncBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
