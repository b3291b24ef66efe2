package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edge-agent/edge-agent/internal/cliutil"
	"github.com/edge-agent/edge-agent/sync/fleet"
)

func cmdFleet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	subs := []command{
		{"ls", "list the devices from their retained status", fleetLs},
		{"cmd", "send a command to a device, a group or all, and collect the answers", fleetCmd},
		{"watch", "print what devices publish: status, predictions, metrics, responses, progress", fleetWatch},
		{"ota", "send a signed bundle with ota.apply (inline, or served over HTTP) and show progress and outcomes", fleetOTA},
	}
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprintln(stdout, "Usage: edgectl fleet COMMAND [ARGS]")
		fmt.Fprintln(stdout)
		for _, c := range subs {
			fmt.Fprintf(stdout, "  %-6s %s\n", c.name, c.summary)
		}
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "TARGET is a device id, group:NAME or all. Run 'edgectl fleet COMMAND --help' for options.")
		if len(args) == 0 {
			return cliutil.Usagef("fleet needs a command (ls, cmd, watch, ota)")
		}
		return nil
	}
	for _, c := range subs {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return cliutil.Usagef("unknown fleet command %q (ls, cmd, watch, ota)", args[0])
}

// brokerFlags are the connection flags every fleet command takes.
type brokerFlags struct {
	broker, prefix, clientID  string
	username, passwordFile    string
	caFile, certFile, keyFile string
	insecure, verbose         bool
	connectTimeout            time.Duration
}

func (b *brokerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.broker, "broker", fleet.DefaultBroker, "MQTT broker `URL` (tcp://, or ssl:// for TLS; commas separate fallbacks)")
	fs.StringVar(&b.prefix, "prefix", "edge/", "topic `prefix`")
	fs.StringVar(&b.clientID, "client-id", "", "MQTT client `id` (default edgectl- and random digits)")
	fs.StringVar(&b.username, "username", "", "broker `user` name")
	fs.StringVar(&b.passwordFile, "password-file", "", "`file` whose first line is the broker password")
	fs.StringVar(&b.caFile, "ca", "", "PEM `file` of the CAs that sign the broker's certificate (TLS)")
	fs.StringVar(&b.certFile, "cert", "", "PEM client certificate `file` (mutual TLS)")
	fs.StringVar(&b.keyFile, "key", "", "PEM client key `file` (mutual TLS)")
	fs.BoolVar(&b.insecure, "insecure", false, "accept any broker certificate (UNSAFE: tests only)")
	fs.DurationVar(&b.connectTimeout, "connect-timeout", fleet.DefaultConnectTimeout, "bound on connecting and each broker round trip")
	fs.BoolVar(&b.verbose, "v", false, "log connection events on stderr")
}

