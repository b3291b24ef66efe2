// Package bench measures an interpreter: latency statistics over repeated
// invocations, multiply-accumulate throughput, the process's peak memory and,
// on request, where the time goes per operator.
package bench

import (
	"fmt"
	"sort"
	"syscall"
	"time"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/ops"
)

// Options configure a measurement.
type Options struct {
	Runs    int  // timed invocations (default 50)
	Warmup  int  // untimed invocations first (default 3)
	Profile bool // also time each operator
}

// Stats summarises latencies in milliseconds.
type Stats struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	P99    float64 `json:"p99"`
	Mean   float64 `json:"mean"`
	Max    float64 `json:"max"`
}

// OpProfile is the time spent in one operator type per inference.
type OpProfile struct {
	Op      string  `json:"op"`
	Nodes   int     `json:"nodes"`
	MeanMs  float64 `json:"mean_ms"`
	Percent float64 `json:"percent"`
	MACs    int64   `json:"macs"`
}

// Result is one measurement.
type Result struct {
	Runs             int         `json:"runs"`
	Threads          int         `json:"threads"`
	Latency          Stats       `json:"latency_ms"`
	FirstInferenceMs float64     `json:"first_inference_ms"`
	MACs             int64       `json:"macs"`
	GMACsPerSecond   float64     `json:"gmacs_per_second"`
	PeakRSSBytes     int64       `json:"peak_rss_bytes"`
	Profile          []OpProfile `json:"profile,omitempty"`
}

// Run invokes it repeatedly on its current inputs and measures it.
func Run(it *inference.Interpreter, opt Options) (Result, error) {
	if opt.Runs <= 0 {
		opt.Runs = 50
	}
	if opt.Warmup < 0 {
		opt.Warmup = 0
	} else if opt.Warmup == 0 {
		opt.Warmup = 3
	}
	res := Result{Runs: opt.Runs, Threads: it.Threads(), MACs: MACs(it)}
	start := time.Now()
	if err := it.Invoke(); err != nil {
		return res, err
	}
	res.FirstInferenceMs = ms(time.Since(start))
	for i := 1; i < opt.Warmup; i++ {
		if err := it.Invoke(); err != nil {
			return res, err
		}
	}
	lat := make([]float64, opt.Runs)
	for i := range lat {
		t0 := time.Now()
		if err := it.Invoke(); err != nil {
			return res, err
		}
		lat[i] = ms(time.Since(t0))
	}
	res.Latency = Summarize(lat)
	if res.Latency.Median > 0 {
		res.GMACsPerSecond = float64(res.MACs) / (res.Latency.Median / 1000) / 1e9
	}
	if opt.Profile {
		p, err := profile(it, opt.Runs)
		if err != nil {
			return res, err
		}
		res.Profile = p
	}
	res.PeakRSSBytes = PeakRSS()
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// Summarize computes statistics of latencies (any order).
func Summarize(lat []float64) Stats {
	if len(lat) == 0 {
		return Stats{}
	}
	s := append([]float64(nil), lat...)
	sort.Float64s(s)
	var sum float64
	for _, v := range s {
		sum += v
	}
	pct := func(p float64) float64 {
		i := int(p*float64(len(s)-1) + 0.5)
		return s[i]
	}
	return Stats{Min: s[0], Median: pct(0.5), P99: pct(0.99), Mean: sum / float64(len(s)), Max: s[len(s)-1]}
}

func profile(it *inference.Interpreter, runs int) ([]OpProfile, error) {
	nodes := it.Nodes()
	total := make([]time.Duration, len(nodes))
	for r := 0; r < runs; r++ {
		for k := range nodes {
			t0 := time.Now()
			if err := it.EvalNode(k); err != nil {
				return nil, fmt.Errorf("profile: %w", err)
			}
			total[k] += time.Since(t0)
		}
	}
	byOp := map[string]*OpProfile{}
	var all time.Duration
	for k, n := range nodes {
		p := byOp[n.Name()]
		if p == nil {
			p = &OpProfile{Op: n.Name()}
			byOp[n.Name()] = p
		}
		p.Nodes++
		p.MeanMs += ms(total[k]) / float64(runs)
		p.MACs += nodeMACs(n)
		all += total[k]
	}
	var out []OpProfile
	for _, p := range byOp {
		if all > 0 {
			p.Percent = 100 * p.MeanMs / (ms(all) / float64(runs))
		}
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MeanMs > out[j].MeanMs })
	return out, nil
}

// MACs estimates the multiply-accumulates of one inference.
func MACs(it *inference.Interpreter) int64 {
	var total int64
	for _, n := range it.Nodes() {
		total += nodeMACs(n)
	}
	return total
}

func nodeMACs(n *ops.Node) int64 {
	out := n.Output(0)
	if out == nil {
		return 0
	}
	outElems := int64(out.NumElements())
	switch n.Name() {
	case "CONV_2D":
		if f := n.Input(1); f != nil && f.Rank() == 4 {
			return outElems * int64(f.Shape[1]*f.Shape[2]*f.Shape[3])
		}
	case "DEPTHWISE_CONV_2D":
		if f := n.Input(1); f != nil && f.Rank() == 4 {
			return outElems * int64(f.Shape[1]*f.Shape[2])
		}
	case "FULLY_CONNECTED":
		if f := n.Input(1); f != nil && f.Rank() == 2 {
			return outElems * int64(f.Shape[1])
		}
	case "TRANSPOSE_CONV":
		if f, in := n.Input(1), n.Input(2); f != nil && in != nil && f.Rank() == 4 {
			return int64(in.NumElements()) * int64(f.Shape[0]*f.Shape[1]*f.Shape[2])
		}
	case "SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM":
		// Every weight matrix is applied once per batch and time step.
		var w int64
		for i, t := range n.Inputs {
			if i > 0 && t != nil && t.Const && t.Rank() == 2 {
				w += int64(t.NumElements())
			}
		}
		steps := int64(1)
		if in := n.Input(0); in != nil && in.Rank() >= 2 {
			steps = int64(in.NumElements() / in.Shape[in.Rank()-1])
		}
		return w * steps
	}
	return 0
}

// PeakRSS returns the process's peak resident set size in bytes, or 0 when
// the system does not report it.
func PeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) * 1024 // Linux reports kilobytes
}
