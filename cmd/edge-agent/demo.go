package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"syscall"
	"time"

	"github.com/edge-agent/edge-agent/agent"
	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// demoPrediction is one line of `edge-agent demo --json`.
type demoPrediction struct {
	Seq       uint64    `json:"seq"`
	TS        time.Time `json:"ts"`
	Truth     string    `json:"truth"`
	Label     string    `json:"label"`
	Score     float32   `json:"score"`
	Scores    []float32 `json:"scores"`
	LatencyUS int64     `json:"latency_us"`
}

func defaultDeviceID() string {
	h, _ := os.Hostname()
	h = regexp.MustCompile(`[^A-Za-z0-9._-]`).ReplaceAllString(h, "-")
	if h == "" {
		h = "local"
	}
	return "demo-" + h
}

func cmdDemo(args []string, stdout io.Writer) error {
	fs := helpFlagSet("demo", "demo [--duration D] [--fast] [--json] [--data-dir DIR] [--broker URL] [--device-id ID] [--no-sync]", stdout)
	duration := fs.Duration("duration", 0, "stop after this long (0: until interrupted)")
	hop := fs.Int("hop", 8, "new samples between predictions (the window is 32 samples at 50 Hz)")
	fast := fs.Bool("fast", false, "do not wait for real time between samples")
	asJSON := fs.Bool("json", false, "print one JSON object per prediction")
	seed := fs.Uint64("seed", 1, "simulator seed")
	saveModel := fs.String("save-model", "", "also write the demo model to this .tflite file")
	dataDir := fs.String("data-dir", "demo-data", "folder of the outbox (predictions wait there until delivered)")
	broker := fs.String("broker", "tcp://127.0.0.1:1883", "MQTT broker; predictions are buffered while it cannot be reached ('' to run without MQTT)")
	deviceID := fs.String("device-id", defaultDeviceID(), "device id on MQTT")
	noSync := fs.Bool("no-sync", false, "only print predictions: no outbox, no MQTT")
	untilSeq := fs.Uint64("until-seq", 0, "stop making predictions once the outbox has assigned this seq (0: never)")
	drained := fs.Bool("exit-when-drained", false, "with --until-seq: exit once every prediction has been delivered")
	verbose := fs.Bool("v", false, "log sync events on stderr")
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
	sum := sha256.Sum256(data)
	demoModel := wire.Model{Name: "demo-motion", Version: 1, SHA256: hex.EncodeToString(sum[:])}

	var sync *agent.Sync
	if !*noSync {
		logger := slog.New(slog.DiscardHandler)
		if *verbose {
			logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
		}
		sync, err = agent.StartSync(ctx, agent.SyncOptions{
			DataDir: *dataDir, DeviceID: *deviceID, Broker: *broker, AgentVersion: version,
			Models: []wire.Model{demoModel}, Logger: logger,
		})
		if err != nil {
			return err
		}
		defer sync.Close()
	}

	sensor := demo.NewAccelerometer(*seed)
	window := make([][demo.Axes]float32, 0, demo.WindowLen)
	interval := time.Duration(float64(time.Second) / sensor.Rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	if !*asJSON {
		where := "not stored"
		if sync != nil {
			where = fmt.Sprintf("stored in %s/outbox.db", *dataDir)
			if *broker != "" {
				where += fmt.Sprintf(" and sent to %s as %s", *broker, *deviceID)
			}
		}
		fmt.Fprintf(stdout, "demo: %d-sample windows of a simulated accelerometer at %.0f Hz, a prediction every %d samples, %s; Ctrl-C stops\n",
			demo.WindowLen, sensor.Rate, *hop, where)
	}
	n, correct, since := 0, 0, 0
	producing := true
	for {
		if *fast || !producing {
			if ctx.Err() != nil {
				return summary(stdout, *asJSON, n, correct)
			}
		} else {
			select {
			case <-ctx.Done():
				return summary(stdout, *asJSON, n, correct)
			case <-tick.C:
			}
		}
		if !producing {
			if *drained && sync.Outbox.Stats().Classes["predictions"].Records == 0 {
				return summary(stdout, *asJSON, n, correct)
			}
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
			continue
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
		n++
		if demo.Labels[best] == truth.String() {
			correct++
		}
		p := demoPrediction{Seq: uint64(n), TS: time.Now().UTC(), Truth: truth.String(), Label: demo.Labels[best],
			Score: scores[best], Scores: scores, LatencyUS: lat.Microseconds()}
		if sync != nil {
			out, _ := json.Marshal(scores)
			seq, err := sync.AppendPrediction(ctx, wire.Prediction{TS: p.TS, Pipeline: "demo", Model: demoModel,
				LatencyUS: p.LatencyUS, Output: out, Top: []wire.Label{{Label: p.Label, Score: float64(p.Score)}}})
			if err != nil {
				if ctx.Err() != nil {
					return summary(stdout, *asJSON, n, correct)
				}
				fmt.Fprintf(os.Stderr, "edge-agent: prediction not stored: %v\n", err)
			} else {
				p.Seq = seq
				producing = *untilSeq == 0 || seq < *untilSeq
			}
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(p); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(stdout, "#%-5d %s  %-8s %.2f  (truth %-8s)  %d µs\n", p.Seq, p.TS.Format("15:04:05.000"), p.Label, p.Score, p.Truth, p.LatencyUS)
		}
		if !producing && !*drained {
			return summary(stdout, *asJSON, n, correct)
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
