package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// sample is one process's figures.
type sample struct {
	MedianMs float64
	MinMs    float64
	RSSBytes int64
	PeakRSS  int64 // ours only
	LoadMs   float64
}

// side gathers one runtime's samples for one model and thread count.
type side struct {
	samples []sample
	errs    []string
	// TFLite only: what the runtime reported.
	simd, xnnpack bool
	version       string
	build         string
	patched       int
}

// addOurs records an edge-agent run, or its error.
func (s *side) addOurs(r ours, err error) {
	if err != nil {
		s.errs = append(s.errs, err.Error())
		return
	}
	rss := r.RSSBytes
	if rss == 0 {
		rss = r.PeakRSSBytes // an older edge-agent
	}
	s.samples = append(s.samples, sample{MedianMs: r.Latency.Median, MinMs: r.Latency.Min, RSSBytes: rss, PeakRSS: r.PeakRSSBytes, LoadMs: r.LoadMs})
}

// addTheirs records a tflite_bench.js run, or its error.
func (s *side) addTheirs(r theirs, err error) {
	if err != nil {
		s.errs = append(s.errs, err.Error())
		return
	}
	s.samples = append(s.samples, sample{MedianMs: *r.MedianMs, MinMs: r.MinMs, RSSBytes: r.RSSBytes, LoadMs: r.LoadMs})
	s.simd, s.xnnpack, s.version, s.build, s.patched = r.SIMD, r.XNNPACK, r.Version, r.Build, r.Patched
}

// sideJSON is a side's summary: medians over the repeats.
type sideJSON struct {
	OK            bool      `json:"ok"`
	MedianMs      float64   `json:"median_ms,omitempty"`
	RunMediansMs  []float64 `json:"run_medians_ms,omitempty"`
	MinMs         float64   `json:"min_ms,omitempty"`
	RSSBytes      int64     `json:"rss_bytes,omitempty"`
	PeakRSSBytes  int64     `json:"peak_rss_bytes,omitempty"`
	LoadMs        float64   `json:"load_ms,omitempty"`
	SIMD          *bool     `json:"simd,omitempty"`
	XNNPACK       *bool     `json:"xnnpack,omitempty"`
	Version       string    `json:"version,omitempty"`
	Build         string    `json:"build,omitempty"`
	PatchedTensor *int      `json:"patched_tensors,omitempty"`
	Errors        []string  `json:"errors,omitempty"`
}

// summary reduces the samples: the median of each figure over the repeats
// (the lowest for min_ms).
func (s *side) summary(tflite bool) sideJSON {
	out := sideJSON{OK: len(s.samples) > 0, Errors: s.errs}
	if !out.OK {
		return out
	}
	var med, load, rss, peak []float64
	out.MinMs = math.Inf(1)
	for _, x := range s.samples {
		med = append(med, x.MedianMs)
		load = append(load, x.LoadMs)
		rss = append(rss, float64(x.RSSBytes))
		peak = append(peak, float64(x.PeakRSS))
		out.MinMs = math.Min(out.MinMs, x.MinMs)
	}
	out.RunMediansMs = med
	out.MedianMs, out.LoadMs, out.RSSBytes, out.PeakRSSBytes = median(med), median(load), int64(median(rss)), int64(median(peak))
	if tflite {
		simd, xnn, patched := s.simd, s.xnnpack, s.patched
		out.SIMD, out.XNNPACK, out.PatchedTensor, out.Version, out.Build = &simd, &xnn, &patched, s.version, s.build
	}
	return out
}

// row is one line of the comparison: a model at one thread count.
type row struct {
	Model   string    `json:"model"`
	Threads int       `json:"threads"`
	Ours    sideJSON  `json:"ours"`
	TFLite  *sideJSON `json:"tflite,omitempty"`
	// Ratio is TFLite's median over ours: above 1, edge-agent is faster.
	Ratio *float64 `json:"ratio,omitempty"`
}

// makeRow summarizes the two sides; theirs is nil without Node.
func makeRow(name string, threads int, o *side, t *side) row {
	r := row{Model: name, Threads: threads, Ours: o.summary(false)}
	if t != nil {
		ts := t.summary(true)
		r.TFLite = &ts
		if r.Ours.OK && ts.OK && r.Ours.MedianMs > 0 {
			ratio := ts.MedianMs / r.Ours.MedianMs
			r.Ratio = &ratio
		}
	}
	return r
}

