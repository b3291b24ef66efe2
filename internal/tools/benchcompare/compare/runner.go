package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// runner starts the two benchmark processes.
type runner struct {
	EdgeAgent string        // edge-agent binary
	Node      string        // node binary; "" without Node
	Script    string        // tflite_bench.js
	Runs      int           // timed runs per process
	Warmup    int           // untimed runs per process
	Timeout   time.Duration // per process
}

// ours runs `edge-agent model bench` on one model.
func (r runner) ours(ctx context.Context, m model, threads int) (ours, error) {
	out, err := r.exec(ctx, r.EdgeAgent, "model", "bench", m.Path, "--json", "--runs", strconv.Itoa(r.Runs),
		"--warmup", strconv.Itoa(r.Warmup), "--threads", strconv.Itoa(threads))
	if err != nil {
		return ours{}, fmt.Errorf("edge-agent model bench: %w", err)
	}
	return parseOurs(out)
}

// theirs runs tflite_bench.js on one model.
func (r runner) theirs(ctx context.Context, m model, threads int) (theirs, error) {
	out, err := r.exec(ctx, r.Node, r.Script, m.Path, "--runs", strconv.Itoa(r.Runs),
		"--warmup", strconv.Itoa(r.Warmup), "--threads", strconv.Itoa(threads))
	if err != nil {
		// Its error report is a JSON line on stdout: prefer it.
		if t, perr := parseTheirs(out); perr != nil && t.Error != "" {
			return t, perr
		}
		return theirs{}, fmt.Errorf("tflite_bench.js: %w", err)
	}
	return parseTheirs(out)
}

// exec runs a command with the per-process timeout and returns its stdout;
// a failure carries the end of its stderr.
func (r runner) exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		if msg := lastLines(stderr.String(), 3); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return stdout.Bytes(), err
	}
	return stdout.Bytes(), nil
}

// lastLines returns the last n non-empty lines of s, joined with "; ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}

// errNoNode explains how to go on without Node.
var errNoNode = errors.New("use -no-node to measure edge-agent alone")
