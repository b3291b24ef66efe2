package agent

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/config"
	"github.com/edge-agent/edge-agent/agent/models"
	"github.com/edge-agent/edge-agent/agent/pipeline"
	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// blockingModel is the demo model with a Run that waits for a release.
type blockingModel struct {
	*models.Model
	block   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (m *blockingModel) Run(fn func(it *inference.Interpreter) error) error {
	if m.block.Load() {
		m.entered <- struct{}{}
		<-m.release
	}
	return m.Model.Run(fn)
}

// TestHealthReportsAStuckPipeline: the watchdog's check fails while an
// inference hangs past agent.stall_timeout and passes again once it
// finishes; an idle pipeline is healthy.
func TestHealthReportsAStuckPipeline(t *testing.T) {
	m, err := models.Load(models.Spec{Name: "demo-motion", Path: "builtin:demo-motion"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	bm := &blockingModel{Model: m, entered: make(chan struct{}, 1), release: make(chan struct{})}
	p, err := pipeline.New(pipeline.Options{
		Name: "stuck", Sensor: "s", Channels: []string{"x", "y", "z"}, Model: bm,
		Window: pipeline.Window{Size: 32, Stride: 32}, Queue: 64,
		Sink: func(context.Context, wire.Prediction) (uint64, error) { return 1, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	bm.block.Store(true)
	cfg := config.Default()
	cfg.Agent.StallTimeout = config.Duration(time.Nanosecond)
	d := &Daemon{cfg: cfg, gen: &generation{cfg: cfg, pipelines: []*pipeRun{{name: "stuck", p: p}}}}
	if err := d.healthy(); err != nil {
		t.Fatalf("idle pipeline: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	for i := 0; i < 32; i++ {
		p.Offer(sensor.Sample{Values: []float32{0, 0, 1}})
	}
	select {
	case <-bm.entered: // the inference has started and hangs
	case <-time.After(30 * time.Second):
		t.Fatalf("no inference started: %+v", p.Stats())
	}
	time.Sleep(time.Millisecond)
	if err := d.healthy(); err == nil {
		t.Fatal("a hanging inference is reported healthy")
	}
	cfg.Agent.StallTimeout = 0
	if err := d.healthy(); err != nil {
		t.Fatalf("stall_timeout 0 disables the check: %v", err)
	}
	cfg.Agent.StallTimeout = config.Duration(time.Nanosecond)
	close(bm.release)
	waitUntil(t, "healthy once the inference finished", func() bool { return d.healthy() == nil })
	if p.Stats().Inferences != 1 {
		t.Fatalf("inferences %d", p.Stats().Inferences)
	}
	cancel()
	<-done
}
