package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edge-agent/edge-agent/hwprobe"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/bench"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/cliutil"
	"github.com/edge-agent/edge-agent/internal/procmem"
)

func cmdModel(args []string, stdout io.Writer) error {
	sub := map[string]func([]string, io.Writer) error{
		"inspect": cmdModelInspect,
		"run":     cmdModelRun,
		"bench":   cmdModelBench,
	}
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprintln(stdout, "Usage: edge-agent model inspect|run|bench MODEL [options]")
		fmt.Fprintln(stdout, "  inspect  tensors, shapes, types, quantization, operators, arena size")
		fmt.Fprintln(stdout, "  run      one inference on raw little-endian input files")
		fmt.Fprintln(stdout, "  bench    latency, throughput and peak memory over repeated inferences")
		if len(args) == 0 {
			return cliutil.Usagef("model: missing subcommand")
		}
		return nil
	}
	f, ok := sub[args[0]]
	if !ok {
		return cliutil.Usagef("model: unknown subcommand %q", args[0])
	}
	return f(args[1:], stdout)
}

// loadModel reads and checks a model file.
func loadModel(path string) (*model.Model, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.Load(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, data, nil
}

func cmdModelInspect(args []string, stdout io.Writer) error {
	fs := helpFlagSet("model inspect", "model inspect MODEL [--json] [--tensors]", stdout)
	asJSON := fs.Bool("json", false, "print JSON")
	all := fs.Bool("tensors", false, "list every tensor, not only inputs and outputs")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cliutil.Usagef("model inspect takes one MODEL")
	}
	m, data, err := loadModel(pos[0])
	if err != nil {
		return err
	}
	r := inference.Inspect(m, data, inference.Options{})
	r.Path = pos[0]
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s\n", r.Path)
	fmt.Fprintf(tw, "size\t%d bytes, sha256 %s\n", r.Bytes, r.SHA256)
	if r.Description != "" {
		fmt.Fprintf(tw, "description\t%s\n", r.Description)
	}
	fmt.Fprintf(tw, "schema\tversion %d, %d subgraph(s)\n", r.Version, r.Subgraphs)
	fmt.Fprintf(tw, "operators\t%d: %s\n", len(r.Operators), opSummary(r.OpCounts))
	fmt.Fprintf(tw, "tensors\t%d, constants %d bytes (used in place)\n", len(r.Tensors), r.ConstantBytes)
	if r.Runnable {
		fmt.Fprintf(tw, "arena\t%d bytes (lower bound %d), state %d bytes\n", r.ArenaBytes, r.ArenaLowerBound, r.PersistentBytes)
	} else {
		fmt.Fprintf(tw, "runnable\tno: %s\n", r.Error)
	}
	tw.Flush()
	fmt.Fprintln(stdout)
	printTensors := func(title string, ts []inference.TensorReport) {
		fmt.Fprintln(stdout, title)
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "  #\tname\ttype\tshape\tbytes\tquantization\t")
		for _, t := range ts {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%d\t%s\t\n", t.Index, t.Name, t.Type, tensor.ShapeString(t.Shape), t.Bytes, quantString(t))
		}
		tw.Flush()
	}
	printTensors("inputs", r.Inputs)
	printTensors("outputs", r.Outputs)
	if *all {
		printTensors("tensors", r.Tensors)
	}
	return nil
}

