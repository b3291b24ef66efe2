package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/edge-agent/edge-agent/hwprobe"
	"github.com/edge-agent/edge-agent/internal/cliutil"
)

func cmdProbe(args []string, stdout io.Writer) error {
	fs := helpFlagSet("probe", "probe [--json] [--root DIR] [--nvidia-smi] [--require EXPR]", stdout)
	asJSON := fs.Bool("json", false, "print the profile as JSON (schema: go doc hwprobe.Profile)")
	root := fs.String("root", "", "read /proc, /sys, /dev and /etc under DIR instead of / (fixture trees)")
	smi := fs.Bool("nvidia-smi", false, "also ask nvidia-smi -q -x (GPU memory, compute capability); with --root, read DIR/_commands/nvidia-smi-q.xml")
	require := fs.String("require", "", "exit 1 unless the profile matches this requirement (e.g. 'arch == arm64 and cpu.features has asimddp')")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return cliutil.Usagef("probe takes no arguments")
	}
	p, err := hwprobe.Probe(context.Background(), hwprobe.Options{Root: *root, NvidiaSMI: *smi})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			return err
		}
	} else {
		printProfile(stdout, p)
	}
	if *require != "" {
		r, err := hwprobe.ParseRequirement(*require)
		if err != nil {
			return cliutil.Usagef("%v", err)
		}
		ok, err := r.Match(p)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("requirement not met: %s", r.Explain(p))
		}
	}
	return nil
}

func bytesHuman(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func printProfile(w io.Writer, p *hwprobe.Profile) {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	if p.Root != "" {
		fmt.Fprintf(tw, "root\t%s\n", p.Root)
	}
	fmt.Fprintf(tw, "system\t%s, kernel %s, %s\n", orDash(p.OS.PrettyName), orDash(p.OS.Kernel), orDash(p.Arch))
	board := strings.TrimSpace(strings.Join([]string{p.Board.Vendor, p.Board.Product, p.Board.Model}, " "))
	if p.Board.Virtual {
		board = strings.TrimSpace(board + " (virtual machine)")
	}
	fmt.Fprintf(tw, "board\t%s\n", orDash(strings.TrimSpace(board)))
	c := p.CPU
	model := c.Model
	if len(c.Parts) > 1 {
		model = strings.Join(c.Parts, " + ")
	}
	fmt.Fprintf(tw, "cpu\t%s %s: %d logical, %d physical, %d online\n", orDash(c.Vendor), orDash(model), c.Logical, c.Physical, c.Online)
	quota := "no quota"
	if c.QuotaCPUs > 0 {
		quota = fmt.Sprintf("quota %.2f CPUs", c.QuotaCPUs)
	}
	fmt.Fprintf(tw, "cpu use\t%d usable (CPUs %s, %s)\n", c.Usable, orDash(c.EffectiveList), quota)
	if c.MaxMHz > 0 {
		fmt.Fprintf(tw, "cpu freq\t%.0f-%.0f MHz, now %.0f MHz\n", c.MinMHz, c.MaxMHz, c.CurMHz)
	}
	fmt.Fprintf(tw, "features\t%s\n", orDash(strings.Join(c.Features, " ")))
	m := p.Memory
	limit := "no cgroup limit"
	if m.CgroupLimitBytes > 0 {
		limit = "cgroup limit " + bytesHuman(m.CgroupLimitBytes)
	}
	fmt.Fprintf(tw, "memory\t%s total, %s available, %s usable (%s)\n", bytesHuman(m.TotalBytes), bytesHuman(m.AvailableBytes), bytesHuman(m.UsableBytes), limit)
	hot := ""
	for _, z := range p.Thermal.Zones {
		hot += fmt.Sprintf(" %s %.1f°C", z.Type, z.TempC)
	}
	if hot == "" {
		hot = " -"
	}
	if p.Thermal.Throttled {
		hot += " (THROTTLED)"
	}
	fmt.Fprintf(tw, "thermal\t%s\n", strings.TrimSpace(hot))
	tw.Flush()
	printDevices(w, "GPUs", p.GPUs)
	printDevices(w, "NPUs", p.NPUs)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "checks")
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, ch := range p.Checks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", ch.Collector, ch.State, ch.Reason)
	}
	tw.Flush()
	fmt.Fprintf(w, "probed in %.1f ms\n", p.ElapsedMs)
}

func printDevices(w io.Writer, title string, ds []hwprobe.Device) {
	fmt.Fprintln(w)
	if len(ds) == 0 {
		fmt.Fprintf(w, "%s: none found\n", title)
		return
	}
	fmt.Fprintln(w, title)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  kind\tname\tmemory\tdriver\taddress\tnodes\taccess\t")
	for _, d := range ds {
		driver := d.Driver
		if d.DriverVersion != "" {
			driver += " " + d.DriverVersion
		}
		access := "yes"
		if !d.Accessible {
			access = "no"
		}
		mem := "-"
		if d.MemoryBytes > 0 {
			mem = fmt.Sprintf("%d MiB", d.MemoryBytes>>20)
		}
		if d.ComputeCapability != "" {
			mem += ", cc " + d.ComputeCapability
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", d.Kind, orDash(d.Name), mem, orDash(driver), orDash(d.Address), orDash(strings.Join(d.Nodes, " ")), access)
	}
	tw.Flush()
	for _, d := range ds {
		fields := make([]string, 0, len(d.Unknown))
		for f := range d.Unknown {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			fmt.Fprintf(w, "  %s %s: %s unknown: %s\n", d.Kind, orDash(d.Address), f, d.Unknown[f])
		}
	}
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