// median of xs (the mean of the middle two for an even count); xs is not changed.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// sig3 formats v with three significant digits, never in exponent form.
func sig3(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	dec := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	dec = max(0, min(dec, 9))
	return strconv.FormatFloat(v, 'f', dec, 64)
}

func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }

// writeTable prints rows as an aligned Markdown table, then the notes and
// every error. TFLite's columns are left out when no row has a TFLite side.
func writeTable(w io.Writer, rows []row, runs, repeats int) error {
	withNode := false
	for _, r := range rows {
		withNode = withNode || r.TFLite != nil
	}
	header := []string{"model", "threads", "ours median ms"}
	if withNode {
		header = append(header, "TFLite median ms", "ratio TFLite/ours", "ours RSS MiB", "ours peak MiB", "TFLite RSS MiB", "ours load ms", "TFLite load ms")
	} else {
		header = append(header, "ours RSS MiB", "ours peak MiB", "ours load ms")
	}
	cells := [][]string{header}
	var errs []string
	for _, r := range rows {
		c := []string{r.Model, strconv.Itoa(r.Threads), msCell(r.Ours, func(s sideJSON) string { return sig3(s.MedianMs) })}
		oursRSS := msCell(r.Ours, func(s sideJSON) string { return mib(s.RSSBytes) })
		oursPeak := msCell(r.Ours, func(s sideJSON) string { return mib(s.PeakRSSBytes) })
		oursLoad := msCell(r.Ours, func(s sideJSON) string { return sig3(s.LoadMs) })
		for _, e := range r.Ours.Errors {
			errs = append(errs, fmt.Sprintf("%s (%d threads) ours: %s", r.Model, r.Threads, e))
		}
		if withNode {
			t := sideJSON{Errors: []string{"not run"}}
			if r.TFLite != nil {
				t = *r.TFLite
			}
			ratio := "-"
			if r.Ratio != nil {
				ratio = sig3(*r.Ratio)
			}
			c = append(c, msCell(t, func(s sideJSON) string { return sig3(s.MedianMs) }), ratio,
				oursRSS, oursPeak, msCell(t, func(s sideJSON) string { return mib(s.RSSBytes) }),
				oursLoad, msCell(t, func(s sideJSON) string { return sig3(s.LoadMs) }))
			for _, e := range t.Errors {
				errs = append(errs, fmt.Sprintf("%s (%d threads) TFLite: %s", r.Model, r.Threads, e))
			}
		} else {
			c = append(c, oursRSS, oursPeak, oursLoad)
		}
		cells = append(cells, c)
	}
	width := make([]int, len(header))
	for _, c := range cells {
		for i, s := range c {
			width[i] = max(width[i], len(s))
		}
	}
	var b strings.Builder
	line := func(c []string) {
		b.WriteString("|")
		for i, s := range c {
			if i < 2 {
				fmt.Fprintf(&b, " %-*s |", width[i], s)
			} else {
				fmt.Fprintf(&b, " %*s |", width[i], s)
			}
		}
		b.WriteString("\n")
	}
	line(cells[0])
	b.WriteString("|")
	for i, wd := range width {
		if i < 2 {
			b.WriteString(" " + strings.Repeat("-", wd) + " |")
		} else {
			b.WriteString(" " + strings.Repeat("-", wd-1) + ": |")
		}
	}
	b.WriteString("\n")
	for _, c := range cells[1:] {
		line(c)
	}
	fmt.Fprintf(&b, "\nmedians over %d process(es) per side of %d timed runs each", repeats, runs)
	if withNode {
		b.WriteString("; ratio > 1: edge-agent is faster")
	}
	b.WriteString(".\nours RSS: RSS of `edge-agent model bench` after the runs, start-up pages of the binary released as the daemon does (internal/procmem); ours peak: its peak RSS, start-up included")
	if withNode {
		b.WriteString("; TFLite RSS: the Node process's RSS after load and runs")
	}
	b.WriteString(". load: file to ready interpreter.\n")
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\n%d error(s):\n", len(errs))
		for _, e := range errs {
			b.WriteString("- " + e + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// msCell formats a side's figure, or "error" when the side has no sample.
func msCell(s sideJSON, f func(sideJSON) string) string {
	if !s.OK {
		return "error"
	}
	return f(s)
}

// writeJSON prints rows as an indented JSON array.
func writeJSON(w io.Writer, rows []row) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if rows == nil {
		rows = []row{}
	}
	return enc.Encode(rows)
}
