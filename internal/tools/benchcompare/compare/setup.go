package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ensureEdgeAgent builds bin (go build ./cmd/edge-agent, static) when it is
// missing or rebuild is set.
func ensureEdgeAgent(ctx context.Context, log *slog.Logger, root, bin string, rebuild bool) error {
	if _, err := os.Stat(bin); err == nil && !rebuild {
		return nil
	}
	goTool := os.Getenv("GO")
	if goTool == "" {
		goTool = "go"
	}
	log.Info("building edge-agent", "bin", bin)
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./cmd/edge-agent")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build -o %s ./cmd/edge-agent: %w: %s", bin, err, lastLines(string(out), 5))
	}
	return nil
}

// minNodeMajor is the oldest Node that runs the harness (WebAssembly SIMD and
// threads on by default, node:test, process.resourceUsage).
const minNodeMajor = 18

// ensureNode finds node (at least minNodeMajor) and the installed package in
// dir/node_modules; without the package it runs `npm ci --prefix dir` when
// install is set. Every failure says what is missing.
func ensureNode(ctx context.Context, log *slog.Logger, dir string, install bool) (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("node not found on PATH: install Node.js %d or later (%w)", minNodeMajor, errNoNode)
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", node, err)
	}
	major, err := nodeMajor(string(out))
	if err != nil {
		return "", err
	}
	if major < minNodeMajor {
		return "", fmt.Errorf("node %s is too old: the harness needs Node.js %d or later (%w)", strings.TrimSpace(string(out)), minNodeMajor, errNoNode)
	}
	pkg := filepath.Join(dir, "node_modules", "@tensorflow", "tfjs-tflite", "package.json")
	if _, err := os.Stat(pkg); err == nil {
		return node, nil
	}
	if !install {
		return "", fmt.Errorf("%s is missing: run npm ci --prefix %s (%w)", pkg, dir, errNoNode)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm not found on PATH, and %s needs `npm ci` to install @tensorflow/tfjs-tflite (%w)", dir, errNoNode)
	}
	log.Info("installing the TFLite WebAssembly runtime", "cmd", "npm ci --prefix "+dir)
	cmd := exec.CommandContext(ctx, npm, "ci", "--prefix", dir, "--no-audit", "--no-fund")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm ci --prefix %s failed: %w: %s (%w)", dir, err, lastLines(string(out), 5), errNoNode)
	}
	if _, err := os.Stat(pkg); err != nil {
		return "", fmt.Errorf("npm ci --prefix %s left no %s", dir, pkg)
	}
	return node, nil
}

// nodeMajor reads the major version from `node --version` ("v20.11.1").
func nodeMajor(v string) (int, error) {
	v = strings.TrimSpace(v)
	s, ok := strings.CutPrefix(v, "v")
	if ok {
		s, _, _ = strings.Cut(s, ".")
	}
	n, err := strconv.Atoi(s)
	if !ok || err != nil || n < 0 {
		return 0, fmt.Errorf("cannot read the node version %q", v)
	}
	return n, nil
}