func (b *brokerFlags) console(stderr io.Writer) *fleet.Console {
	c := &fleet.Console{
		Broker: b.broker, Prefix: b.prefix, ClientID: b.clientID,
		Username: b.username, PasswordFile: b.passwordFile,
		CAFile: b.caFile, CertFile: b.certFile, KeyFile: b.keyFile, InsecureSkipVerify: b.insecure,
		ConnectTimeout: b.connectTimeout,
	}
	if b.verbose {
		c.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return c
}

func fleetLs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := helpFlagSet("fleet ls", "fleet ls [--json] [--wait D] [--broker URL]", stdout)
	var bf brokerFlags
	bf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	wait := fs.Duration("wait", fleet.DefaultWait, "longest wait for the retained status messages")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cliutil.Usagef("fleet ls takes no arguments")
	}
	if *wait <= 0 {
		return cliutil.Usagef("--wait must be positive")
	}
	devices, err := bf.console(stderr).Devices(ctx, *wait)
	if err != nil {
		return fmt.Errorf("fleet ls: %w", err)
	}
	if *asJSON {
		return writeJSON(stdout, devices)
	}
	if len(devices) == 0 {
		fmt.Fprintf(stdout, "no devices have a retained status on %s\n", bf.broker)
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tSTATE\tAGENT\tMODELS\tGROUPS\tSINCE\tHARDWARE")
	for _, d := range devices {
		var models []string
		for _, m := range d.Models {
			models = append(models, fmt.Sprintf("%s@%d", m.Name, m.Version))
		}
		state := d.State
		if d.Error != "" {
			state += " (" + d.Error + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, state, dash(d.AgentVersion), dash(strings.Join(models, ",")),
			dash(strings.Join(d.Groups, ",")), since(now, d.TS), hardwareSummary(d.Hardware))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// since shows a status time as its age.
func since(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.UTC().Format(time.RFC3339)
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return t.UTC().Format("2006-01-02")
}

func hardwareSummary(h *fleet.Hardware) string {
	if h == nil {
		return "-"
	}
	if h.Error != "" {
		return "invalid profile"
	}
	var parts []string
	if h.Arch != "" {
		parts = append(parts, h.Arch)
	}
	if h.CPUs > 0 {
		parts = append(parts, fmt.Sprintf("%d cpu", h.CPUs))
	}
	if h.MemoryBytes > 0 {
		parts = append(parts, fmt.Sprintf("%.1f GiB", float64(h.MemoryBytes)/(1<<30)))
	}
	parts = append(parts, h.GPUs...)
	parts = append(parts, h.NPUs...)
	if h.Board != "" {
		parts = append(parts, "("+h.Board+")")
	}
	if len(parts) == 0 {
		return "profile"
	}
	return strings.Join(parts, " ")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseArgs reads a command's arguments: one JSON object, or key=value
// pairs whose values are JSON when they parse as JSON (3, true, null,
// "text", [1,2], {"a":1}) and strings otherwise.
func parseArgs(pos []string) (json.RawMessage, error) {
	if len(pos) == 0 {
		return nil, nil
	}
	if len(pos) == 1 && strings.HasPrefix(strings.TrimSpace(pos[0]), "{") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(pos[0]), &obj); err != nil {
			return nil, cliutil.Usagef("ARGS-JSON is not a JSON object: %v", err)
		}
		return json.RawMessage(pos[0]), nil
	}
	obj := map[string]json.RawMessage{}
	for _, kv := range pos {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, cliutil.Usagef("argument %q is not key=value (or give one JSON object)", kv)
		}
		if _, dup := obj[k]; dup {
			return nil, cliutil.Usagef("argument %q given twice", k)
		}
		if json.Valid([]byte(v)) && strings.TrimSpace(v) != "" {
			obj[k] = json.RawMessage(v)
		} else {
			s, _ := json.Marshal(v)
			obj[k] = s
		}
	}
	b, err := json.Marshal(obj)
	return b, err
}

// cmdOutput is what fleet cmd --json prints.
type cmdOutput struct {
	fleet.Result
	OK bool `json:"ok"`
}

func fleetCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := helpFlagSet("fleet cmd", "fleet cmd TARGET NAME [ARGS-JSON | key=value ...] [--wait D] [--json]\n\n"+
		"TARGET is a device id, group:NAME or all. ARGS is one JSON object, or key=value pairs\n"+
		"(a value that parses as JSON is sent as such: n=3 sends a number, name=x a string).\n"+
		"Progress reports of long commands are printed on stderr as they come (JSON lines\n"+
		"with --json). Exits 1 when a device fails or an expected device does not answer.", stdout)
	var bf brokerFlags
	bf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	wait := fs.Duration("wait", 5*time.Second, "how long to collect answers")
	expires := fs.Duration("expires", 0, "the command's expires_at is now + this (default: the wait)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return cliutil.Usagef("fleet cmd needs TARGET and NAME")
	}
	if _, err := fleet.ParseTarget(pos[0]); err != nil {
		return cliutil.Usagef("%v", err)
	}
	if *wait <= 0 || *expires < 0 {
		return cliutil.Usagef("--wait must be positive and --expires not negative")
	}
	cmdArgs, err := parseArgs(pos[2:])
	if err != nil {
		return err
	}
	c := bf.console(stderr)
	c.Expires = *expires
	res, err := c.SendWithProgress(ctx, pos[0], pos[1], cmdArgs, *wait, progressPrinter(stderr, *asJSON))
	if errors.Is(err, context.Canceled) && res.ID != "" && ctx.Err() != nil {
		// Interrupted while collecting: show what came, then fail.
		if !*asJSON {
			printResult(stdout, res)
		}
		return fmt.Errorf("fleet cmd: interrupted after %d answers", len(res.Replies))
	}
	if err != nil {
		return fmt.Errorf("fleet cmd: %w", err)
	}
	if *asJSON {
		if err := writeJSON(stdout, cmdOutput{Result: res, OK: res.OK()}); err != nil {
			return err
		}
	} else {
		printResult(stdout, res)
	}
	return resultError(res)
}

func printResult(w io.Writer, res fleet.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range res.Replies {
		note := ""
		if !r.Expected {
			note = " (not expected)"
		}
		if r.OK {
			result := "-"
			if len(r.Result) > 0 {
				result = string(r.Result)
			}
			fmt.Fprintf(tw, "%s\tok\t%s%s\n", r.Device, result, note)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s%s\n", r.Device, r.Error.Code, r.Error.Message, note)
		}
	}
	for _, m := range res.Missing {
		fmt.Fprintf(tw, "%s\tno answer\tstatus %s\n", m.Device, m.State)
	}
	tw.Flush()
	fmt.Fprintf(w, "%s to %s: %s\n", res.Name, res.Target, tally(res))
}

func tally(res fleet.Result) string {
	failed := len(res.Failed())
	parts := []string{fmt.Sprintf("%d answered", len(res.Replies))}
	if ok := len(res.Replies) - failed; ok > 0 || failed > 0 {
		parts = append(parts, fmt.Sprintf("%d ok", ok))
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", failed))
	}
	if len(res.Missing) > 0 {
		var ids []string
		for _, m := range res.Missing {
			ids = append(ids, m.Device)
		}
		parts = append(parts, fmt.Sprintf("%d did not answer (%s)", len(res.Missing), strings.Join(ids, ", ")))
	}
	return strings.Join(parts, ", ")
}

// resultError is the one-line failure of a command that did not succeed
// everywhere.
func resultError(res fleet.Result) error {
	if res.OK() {
		return nil
	}
	if len(res.Replies) == 0 && len(res.Missing) == 0 {
		return fmt.Errorf("fleet cmd: no device answered %s (and none was expected: no retained status matches %s)", res.Name, res.Target)
	}
	return fmt.Errorf("fleet cmd: %s to %s: %s", res.Name, res.Target, tally(res))
}

func fleetWatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := helpFlagSet("fleet watch", "fleet watch [--json] [--count N] [--for D]\n\n"+
		"Prints, one line each, the status, predictions, alerts, metrics, command responses\n"+
		"and progress reports the devices publish, until interrupted (Ctrl-C), --count events or --for a duration.", stdout)
	var bf brokerFlags
	bf.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	count := fs.Int("count", 0, "stop after this many events (0: no limit)")
	dur := fs.Duration("for", 0, "stop after this long (0: until interrupted)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cliutil.Usagef("fleet watch takes no arguments")
	}
	if *count < 0 || *dur < 0 {
		return cliutil.Usagef("--count and --for must not be negative")
	}
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := 0
	var werr error
	enc := json.NewEncoder(stdout)
	err = bf.console(stderr).Watch(ctx, func(e fleet.Event) {
		if werr != nil {
			return
		}
		if *asJSON {
			werr = enc.Encode(e)
		} else {
			_, werr = fmt.Fprintln(stdout, formatEvent(e))
		}
		if werr != nil {
			cancel()
			return
		}
		if n++; *count > 0 && n >= *count {
			cancel()
		}
	})
	if err != nil {
		return fmt.Errorf("fleet watch: %w", err)
	}
	if werr != nil && !errors.Is(werr, context.Canceled) {
		return fmt.Errorf("fleet watch: write: %w", werr)
	}
	return nil
}

