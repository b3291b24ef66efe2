package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/hwprobe"
)

// cmdStatus is `edgectl status`: the agent's state in one screen.
func cmdStatus(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var lf localFlags
	fs := helpFlagSet("status", "status [--socket PATH] [--json]", stdout)
	if _, err := parseLocal(fs, &lf, args, "status", 0); err != nil {
		return err
	}
	ctx, cancel := lf.context(ctx)
	defer cancel()
	st, err := client.New(lf.socket).Status(ctx)
	if err != nil {
		return err
	}
	if lf.json {
		return writeJSON(stdout, st)
	}
	return printStatus(stdout, st)
}

// printStatus writes the status as aligned lines and tables.
func printStatus(w io.Writer, st api.Status) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	dev := st.Device
	if len(st.Groups) > 0 {
		dev += " (groups " + strings.Join(st.Groups, ", ") + ")"
	}
	fmt.Fprintf(tw, "device\t%s\n", dev)
	up := time.Duration(st.UptimeS * float64(time.Second)).Round(time.Second)
	fmt.Fprintf(tw, "agent\t%s, up %s (since %s)\n", dash(st.AgentVersion), up, st.StartedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(tw, "config\t%s (loaded %s)\n", dash(st.ConfigPath), st.ConfigLoaded.UTC().Format(time.RFC3339))
	fmt.Fprintf(tw, "mqtt\t%s\n", mqttLine(st.MQTT))
	fmt.Fprintf(tw, "buffer\t%s\n", bufferLine(st.Buffer))
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	if err := printModels(w, st.Models); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(st.Pipelines) == 0 {
		fmt.Fprintln(w, "no pipelines")
	} else {
		tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "PIPELINE\tSENSOR\tMODEL\tSAMPLES\tREJECTED\tDROPPED\tINFERENCES\tPUBLISHED\tERRORS\tP50\tSTATE")
		for _, p := range st.Pipelines {
			state := "ok"
			if p.Stalled {
				state = "STALLED"
			}
			if p.LastError != "" {
				state += " (last error: " + p.LastError + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%.2f ms\t%s\n", p.Name, p.Sensor, p.Model, p.Samples,
				rejected(p.Rejected), p.Dropped, p.Inferences, p.Published, p.Errors, p.LatencyP50, state)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if len(st.Sensors) == 0 {
		fmt.Fprintln(w, "no sensors")
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SENSOR\tTYPE\tSTATE\tSAMPLES\tRESTARTS\tLAST ERROR")
	for _, s := range st.Sensors {
		state := "stopped"
		if s.Running {
			state = "running"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", s.Name, s.Type, state, s.Samples, s.Restarts, dash(s.LastErr))
	}
	return tw.Flush()
}

// mqttLine summarises the uplink.
func mqttLine(m api.MQTTStatus) string {
	if m.Broker == "" {
		return "off (buffering only)"
	}
	state := "disconnected"
	if m.Connected {
		state = "connected"
	}
	return fmt.Sprintf("%s %s, %s sent, %d records delivered", m.Broker, state, sizeHuman(int64(m.BytesSent)), m.Delivered)
}

// bufferLine summarises the outbox.
func bufferLine(b api.Buffer) string {
	s := fmt.Sprintf("%d records, %s of %s, %d dropped", b.Records, sizeHuman(b.Bytes), sizeHuman(b.MaxBytes), b.Dropped)
	if b.FileBytes > 0 {
		s += fmt.Sprintf(" (file %s)", sizeHuman(b.FileBytes))
	}
	return s
}

// rejected shows rejections by reason: "3 (nan 2, out_of_range 1)".
func rejected(m map[string]uint64) string {
	var total uint64
	reasons := make([]string, 0, len(m))
	for r, n := range m {
		total += n
		reasons = append(reasons, r)
	}
	if total == 0 {
		return "0"
	}
	sort.Strings(reasons)
	parts := make([]string, 0, len(reasons))
	for _, r := range reasons {
		if m[r] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r, m[r]))
		}
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}
func cmdHW(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var lf localFlags
	fs := helpFlagSet("hw", "hw [--socket PATH] [--json]", stdout)
	if _, err := parseLocal(fs, &lf, args, "hw", 0); err != nil {
		return err
	}
	ctx, cancel := lf.context(ctx)
	defer cancel()
	doc, err := client.New(lf.socket).Hardware(ctx)
	if err != nil {
		return err
	}
	if lf.json {
		var buf bytes.Buffer
		if err := json.Indent(&buf, doc, "", "  "); err != nil {
			return fmt.Errorf("hw: the agent's profile is not JSON: %w", err)
		}
		buf.WriteByte('\n')
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	var p hwprobe.Profile
	if err := json.Unmarshal(doc, &p); err != nil {
		return fmt.Errorf("hw: reading the agent's profile: %w", err)
	}
	return printHardware(stdout, &p)
}

// printHardware writes a summary of the profile.
func printHardware(w io.Writer, p *hwprobe.Profile) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "system\t%s, kernel %s, %s\n", dash(p.OS.PrettyName), dash(p.OS.Kernel), dash(p.Arch))
	board := strings.TrimSpace(strings.Join([]string{p.Board.Vendor, p.Board.Product, p.Board.Model}, " "))
	if p.Board.Virtual {
		board = strings.TrimSpace(board + " (virtual machine)")
	}
	fmt.Fprintf(tw, "board\t%s\n", dash(board))
	model := p.CPU.Model
	if len(p.CPU.Parts) > 1 {
		model = strings.Join(p.CPU.Parts, " + ")
	}
	fmt.Fprintf(tw, "cpu\t%s %s: %d logical, %d online, %d usable\n", dash(p.CPU.Vendor), dash(model), p.CPU.Logical, p.CPU.Online, p.CPU.Usable)
	if len(p.CPU.Features) > 0 {
		fmt.Fprintf(tw, "features\t%s\n", strings.Join(p.CPU.Features, " "))
	}
	fmt.Fprintf(tw, "memory\t%s total, %s available\n", sizeHuman(p.Memory.TotalBytes), sizeHuman(p.Memory.AvailableBytes))
	var zones []string
	for _, z := range p.Thermal.Zones {
		zones = append(zones, fmt.Sprintf("%s %.1f°C", z.Type, z.TempC))
	}
	thermal := dash(strings.Join(zones, ", "))
	if p.Thermal.Throttled {
		thermal += " (THROTTLED)"
	}
	fmt.Fprintf(tw, "thermal\t%s\n", thermal)
	fmt.Fprintf(tw, "gpus\t%s\n", devices(p.GPUs))
	fmt.Fprintf(tw, "npus\t%s\n", devices(p.NPUs))
	return tw.Flush()
}

