package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	models    []string
	threads   []int
	runs      int
	warmup    int
	repeat    int
	asJSON    bool
	noNode    bool
	bin       string
	rebuild   bool
	noInstall bool
	timeout   time.Duration
}

// defaultThreads is 1, and 2 as well when this process may use two CPUs.
func defaultThreads(ncpu int) string {
	if ncpu >= 2 {
		return "1,2"
	}
	return "1"
}

// parseThreads reads a comma-separated list of positive thread counts.
func parseThreads(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-threads: %q is not a positive thread count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseFlags reads the command line.
func parseFlags(args []string, stderr io.Writer, ncpu int) (config, error) {
	var c config
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	models := fs.String("models", strings.Join(defaultModels, ","), "comma-separated model names (in $EDGE_SHARED/models or ../shared/models) or .tflite paths")
	threads := fs.String("threads", defaultThreads(ncpu), "comma-separated thread counts")
	fs.IntVar(&c.runs, "runs", 50, "timed inferences per process")
	fs.IntVar(&c.warmup, "warmup", 3, "untimed inferences per process before timing (at least 1: edge-agent reads 0 as its default, 3)")
	fs.IntVar(&c.repeat, "repeat", 2, "processes per side for each model and thread count (the table shows their median)")
	fs.BoolVar(&c.asJSON, "json", false, "print the rows as JSON instead of the table")
	fs.BoolVar(&c.noNode, "no-node", false, "measure edge-agent only")
	fs.StringVar(&c.bin, "bin", "", "edge-agent binary (default bin/edge-agent in the module root, built when missing)")
	fs.BoolVar(&c.rebuild, "build", false, "build the edge-agent binary even when it exists")
	fs.BoolVar(&c.noInstall, "no-install", false, "do not run npm ci when internal/tools/benchcompare/node_modules lacks the package")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Minute, "limit per benchmark process")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./internal/tools/benchcompare/compare [flags]\n\nedge-agent and TensorFlow Lite (WebAssembly, XNNPACK, Node) on the same models, side by side.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q (models go in -models)", fs.Args())
	}
	if c.runs < 1 || c.warmup < 1 || c.repeat < 1 {
		return c, errors.New("-runs, -warmup and -repeat must be at least 1")
	}
	var err error
	if c.threads, err = parseThreads(*threads); err != nil {
		return c, err
	}
	for _, m := range strings.Split(*models, ",") {
		if m = strings.TrimSpace(m); m != "" {
			c.models = append(c.models, m)
		}
	}
	return c, nil
}

// run is the command; it returns the exit status: 0, 1 when a measurement
// or the setup failed, 2 for a bad command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c, err := parseFlags(args, stderr, runtime.NumCPU())
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 2
	}
	rows, err := compare(ctx, log, c)
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	if c.asJSON {
		err = writeJSON(stdout, rows)
	} else {
		err = writeTable(stdout, rows, c.runs, c.repeat)
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	for _, r := range rows {
		if !r.Ours.OK || len(r.Ours.Errors) > 0 || (r.TFLite != nil && (!r.TFLite.OK || len(r.TFLite.Errors) > 0)) {
			return 1
		}
	}
	return 0
}

// compare sets up both sides and measures every model at every thread count.
func compare(ctx context.Context, log *slog.Logger, c config) ([]row, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("getwd: %w", err)
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return nil, err
	}
	dir, err := modelsDir(root, os.Getenv("EDGE_SHARED"))
	if err != nil {
		return nil, err
	}
	models, err := resolveModels(dir, c.models)
	if err != nil {
		return nil, err
	}
	r := runner{EdgeAgent: c.bin, Runs: c.runs, Warmup: c.warmup, Timeout: c.timeout}
	if r.EdgeAgent == "" {
		r.EdgeAgent = filepath.Join(root, "bin", "edge-agent")
	}
	if err := ensureEdgeAgent(ctx, log, root, r.EdgeAgent, c.rebuild); err != nil {
		return nil, err
	}
	if !c.noNode {
		benchDir := filepath.Join(root, "internal", "tools", "benchcompare")
		if r.Node, err = ensureNode(ctx, log, benchDir, !c.noInstall); err != nil {
			return nil, err
		}
		r.Script = filepath.Join(benchDir, "tflite_bench.js")
	}
	var rows []row
	for _, m := range models {
		for _, th := range c.threads {
			var o, t side
			for i := range c.repeat {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("interrupted: %w", err)
				}
				or, oerr := r.ours(ctx, m, th)
				o.addOurs(or, oerr)
				attrs := []any{"model", m.Name, "threads", th, "repeat", i + 1, "ours_ms", or.median(), "ours_err", errString(oerr)}
				if !c.noNode {
					tr, terr := r.theirs(ctx, m, th)
					t.addTheirs(tr, terr)
					attrs = append(attrs, "tflite_ms", tr.median(), "tflite_err", errString(terr))
				}
				log.Info("measured", attrs...)
			}
			if c.noNode {
				rows = append(rows, makeRow(m.Name, th, &o, nil))
			} else {
				rows = append(rows, makeRow(m.Name, th, &o, &t))
			}
		}
	}
	return rows, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// median is the report's median latency, or 0 when it has none.
func (o ours) median() float64 {
	if o.Latency == nil {
		return 0
	}
	return o.Latency.Median
}

// median is the report's median latency, or 0 when it has none.
func (t theirs) median() float64 {
	if t.MedianMs == nil {
		return 0
	}
	return *t.MedianMs
}
