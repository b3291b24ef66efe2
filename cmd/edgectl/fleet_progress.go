package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// progressPrinter returns the onProgress callback of fleet cmd and fleet
// ota: one line per report on w, for a person ("dev-1: download 1.2 MiB /
// 4.0 MiB (30%)") or, with asJSON, the report as one JSON object. Write
// errors are ignored: progress must not end the command.
func progressPrinter(w io.Writer, asJSON bool) func(wire.Progress) {
	if asJSON {
		enc := json.NewEncoder(w)
		return func(p wire.Progress) { _ = enc.Encode(p) }
	}
	return func(p wire.Progress) { fmt.Fprintln(w, formatProgress(p)) }
}

// formatProgress writes a report as "DEVICE: " and its progressText.
func formatProgress(p wire.Progress) string {
	return printable(p.Device, 128) + ": " + progressText(p)
}

// progressText writes a report as "STAGE [DONE / TOTAL (PCT%)] [- MESSAGE]".
// A download's (or upload's) counts are bytes; other stages' are steps.
func progressText(p wire.Progress) string {
	var b strings.Builder
	b.WriteString(printable(dash(p.Stage), 100))
	bytes := p.Stage == "download" || p.Stage == "upload"
	count := func(n int64) string {
		if bytes {
			return byteSize(n)
		}
		return fmt.Sprint(n)
	}
	switch {
	case p.Total > 0:
		pct := float64(p.Done) / float64(p.Total) * 100
		fmt.Fprintf(&b, " %s / %s (%.0f%%)", count(p.Done), count(p.Total), max(0, min(pct, 100)))
	case p.Done != 0:
		fmt.Fprintf(&b, " %s", count(p.Done))
	}
	if p.Message != "" {
		fmt.Fprintf(&b, " - %s", printable(p.Message, 200))
	}
	return b.String()
}

// byteSize writes n bytes with a binary unit: 512 B, 1.5 KiB, 4.0 MiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= unit
		if v < unit && v > -unit {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	return fmt.Sprintf("%.1f EiB", v/unit)
}

// printable makes a device's text safe for a terminal line: control
// characters become spaces, and it is cut to n bytes.
func printable(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