// formatEvent writes an event as one line for a person.
func formatEvent(e fleet.Event) string {
	ts := e.Received.Local().Format("15:04:05.000")
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-10s %s", ts, e.Kind, dash(e.Device))
	switch e.Kind {
	case fleet.KindStatus:
		s := e.Status
		fmt.Fprintf(&b, " %s", s.State)
		if s.AgentVersion != "" {
			fmt.Fprintf(&b, " agent %s", s.AgentVersion)
		}
		for i, m := range s.Models {
			if i == 0 {
				b.WriteString(" models")
			}
			fmt.Fprintf(&b, " %s@%d", m.Name, m.Version)
		}
		if len(s.Groups) > 0 {
			fmt.Fprintf(&b, " groups %s", strings.Join(s.Groups, ","))
		}
	case fleet.KindHardware:
		fmt.Fprintf(&b, " %s", hardwareSummary(e.Hardware))
	case fleet.KindPrediction, fleet.KindAlert:
		fmt.Fprintf(&b, " #%d", e.Seq)
		switch {
		case e.Malformed:
			b.WriteString(" malformed record (sent as base64)")
		case e.Prediction != nil:
			p := e.Prediction
			if p.Pipeline != "" {
				fmt.Fprintf(&b, " %s", p.Pipeline)
			}
			if p.Model.Name != "" {
				fmt.Fprintf(&b, " %s@%d", p.Model.Name, p.Model.Version)
			}
			for i, l := range p.Top {
				if i == 3 {
					break
				}
				fmt.Fprintf(&b, " %s=%.3f", l.Label, l.Score)
			}
			if len(p.Top) == 0 && len(p.Output) > 0 {
				fmt.Fprintf(&b, " output=%s", clip(string(p.Output), 80))
			}
			if p.LatencyUS > 0 {
				fmt.Fprintf(&b, " %.1fms", float64(p.LatencyUS)/1000)
			}
		default:
			fmt.Fprintf(&b, " %s", clip(string(e.Record), 120))
		}
	case fleet.KindMetrics:
		fmt.Fprintf(&b, " #%d", e.Seq)
		keys := make([]string, 0, len(e.Metrics.Metrics))
		for k := range e.Metrics.Metrics {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i == 8 {
				fmt.Fprintf(&b, " (+%d more)", len(keys)-i)
				break
			}
			v, _ := json.Marshal(e.Metrics.Metrics[k])
			fmt.Fprintf(&b, " %s=%s", k, clip(string(v), 40))
		}
	case fleet.KindResponse:
		r := e.Response
		if r.OK {
			fmt.Fprintf(&b, " %s ok %s", r.ID, clip(string(r.Result), 80))
		} else if r.Error != nil {
			fmt.Fprintf(&b, " %s %s: %s", r.ID, r.Error.Code, r.Error.Message)
		}
	case fleet.KindProgress:
		fmt.Fprintf(&b, " %s %s", printable(e.Progress.ID, 64), progressText(*e.Progress))
	case fleet.KindDropped:
		fmt.Fprintf(&b, " %d events dropped: the output is too slow", e.Dropped)
	case fleet.KindConnection:
		if e.Error != "" {
			fmt.Fprintf(&b, " %s", e.Error)
		} else {
			b.WriteString(" reconnected")
		}
	default:
		fmt.Fprintf(&b, " %s", e.Error)
	}
	if e.Retained {
		b.WriteString(" (retained)")
	}
	return cliutil.OneLine(b.String())
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
