package models

import (
	"errors"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/inference"
)

// TestHealthCounts checks what Health counts: good calls with their
// times, failed calls as errors, and not requests refused for their inputs.
func TestHealthCounts(t *testing.T) {
	m, err := Load(Spec{Name: "d", Path: "builtin:demo-motion"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if h := m.Health(); h.Calls != 0 || h.Errors != 0 || len(h.Latencies) != 0 || h.Quantile(0.95) != 0 {
		t.Fatalf("fresh model health %+v", h)
	}
	good := make([]float64, demo.WindowLen*demo.Axes)
	for range 3 {
		if _, err := m.Infer(api.InferRequest{Inputs: [][]float64{good}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Infer(api.InferRequest{Inputs: [][]float64{good[1:]}}); !errors.Is(err, ErrBadInput) {
		t.Fatalf("short input: %v", err)
	}
	boom := errors.New("kernel failed")
	if err := m.Run(func(*inference.Interpreter) error { return boom }); err != boom {
		t.Fatalf("Run returned %v", err)
	}
	h := m.Health()
	if h.Calls != 4 || h.Errors != 1 || h.LastError != "kernel failed" || len(h.Latencies) != 3 {
		t.Fatalf("health %+v, want 4 calls, 1 error, 3 latencies", h)
	}
	for _, d := range h.Latencies {
		if d <= 0 {
			t.Fatalf("latency %v", d)
		}
	}
	// The window keeps the latest healthWindow times.
	for range healthWindow + 5 {
		_ = m.Run(func(*inference.Interpreter) error { return nil })
	}
	if h := m.Health(); len(h.Latencies) != healthWindow || h.Calls != uint64(4+healthWindow+5) {
		t.Fatalf("after many calls: %d latencies, %d calls", len(h.Latencies), h.Calls)
	}
}

func TestHealthQuantile(t *testing.T) {
	var h Health
	for i := 100; i >= 1; i-- {
		h.Latencies = append(h.Latencies, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0: time.Millisecond, 0.5: 50 * time.Millisecond, 0.95: 95 * time.Millisecond, 1: 100 * time.Millisecond} {
		if got := h.Quantile(q); got != want {
			t.Errorf("Quantile(%v) = %v, want %v", q, got, want)
		}
	}
	one := Health{Latencies: []time.Duration{7}}
	if one.Quantile(0.95) != 7 {
		t.Fatal("one-sample quantile")
	}
}
