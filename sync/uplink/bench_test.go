package uplink

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/outbox"
)

var (
	benchBacklog  = flag.Int("uplink.backlog", 100_000, "records in the backlog BenchmarkDrain drains (the issue's figure: 1000000)")
	benchInFlight = flag.Int("uplink.inflight", DefaultInFlight, "Options.InFlight for BenchmarkDrain")
)

// BenchmarkDrain drains a backlog of predictions from an outbox to
// mosquitto on loopback and reports records/s and messages/s. Run:
//
//	go test -run XXX -bench Drain -benchtime 1x ./sync/uplink
//	go test -run XXX -bench Drain -benchtime 1x ./sync/uplink -uplink.backlog 1000000
func BenchmarkDrain(b *testing.B) {
	n := *benchBacklog
	if testing.Short() {
		n = min(n, 10_000)
	}
	for _, store := range []string{"memory", "bbolt"} {
		for _, gz := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/gzip=%v/records=%d", store, gz, n), func(b *testing.B) {
				br := mqtttest.Start(b)
				var recs, msgs, bytes float64
				var elapsed time.Duration
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					var q outbox.Queue
					var err error
					if store == "memory" {
						q, err = outbox.NewMemory(outbox.Options{MaxBytes: 1 << 40})
					} else {
						q, err = outbox.Open(filepath.Join(b.TempDir(), "outbox.db"), outbox.Options{MaxBytes: 1 << 40})
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := produce(context.Background(), q, "predictions", uint64(n), 64, predPayload); err != nil {
						b.Fatal(err)
					}
					o := testOptions(b, br.URL)
					o.Logger = nil
					o.Gzip = gz
					o.InFlight = *benchInFlight
					u, err := New(q, o)
					if err != nil {
						b.Fatal(err)
					}
					runtime.GC()
					b.StartTimer()
					start := time.Now()
					done := make(chan error, 1)
					go func() { done <- u.Run(context.Background()) }()
					for u.Stats().RecordsDelivered < uint64(n) {
						time.Sleep(time.Millisecond)
					}
					elapsed += time.Since(start)
					b.StopTimer()
					s := u.Stats()
					u.Close()
					<-done
					recs += float64(s.RecordsDelivered)
					msgs += float64(s.MessagesAcked)
					bytes += float64(s.BytesSent)
					if err := q.Check(); err != nil {
						b.Error(err)
					}
					q.Close()
				}
				b.ReportMetric(recs/elapsed.Seconds(), "records/s")
				b.ReportMetric(msgs/elapsed.Seconds(), "messages/s")
				b.ReportMetric(bytes/elapsed.Seconds()/1e6, "MB/s")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// BenchmarkRateLimit drains 200 messages under a limit of 100 messages/s
// and reports the rate achieved over wall-clock time (the tests check the
// limits by their tokens; this is where the clock is looked at): the
// first 100 go at once (the burst), the other 100 take a second.
func BenchmarkRateLimit(b *testing.B) {
	br := mqtttest.Start(b)
	var msgs float64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		q, err := outbox.NewMemory(outbox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := produce(context.Background(), q, "predictions", 1000, 1, predPayload); err != nil {
			b.Fatal(err)
		}
		o := testOptions(b, br.URL)
		o.Logger = nil
		o.BatchMaxRecords = 5
		o.RateMessages = 100
		u, err := New(q, o)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- u.Run(context.Background()) }()
		for u.Stats().RecordsDelivered < 1000 {
			time.Sleep(time.Millisecond)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		msgs += float64(u.Stats().MessagesAcked - 1) // less the status
		u.Close()
		<-done
		q.Close()
	}
	b.ReportMetric(msgs/elapsed.Seconds(), "messages/s")
	// Beyond the burst (a second's worth), the pace is the limit's.
	b.ReportMetric((msgs-100*float64(b.N))/elapsed.Seconds(), "after-burst-messages/s")
	b.ReportMetric(0, "ns/op")
}
