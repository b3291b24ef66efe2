package command

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

func BenchmarkDecode(b *testing.B) {
	p := []byte(`{"id":"5f2b9c1e8a7d4e3f9b0c1d2e3f4a5b6c","name":"model.activate","args":{"name":"detector","version":7},"expires_at":"2030-01-01T00:00:00Z"}`)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDispatcher measures commands end to end (Submit to response),
// one at a time: with the bbolt store each costs two fsynced transactions
// (the "started" mark and the response).
func BenchmarkDispatcher(b *testing.B) {
	for _, kind := range []string{"memory", "bbolt"} {
		b.Run(kind, func(b *testing.B) {
			var seen SeenStore = NewMemorySeen(0)
			if kind == "bbolt" {
				s, err := OpenSeen(filepath.Join(b.TempDir(), "commands.db"), time.Hour)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				seen = s
			}
			reg := NewRegistry()
			reg.Register(NamePing, Ping(nil))
			responses := make(chan wire.Response, 1)
			d, err := NewDispatcher(Options{Device: "bench", Registry: reg, Seen: seen, Respond: func(r wire.Response) { responses <- r }})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { d.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			i := 0
			for b.Loop() {
				i++
				d.Submit("edge/bench/cmd", fmt.Appendf(nil, `{"id":"c%d","name":"ping"}`, i))
				if r := <-responses; !r.OK {
					b.Fatalf("%+v", r)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commands/s")
		})
	}
}

// BenchmarkReportProgress measures ReportProgress from a handler: reports
// of one stage, almost all throttled (the cost a handler pays for reporting
// on every buffer it copies), and a new stage each time (each queued).
func BenchmarkReportProgress(b *testing.B) {
	for _, kind := range []string{"same-stage", "new-stage"} {
		b.Run(kind, func(b *testing.B) {
			reg := NewRegistry()
			stages := []string{"download", "verify"}
			reg.Register("long", func(ctx context.Context, _ json.RawMessage) (any, error) {
				i := 0
				for b.Loop() {
					st := stages[0]
					if kind == "new-stage" {
						st = stages[i&1]
					}
					i++
					ReportProgress(ctx, wire.Progress{Stage: st, Done: int64(i), Total: 1 << 30})
				}
				return nil, nil
			})
			responses := make(chan wire.Response, 1)
			d, err := NewDispatcher(Options{Device: "bench", Registry: reg, Respond: func(r wire.Response) { responses <- r },
				Progress: func(wire.Progress) {}})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { d.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			d.Submit("edge/bench/cmd", []byte(`{"id":"p","name":"long"}`))
			if r := <-responses; !r.OK {
				b.Fatalf("%+v", r)
			}
			s := d.Stats()
			b.ReportMetric(float64(s.Progress), "sent")
			b.ReportMetric(float64(s.ProgressDropped), "dropped")
		})
	}
}
