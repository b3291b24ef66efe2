package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/model"
)

// demoPrediction is one line of `edge-agent demo --json`.
type demoPrediction struct {
	Seq       int       `json:"seq"`
	TS        time.Time `json:"ts"`
	Truth     string    `json:"truth"`
	Label     string    `json:"label"`
	Score     float32   `json:"score"`
	Scores    []float32 `json:"scores"`
	LatencyUS int64     `json:"latency_us"`
}

func cmdDemo(args []string, stdout io.Writer) error {
	fs := helpFlagSet("demo", "demo [--duration D] [--hop N] [--fast] [--json] [--save-model FILE]", stdout)
	duration := fs.Duration("duration", 0, "stop after this long (0: until interrupted)")
	hop := fs.Int("hop", 8, "new samples between predictions (the window is 32 samples at 50 Hz)")
	fast := fs.Bool("fast", false, "do not wait for real time between samples")
	asJSON := fs.Bool("json", false, "print one JSON object per prediction")
	seed := fs.Uint64("seed", 1, "simulator seed")
	saveModel := fs.String("save-model", "", "also write the demo model to this .tflite file")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *hop < 1 {
		return fmt.Errorf("--hop must be at least 1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	data, err := demo.BuildModel()
	if err != nil {
		return fmt.Errorf("build demo model: %w", err)
	}
	if *saveModel != "" {
		if err := os.WriteFile(*saveModel, data, 0o644); err != nil {
			return fmt.Errorf("save demo model: %w", err)
		}
	}
	m, err := model.Load(data)
	if err != nil {
		return fmt.Errorf("load demo model: %w", err)
	}
	it, err := inference.New(m)
	if err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	defer it.Close()
	sensor := demo.NewAccelerometer(*seed)
	window := make([][demo.Axes]float32, 0, demo.WindowLen)
	interval := time.Duration(float64(time.Second) / sensor.Rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	if !*asJSON {
		fmt.Fprintf(stdout, "demo: %d-sample windows of a simulated accelerometer at %.0f Hz, a prediction every %d samples; Ctrl-C stops\n",
			demo.WindowLen, sensor.Rate, *hop)
	}
	seq, correct, since := 0, 0, 0
	for {
		if !*fast {
			select {
			case <-ctx.Done():
				return summary(stdout, *asJSON, seq, correct)
			case <-tick.C:
			}
		} else if ctx.Err() != nil {
			return summary(stdout, *asJSON, seq, correct)
		}
		s, truth := sensor.Next()
		if len(window) == demo.WindowLen {
			copy(window, window[1:])
			window = window[:demo.WindowLen-1]
		}
		window = append(window, s)
		since++
		if len(window) < demo.WindowLen || since < *hop {
			continue
		}
		since = 0
		in := it.Input(0).Float32()
		for t, v := range window {
			copy(in[t*demo.Axes:], v[:])
		}
		t0 := time.Now()
		if err := it.Invoke(); err != nil {
			return err
		}
		lat := time.Since(t0)
		scores := append([]float32(nil), it.Output(0).Float32()...)
		best := 0
		for i, v := range scores {
			if v > scores[best] {
				best = i
			}
		}
		seq++
		if demo.Labels[best] == truth.String() {
			correct++
		}
		p := demoPrediction{Seq: seq, TS: time.Now().UTC(), Truth: truth.String(), Label: demo.Labels[best],
			Score: scores[best], Scores: scores, LatencyUS: lat.Microseconds()}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(p); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(stdout, "#%-5d %s  %-8s %.2f  (truth %-8s)  %d µs\n", p.Seq, p.TS.Format("15:04:05.000"), p.Label, p.Score, p.Truth, p.LatencyUS)
		}
	}
}

func summary(w io.Writer, asJSON bool, n, correct int) error {
	if asJSON || n == 0 {
		return nil
	}
	_, err := fmt.Fprintf(w, "demo: %d predictions, %d agree with the simulated truth (%.1f%%; windows that straddle a change of motion may not)\n",
		n, correct, 100*float64(correct)/float64(n))
	return err
}
