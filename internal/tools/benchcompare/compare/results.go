package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ours is what `edge-agent model bench --json` reports (the fields used here).
type ours struct {
	Model   string  `json:"model"`
	Runs    int     `json:"runs"`
	Threads int     `json:"threads"`
	LoadMs  float64 `json:"load_ms"`
	Latency *struct {
		Min    float64 `json:"min"`
		Median float64 `json:"median"`
		P99    float64 `json:"p99"`
	} `json:"latency_ms"`
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// RSSBytes is the RSS after the runs (reports before it existed: 0).
	RSSBytes int64 `json:"rss_bytes"`
}

// theirs is the JSON line tflite_bench.js prints.
type theirs struct {
	Runtime      string   `json:"runtime"`
	Model        string   `json:"model"`
	Threads      int      `json:"threads"`
	Runs         int      `json:"runs"`
	MedianMs     *float64 `json:"median_ms"`
	P90Ms        float64  `json:"p90_ms"`
	MinMs        float64  `json:"min_ms"`
	LoadMs       float64  `json:"load_ms"`
	InitMs       float64  `json:"init_ms"`
	RSSBytes     int64    `json:"rss_bytes"`
	PeakRSSBytes int64    `json:"peak_rss_bytes"`
	SIMD         bool     `json:"simd"`
	XNNPACK      bool     `json:"xnnpack"`
	Version      string   `json:"version"`
	Build        string   `json:"build"`
	Patched      int      `json:"patched_tensors"`
	Error        string   `json:"error"`
	Log          []string `json:"log"`
}

// parseOurs decodes and checks edge-agent's report.
func parseOurs(b []byte) (ours, error) {
	var r ours
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("edge-agent report: %w", err)
	}
	switch {
	case r.Latency == nil:
		return r, errors.New("edge-agent report: no latency_ms")
	case r.Runs < 1:
		return r, fmt.Errorf("edge-agent report: runs %d", r.Runs)
	case r.Latency.Median < 0 || r.Latency.Min < 0 || r.Latency.Min > r.Latency.Median:
		return r, fmt.Errorf("edge-agent report: inconsistent latency min %g median %g", r.Latency.Min, r.Latency.Median)
	case r.LoadMs < 0 || r.PeakRSSBytes < 0 || r.RSSBytes < 0:
		return r, fmt.Errorf("edge-agent report: negative load_ms %g, rss_bytes %d or peak_rss_bytes %d", r.LoadMs, r.RSSBytes, r.PeakRSSBytes)
	}
	return r, nil
}

// parseTheirs decodes the last JSON line of tflite_bench.js's output (earlier
// lines, if any, are the runtime's own chatter). A line with "error" becomes
// an error carrying the message and TFLite's log lines.
func parseTheirs(b []byte) (theirs, error) {
	var r theirs
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "{") {
			line = l
		}
	}
	if line == "" {
		return r, errors.New("tflite_bench: no JSON line in its output")
	}
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return r, fmt.Errorf("tflite_bench: %w", err)
	}
	if r.Runtime != "tflite-wasm" {
		return r, fmt.Errorf("tflite_bench: runtime %q, want tflite-wasm", r.Runtime)
	}
	if r.Error != "" {
		msg := r.Error
		if len(r.Log) > 0 {
			msg += " (" + strings.Join(r.Log, "; ") + ")"
		}
		return r, errors.New(msg)
	}
	switch {
	case r.MedianMs == nil:
		return r, errors.New("tflite_bench: no median_ms")
	case r.Runs < 1:
		return r, fmt.Errorf("tflite_bench: runs %d", r.Runs)
	case *r.MedianMs < 0 || r.MinMs < 0 || r.MinMs > *r.MedianMs:
		return r, fmt.Errorf("tflite_bench: inconsistent latency min %g median %g", r.MinMs, *r.MedianMs)
	case r.LoadMs < 0 || r.RSSBytes < 0:
		return r, fmt.Errorf("tflite_bench: negative load_ms %g or rss_bytes %d", r.LoadMs, r.RSSBytes)
	}
	return r, nil
}
