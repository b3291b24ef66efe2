// Package hwprobe finds out what a device has: CPU (features, cores, the CPUs
// and quota this process may use), memory and cgroup limits, board identity,
// thermal state, GPUs and NPUs. The agent uses the profile to pick kernels,
// thread counts and model variants, publishes it on edge/{id}/hardware, and
// prints it with `edge-agent probe`.
//
// # Collectors
//
// Each family is found by one collector in its own file (cpu_linux.go,
// gpu_nvidia.go, npu_edgetpu.go ...), which registers itself. A collector
// reads only through the probe's Root, so a fixture tree can stand in for
// /proc, /sys, /dev and /etc (`--root DIR`). It reports one Check: present
// (and fills its part of the Profile), absent (not an error: most devices
// have no NPU), or unknown with a reason (permission denied, unreadable,
// unparseable). Nothing shells out unless an optional command source is
// asked for (Options.NvidiaSMI).
//
// # JSON
//
// `edge-agent probe --json` prints a Profile (profile.go documents every
// field). Its "schema" field is SchemaVersion.
package hwprobe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sort"
	"time"
)

// ErrNotPresent is returned by a collector that found nothing to report:
// the device has no such hardware. It is not an error of the probe.
var ErrNotPresent = errors.New("not present")

// Env is what collectors read through.
type Env struct {
	Root    *Root
	Options Options
	Log     *slog.Logger
}

// Collector finds one family of hardware.
type Collector interface {
	// Name identifies the collector in Checks, e.g. "cpu" or "gpu.nvidia".
	Name() string
	// Collect fills its part of p. It returns nil when it found what it
	// looks for, ErrNotPresent when the device has none, and any other error
	// when it could not tell (the error becomes the Check's reason).
	Collect(ctx context.Context, env *Env, p *Profile) error
}

// collectors holds the registered collectors by name. It is filled by the
// collector files' init functions and only read afterwards.
var collectors = map[string]Collector{}

// register adds a collector; each collector file calls it from init.
func register(c Collector) {
	if _, dup := collectors[c.Name()]; dup {
		panic("hwprobe: collector registered twice: " + c.Name())
	}
	collectors[c.Name()] = c
}

// Collectors returns the names of the registered collectors in the order they run.
func Collectors() []string {
	names := make([]string, 0, len(collectors))
	for n := range collectors {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		pi, pj := order(names[i]), order(names[j])
		if pi != pj {
			return pi < pj
		}
		return names[i] < names[j]
	})
	return names
}

// order runs the basic collectors first; others may read what they found.
func order(name string) int {
	switch name {
	case "os":
		return 0
	case "cpu":
		return 1
	case "cgroup":
		return 2
	case "memory":
		return 3
	case "board":
		return 4
	}
	return 10
}

// Options configure a probe.
type Options struct {
	// Root is the directory holding proc, sys, dev and etc ("" for "/").
	Root string
	// NvidiaSMI adds `nvidia-smi -q -x` as an extra source of NVIDIA facts
	// (memory, compute capability). Under a fixture root it reads the
	// captured output from ROOT/_commands/nvidia-smi-q.xml instead.
	NvidiaSMI bool
	// Run runs optional commands; nil means exec with CommandTimeout.
	Run CommandRunner
	// CommandTimeout bounds each optional command (default 5s).
	CommandTimeout time.Duration
	// Only, when not empty, limits the probe to these collectors.
	Only []string
	// Logger receives debug messages; nil discards them.
	Logger *slog.Logger
}

// Probe collects a profile. It returns an error only when the root itself is
// unusable; every collector's failure is reported in the profile's Checks.
func Probe(ctx context.Context, opts Options) (*Profile, error) {
	start := time.Now()
	root := NewRoot(opts.Root)
	if fi, err := os.Stat(root.Dir()); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("probe root %s: not a readable directory", root.Dir())
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 5 * time.Second
	}
	if opts.Run == nil {
		if root.Fixture() {
			opts.Run = ReplayRunner{Root: root}
		} else {
			opts.Run = ExecRunner{Timeout: opts.CommandTimeout}
		}
	}
	env := &Env{Root: root, Options: opts, Log: opts.Logger}
	p := &Profile{Schema: SchemaVersion, Time: start.UTC(), GPUs: []Device{}, NPUs: []Device{}}
	if root.Fixture() {
		p.Root = root.Dir()
	} else {
		p.Hostname, _ = os.Hostname()
		p.Arch = runtime.GOARCH
	}
	only := map[string]bool{}
	for _, n := range opts.Only {
		only[n] = true
	}
	for _, name := range Collectors() {
		if len(only) > 0 && !only[name] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p.Checks = append(p.Checks, runCollector(ctx, env, collectors[name], p))
	}
	p.ElapsedMs = float64(time.Since(start).Microseconds()) / 1000
	return p, nil
}

// runCollector runs one collector, turning a panic into an unknown check: a
// strange device tree must never take the agent down.
func runCollector(ctx context.Context, env *Env, c Collector, p *Profile) (chk Check) {
	chk = Check{Collector: c.Name(), State: Present}
	defer func() {
		if r := recover(); r != nil {
			chk.State, chk.Reason = Unknown, fmt.Sprintf("internal error: %v", r)
			env.Log.Error("hwprobe collector panicked", "collector", c.Name(), "panic", r)
		}
	}()
	err := c.Collect(ctx, env, p)
	switch {
	case err == nil:
	case errors.Is(err, ErrNotPresent):
		chk.State = Absent
	default:
		chk.State, chk.Reason = Unknown, describe(err)
	}
	return chk
}

// Check returns the check of the named collector, and whether it ran.
func (p *Profile) Check(name string) (Check, bool) {
	for _, c := range p.Checks {
		if c.Collector == name {
			return c, true
		}
	}
	return Check{}, false
}
