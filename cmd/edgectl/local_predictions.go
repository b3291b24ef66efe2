package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/internal/cliutil"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// cmdPredictions is `edgectl predictions`: held records, or the live
// stream with --follow.
func cmdPredictions(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var lf localFlags
	fs := helpFlagSet("predictions", "predictions [--since N] [--limit N] [--follow [--count N]] [--socket PATH] [--json]\n\n"+
		"Without --follow, prints up to --limit held records after --since. With --follow, streams\n"+
		"records as they are made (after --since when given, else new ones only) until Ctrl-C;\n"+
		"--json then prints one JSON record per line.", stdout)
	follow := fs.Bool("follow", false, "stream new records until interrupted")
	since := fs.Uint64("since", 0, "only records with seq above `N`")
	limit := fs.Int("limit", api.DefaultLimit, "at most `N` records (1-10000; without --follow)")
	count := fs.Int("count", 0, "with --follow, stop after `N` records (0: never)")
	if _, err := parseLocal(fs, &lf, args, "predictions", 0); err != nil {
		return err
	}
	if *limit < 1 || *limit > api.MaxLimit {
		return cliutil.Usagef("--limit %d: want 1 to %d", *limit, api.MaxLimit)
	}
	if *count < 0 {
		return cliutil.Usagef("--count %d: want 0 or more", *count)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !*follow && set["count"] {
		return cliutil.Usagef("--count needs --follow")
	}
	c := client.New(lf.socket)
	if *follow {
		from := uint64(client.FromNow)
		if set["since"] {
			from = *since
		}
		return followStream(ctx, c, from, *count, lf.json, stdout)
	}
	ctx, cancel := lf.context(ctx)
	defer cancel()
	p, err := c.Predictions(ctx, *since, *limit)
	if err != nil {
		return err
	}
	if lf.json {
		return writeJSON(stdout, p)
	}
	if len(p.Records) == 0 {
		_, err := fmt.Fprintf(stdout, "no predictions after seq %d (held: %s)\n", *since, heldRange(p))
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tPIPELINE\tMODEL\tLATENCY\tTOP")
	for _, r := range p.Records {
		fmt.Fprintln(tw, strings.Join(predictionFields(r), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := len(p.Records); p.Records[n-1].Seq < p.LastSeq {
		_, err = fmt.Fprintf(stdout, "(more after seq %d: use --since %d)\n", p.Records[n-1].Seq, p.Records[n-1].Seq)
	}
	return err
}

// heldRange shows which seqs the agent holds.
func heldRange(p api.Predictions) string {
	if p.LastSeq == 0 {
		return "none"
	}
	return fmt.Sprintf("seq %d to %d", p.OldestSeq, p.LastSeq)
}

// predictionFields are a record's columns: seq, time, pipeline, model,
// latency, top labels (or the raw output when there are none).
func predictionFields(r wire.Prediction) []string {
	model := r.Model.Name
	if r.Model.Version != 0 {
		model += " v" + strconv.FormatInt(r.Model.Version, 10)
	}
	top := make([]string, len(r.Top))
	for i, l := range r.Top {
		top[i] = fmt.Sprintf("%s %.3f", l.Label, l.Score)
	}
	out := strings.Join(top, ", ")
	if out == "" {
		out = clip(string(r.Output), 60)
	}
	return []string{strconv.FormatUint(r.Seq, 10), r.TS.UTC().Format("2006-01-02T15:04:05.000Z"), dash(r.Pipeline), dash(model),
		fmt.Sprintf("%.2f ms", float64(r.LatencyUS)/1000), dash(out)}
}

// followStream prints the live stream until ctx ends or count records came.
func followStream(ctx context.Context, c *client.Client, since uint64, count int, asJSON bool, w io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := 0
	errDone := errors.New("done")
	err := c.Stream(ctx, since, func(r wire.Prediction) error {
		if asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
		} else {
			f := predictionFields(r)
			if _, err := fmt.Fprintf(w, "%-8s %s  %-12s %-16s %9s  %s\n", f[0], f[1], f[2], f[3], f[4], f[5]); err != nil {
				return err
			}
		}
		n++
		if count > 0 && n >= count {
			return errDone
		}
		return nil
	})
	switch {
	case errors.Is(err, errDone):
		return nil
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return nil // interrupted: the normal end of --follow
	}
	return err
}