func opSummary(counts map[string]int) string {
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if counts[names[i]] != counts[names[j]] {
			return counts[names[i]] > counts[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s x%d", n, counts[n])
	}
	return strings.Join(parts, ", ")
}

func quantString(t inference.TensorReport) string {
	switch len(t.Scale) {
	case 0:
		return "-"
	case 1:
		return fmt.Sprintf("scale %.6g zp %d", t.Scale[0], t.ZeroPoint[0])
	}
	return fmt.Sprintf("per-channel (%d scales, dim %d)", len(t.Scale), t.QuantDim)
}

func cmdModelRun(args []string, stdout io.Writer) error {
	fs := helpFlagSet("model run", "model run MODEL --input FILE [--input FILE ...] --output-dir DIR", stdout)
	var inputs cliutil.Strings
	fs.Var(&inputs, "input", "raw little-endian bytes of one input tensor, in model input order (repeat per input)")
	outDir := fs.String("output-dir", "", "folder for output_0.bin, output_1.bin ... (created if missing)")
	threadsArg := fs.String("threads", "auto", "threads kernels may use: a number, or auto for the CPUs this process may use (cgroup cpuset, quota, affinity)")
	kernels := kernelsFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cliutil.Usagef("model run takes one MODEL")
	}
	threads, err := parseThreads(*threadsArg)
	if err != nil {
		return err
	}
	if *outDir == "" {
		return cliutil.Usagef("model run needs --output-dir")
	}
	m, err := model.LoadFile(pos[0])
	if err != nil {
		return err
	}
	defer m.Close()
	it, err := inference.New(m, inference.Options{Threads: threads, Kernels: *kernels})
	if err != nil {
		return err
	}
	defer it.Close()
	if len(inputs) != len(it.Inputs()) {
		return cliutil.Usagef("model has %d inputs, got %d --input files", len(it.Inputs()), len(inputs))
	}
	for i, path := range inputs {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
		t := it.Input(i)
		if len(data) != len(t.Data) {
			return fmt.Errorf("input %d: %s holds %d bytes, tensor %s needs %d", i, path, len(data), t, len(t.Data))
		}
		copy(t.Data, data)
	}
	if err := it.Invoke(); err != nil {
		return err
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	for i, t := range it.Outputs() {
		path := filepath.Join(*outDir, fmt.Sprintf("output_%d.bin", i))
		if err := os.WriteFile(path, t.Data, 0o644); err != nil {
			return fmt.Errorf("write output %d: %w", i, err)
		}
	}
	return nil
}

// benchReport is what `model bench --json` prints.
type benchReport struct {
	Model          string      `json:"model"`
	Bytes          int         `json:"bytes"`
	Runs           int         `json:"runs"`
	Threads        int         `json:"threads"`
	Kernels        string      `json:"kernels"`
	Fused          int         `json:"fused_operators"`
	LoadMs         float64     `json:"load_ms"`
	FirstInference float64     `json:"first_inference_ms"`
	Latency        bench.Stats `json:"latency_ms"`
	ThroughputPerS float64     `json:"throughput_per_second"`
	MACs           int64       `json:"macs"`
	GMACsPerSecond float64     `json:"gmacs_per_second"`
	ArenaBytes     int         `json:"arena_bytes"`
	PeakRSSBytes   int64       `json:"peak_rss_bytes"`
	// RSSBytes, AnonBytes and FileBytes are the process's memory after the
	// runs, with the start-up pages of the executable released as the
	// daemon releases them (procmem); PeakRSSBytes still counts them.
	RSSBytes  int64             `json:"rss_bytes"`
	AnonBytes int64             `json:"anon_bytes"`
	FileBytes int64             `json:"file_bytes"`
	Profile   []bench.OpProfile `json:"profile,omitempty"`
}

func cmdModelBench(args []string, stdout io.Writer) error {
	fs := helpFlagSet("model bench", "model bench MODEL [--runs N] [--threads N|auto] [--profile] [--json]", stdout)
	runs := fs.Int("runs", 50, "timed inferences")
	warmup := fs.Int("warmup", 3, "untimed inferences before timing (the first one is reported)")
	threadsArg := fs.String("threads", "auto", "threads kernels may use: a number, or auto for the CPUs this process may use")
	kernels := kernelsFlag(fs)
	profile := fs.Bool("profile", false, "also time each operator type")
	asJSON := fs.Bool("json", false, "print JSON")
	var inputs cliutil.Strings
	fs.Var(&inputs, "input", "raw input tensor file (repeat per input); default: deterministic pseudo-random data")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cliutil.Usagef("model bench takes one MODEL")
	}
	if *runs < 1 {
		return cliutil.Usagef("--runs must be at least 1")
	}
	threads, err := parseThreads(*threadsArg)
	if err != nil {
		return err
	}
	// As the daemon does before it loads models: Go's start-up ran every
	// package's init, which left most of the binary resident (procmem).
	rel, err := procmem.ReleaseExecutablePages()
	if err != nil {
		return err
	}
	start := time.Now()
	// Mapped from the file, as TFLite's own loader does: constants a
	// kernel packs leave memory, the rest are shared file pages.
	m, err := model.LoadFile(pos[0])
	if err != nil {
		return err
	}
	defer m.Close()
	it, err := inference.New(m, inference.Options{Threads: threads, Kernels: *kernels})
	if err != nil {
		return err
	}
	defer it.Close()
	loadMs := float64(time.Since(start).Nanoseconds()) / 1e6
	if len(inputs) > 0 {
		if len(inputs) != len(it.Inputs()) {
			return cliutil.Usagef("model has %d inputs, got %d --input files", len(it.Inputs()), len(inputs))
		}
		for i, path := range inputs {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if len(b) != len(it.Input(i).Data) {
				return fmt.Errorf("input %d: %s holds %d bytes, tensor needs %d", i, path, len(b), len(it.Input(i).Data))
			}
			copy(it.Input(i).Data, b)
		}
	} else {
		for i, t := range it.Inputs() {
			fillPseudoRandom(t, uint64(i+1))
		}
	}
	// As the daemon does once ready: the pages of the binary that only
	// start-up and loading used leave the resident set (the kernels map
	// theirs back during warm-up).
	rel2, err := procmem.ReleaseExecutablePages()
	if err != nil {
		return err
	}
	res, err := bench.Run(it, bench.Options{Runs: *runs, Warmup: *warmup, Profile: *profile})
	if err != nil {
		return err
	}
	mem, _ := procmem.Read() // zero where /proc is missing
	rep := benchReport{Fused: it.FusedOperators(), RSSBytes: mem.RSS, AnonBytes: mem.Anon, FileBytes: mem.File, Model: filepath.Base(pos[0]), Bytes: m.Size, Runs: res.Runs, Threads: res.Threads, Kernels: it.Kernels(),
		LoadMs: loadMs, FirstInference: res.FirstInferenceMs, Latency: res.Latency, MACs: res.MACs,
		GMACsPerSecond: res.GMACsPerSecond, ArenaBytes: it.ArenaSize(), PeakRSSBytes: max(res.PeakRSSBytes, rel.Peak(mem), rel2.Peak(mem)), Profile: res.Profile}
	if res.Latency.Median > 0 {
		rep.ThroughputPerS = 1000 / res.Latency.Median
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s (%d bytes)\n", rep.Model, rep.Bytes)
	fmt.Fprintf(tw, "threads\t%d\n", rep.Threads)
	fmt.Fprintf(tw, "kernels\t%s (this CPU: %s)\n", rep.Kernels, strings.Join(inference.KernelPaths(), ", "))
	if rep.Fused > 0 {
		fmt.Fprintf(tw, "graph\t%d PAD operators folded into the convolutions that read them\n", rep.Fused)
	}
	fmt.Fprintf(tw, "load\t%.2f ms (file to ready); first inference %.3f ms\n", rep.LoadMs, rep.FirstInference)
	fmt.Fprintf(tw, "latency\tmin %.4f ms, median %.4f ms, p99 %.4f ms (%d runs)\n", rep.Latency.Min, rep.Latency.Median, rep.Latency.P99, rep.Runs)
	fmt.Fprintf(tw, "throughput\t%.1f inferences/s, %.2f GMAC/s (%d MACs per inference)\n", rep.ThroughputPerS, rep.GMACsPerSecond, rep.MACs)
	fmt.Fprintf(tw, "memory\tarena %d bytes; RSS %.1f MiB (anonymous %.1f, file %.1f), peak RSS %.1f MiB\n", rep.ArenaBytes,
		mib(rep.RSSBytes), mib(rep.AnonBytes), mib(rep.FileBytes), mib(rep.PeakRSSBytes))
	tw.Flush()
	if len(rep.Profile) > 0 {
		fmt.Fprintln(stdout)
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "op\tnodes\tms/inference\t%\tGMAC/s\t")
		for _, p := range rep.Profile {
			rate := 0.0
			if p.MeanMs > 0 {
				rate = float64(p.MACs) / (p.MeanMs / 1000) / 1e9
			}
			fmt.Fprintf(tw, "%s\t%d\t%.4f\t%.1f\t%.2f\t\n", p.Op, p.Nodes, p.MeanMs, p.Percent, rate)
		}
		tw.Flush()
	}
	return nil
}