// devices lists GPUs or NPUs by kind, name and memory.
func devices(ds []hwprobe.Device) string {
	if len(ds) == 0 {
		return "none"
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = strings.TrimSpace(d.Kind + " " + d.Name)
		if d.MemoryBytes > 0 {
			names[i] += " (" + sizeHuman(d.MemoryBytes) + ")"
		}
	}
	return strings.Join(names, ", ")
}
func cmdBuffer(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var lf localFlags
	fs := helpFlagSet("buffer", "buffer [--socket PATH] [--json]", stdout)
	if _, err := parseLocal(fs, &lf, args, "buffer", 0); err != nil {
		return err
	}
	ctx, cancel := lf.context(ctx)
	defer cancel()
	b, err := client.New(lf.socket).Buffer(ctx)
	if err != nil {
		return err
	}
	if lf.json {
		return writeJSON(stdout, b)
	}
	fmt.Fprintf(stdout, "outbox: %s\n", bufferLine(b))
	if len(b.Classes) == 0 {
		return nil
	}
	fmt.Fprintln(stdout)
	classes := make([]string, 0, len(b.Classes))
	for c := range b.Classes {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "CLASS\tRECORDS\tBYTES\tFIRST SEQ\tLAST SEQ\tDELIVERED\tDROPPED")
	for _, name := range classes {
		c := b.Classes[name]
		first := "-"
		if c.FirstSeq > 0 {
			first = strconv.FormatUint(c.FirstSeq, 10)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%d\n", name, c.Records, sizeHuman(c.Bytes), first, c.LastSeq, c.Delivered, c.Dropped)
	}
	return tw.Flush()
}
