// Package live samples the figures the agent reports as metrics while it
// runs: CPU and memory use of the device and of the agent's own process,
// temperatures and thermal throttling. It uses gopsutil v4, pointed at the
// same root as the hardware probe, and the probe's thermal collector for
// throttling.
package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
	"github.com/shirou/gopsutil/v4/sensors"

	"github.com/edge-agent/edge-agent/hwprobe"
)

// Sample is one set of live figures, since the previous sample. CPUPercent
// is of all CPUs (0-100); ProcessCPUPercent is of one CPU, so a process busy
// on two cores shows 200. Temperatures are °C.
type Sample struct {
	Time              time.Time          `json:"ts"`
	CPUPercent        float64            `json:"cpu_percent"`
	Load1             float64            `json:"load1"`
	MemTotalBytes     uint64             `json:"mem_total_bytes"`
	MemAvailableBytes uint64             `json:"mem_available_bytes"`
	MemUsedPercent    float64            `json:"mem_used_percent"`
	ProcessCPUPercent float64            `json:"process_cpu_percent"`
	ProcessRSSBytes   uint64             `json:"process_rss_bytes"`
	Temperatures      map[string]float64 `json:"temperatures_c,omitempty"`
	MaxTemperatureC   float64            `json:"max_temperature_c,omitempty"`
	Throttled         bool               `json:"throttled"`
	ThrottleEvents    int64              `json:"throttle_events,omitempty"`
	Unavailable       map[string]string  `json:"unavailable,omitempty"`
}

// Sampler takes samples. It is not safe for concurrent use.
type Sampler struct {
	root    string
	ctx     context.Context // carries gopsutil's root overrides
	proc    *process.Process
	started bool
}

// NewSampler returns a sampler of the device under root ("" for "/").
func NewSampler(root string) (*Sampler, error) {
	s := &Sampler{root: root, ctx: context.Background()}
	if root != "" && filepath.Clean(root) != "/" {
		s.ctx = context.WithValue(context.Background(), common.EnvKey, common.EnvMap{
			common.HostProcEnvKey: filepath.Join(root, "proc"),
			common.HostSysEnvKey:  filepath.Join(root, "sys"),
			common.HostEtcEnvKey:  filepath.Join(root, "etc"),
			common.HostDevEnvKey:  filepath.Join(root, "dev"),
		})
	} else {
		p, err := process.NewProcessWithContext(s.ctx, int32(os.Getpid()))
		if err != nil {
			return nil, fmt.Errorf("live: own process: %w", err)
		}
		s.proc = p
	}
	return s, nil
}

// Sample takes one sample. Figures the system does not offer are listed in
// Unavailable with the reason; only a cancelled context is an error.
func (s *Sampler) Sample(ctx context.Context) (Sample, error) {
	if err := ctx.Err(); err != nil {
		return Sample{}, err
	}
	out := Sample{Time: time.Now().UTC()}
	miss := func(what string, err error) {
		if out.Unavailable == nil {
			out.Unavailable = map[string]string{}
		}
		out.Unavailable[what] = err.Error()
	}
	// The first cpu.Percent(0) call only primes gopsutil's counters.
	if pc, err := cpu.PercentWithContext(s.ctx, 0, false); err != nil {
		miss("cpu_percent", err)
	} else if len(pc) > 0 && s.started {
		out.CPUPercent = pc[0]
	}
	if l, err := load.AvgWithContext(s.ctx); err != nil {
		miss("load1", err)
	} else {
		out.Load1 = l.Load1
	}
	if vm, err := mem.VirtualMemoryWithContext(s.ctx); err != nil {
		miss("memory", err)
	} else {
		out.MemTotalBytes, out.MemAvailableBytes, out.MemUsedPercent = vm.Total, vm.Available, vm.UsedPercent
	}
	if s.proc != nil {
		if pcpu, err := s.proc.PercentWithContext(s.ctx, 0); err != nil {
			miss("process_cpu_percent", err)
		} else if s.started {
			out.ProcessCPUPercent = pcpu
		}
		if mi, err := s.proc.MemoryInfoWithContext(s.ctx); err != nil {
			miss("process_rss", err)
		} else {
			out.ProcessRSSBytes = mi.RSS
		}
	}
	temps, err := sensors.TemperaturesWithContext(s.ctx)
	var warn *sensors.Warnings
	if err != nil && !errors.As(err, &warn) {
		miss("temperatures", err)
	}
	for _, t := range temps {
		if out.Temperatures == nil {
			out.Temperatures = map[string]float64{}
		}
		out.Temperatures[t.SensorKey] = t.Temperature
		out.MaxTemperatureC = max(out.MaxTemperatureC, t.Temperature)
	}
	if p, err := hwprobe.Probe(ctx, hwprobe.Options{Root: s.root, Only: []string{"thermal"}}); err != nil {
		miss("throttling", err)
	} else {
		out.Throttled, out.ThrottleEvents = p.Thermal.Throttled, p.Thermal.ThrottleEvents
	}
	s.started = true
	return out, nil
}