// mib converts bytes to MiB.
func mib(b int64) float64 { return float64(b) / (1 << 20) }

// kernelsFlag adds --kernels to a model command.
func kernelsFlag(fs *flag.FlagSet) *string {
	return fs.String("kernels", "", "kernel path: auto (the fastest this CPU has), generic (the plain-Go reference), or one of "+
		strings.Join(inference.KernelPaths(), ", ")+"; default $EDGE_AGENT_KERNELS, else auto")
}

// parseThreads reads a --threads value: a positive number, or "auto" for
// the CPUs this process may use (hwprobe.UsableCPUs: the cgroup's cpuset
// and quota and the process's affinity, not the host's CPU count).
func parseThreads(s string) (int, error) {
	if s == "auto" {
		p, err := hwprobe.Probe(context.Background(), hwprobe.Options{Only: []string{"cpu", "cgroup"}})
		if err != nil {
			return 0, err
		}
		return hwprobe.UsableCPUs(p), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, cliutil.Usagef("--threads must be a positive number or auto, not %q", s)
	}
	return n, nil
}

// fillPseudoRandom fills t with deterministic data valid for its type.
func fillPseudoRandom(t *tensor.Tensor, seed uint64) {
	s := seed * 0x9E3779B97F4A7C15
	next := func() uint64 {
		s += 0x9E3779B97F4A7C15
		z := s
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		return z ^ z>>31
	}
	switch t.Type {
	case tensor.Float32:
		f := t.Float32()
		for i := range f {
			f[i] = float32(next()>>40)/float32(1<<24)*2 - 1
		}
	case tensor.Float64:
		f := t.Float64()
		for i := range f {
			f[i] = float64(next()>>11)/float64(1<<53)*2 - 1
		}
	case tensor.Bool:
		for i := range t.Data {
			t.Data[i] = byte(next() & 1)
		}
	default:
		for i := 0; i+8 <= len(t.Data); i += 8 {
			binary.LittleEndian.PutUint64(t.Data[i:], next())
		}
		for i := len(t.Data) &^ 7; i < len(t.Data); i++ {
			t.Data[i] = byte(next())
		}
	}
}
