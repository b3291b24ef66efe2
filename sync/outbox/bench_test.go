package outbox

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks on a real file with fsync (in the system's temporary folder:
// set TMPDIR to measure another disk).
//
//	go test -run '^$' -bench . -benchtime 2s ./sync/outbox
//	go test -run '^$' -bench Backlog1M -benchtime 1x -timeout 30m ./sync/outbox

const benchPayload = 200

func benchOpen(b *testing.B, o Options) *Bolt {
	b.Helper()
	q, err := Open(filepath.Join(b.TempDir(), "outbox.db"), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = q.Close() })
	return q
}

func BenchmarkAppend1(b *testing.B) {
	q := benchOpen(b, Options{MaxBytes: 256 << 20})
	p := make([]byte, benchPayload)
	ctx := context.Background()
	b.SetBytes(benchPayload)
	b.ResetTimer()
	for range b.N {
		if _, err := q.Append(ctx, "predictions", p); err != nil {
			b.Fatal(err)
		}
	}
	reportAppends(b, q)
}

// BenchmarkAppend16 is 16 producers, group-committed.
func BenchmarkAppend16(b *testing.B) { benchProducers(b, 16) }

// BenchmarkAppend16NoGroupCommit is 16 producers with one Append per
// transaction: what group commit saves.
func BenchmarkAppend16NoGroupCommit(b *testing.B) {
	setVar(b, &maxBatchOps, 1)
	benchProducers(b, 16)
}

func benchProducers(b *testing.B, producers int) {
	q := benchOpen(b, Options{MaxBytes: 256 << 20})
	p := make([]byte, benchPayload)
	ctx := context.Background()
	var next atomic.Int64
	b.SetBytes(benchPayload)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if _, err := q.Append(ctx, "predictions", p); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	reportAppends(b, q)
}

func reportAppends(b *testing.B, q *Bolt) {
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	_ = q.Close()
	b.ReportMetric(float64(b.N)/float64(max(q.commits, 1)), "appends/commit")
}

// fill appends n records of size bytes with many producers.
func fill(tb testing.TB, q Queue, n, size int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	p := make([]byte, size)
	for range 256 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if _, err := q.Append(context.Background(), "predictions", p); err != nil {
					tb.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// drain delivers everything as the uplink does: Peek a batch, Remove it.
func drain(tb testing.TB, q Queue) int {
	n := 0
	for {
		recs, err := q.Peek("predictions", 0, 1000, 256<<10)
		if err != nil {
			tb.Fatal(err)
		}
		if len(recs) == 0 {
			return n
		}
		if err := q.Remove("predictions", recs[0].Seq, recs[len(recs)-1].Seq); err != nil {
			tb.Fatal(err)
		}
		n += len(recs)
	}
}

// BenchmarkDrain is the Peek+Remove rate of a backlog of b.N records (one
// op is one record delivered; each Remove of up to 1000 records is one
// fsync'ed transaction).
func BenchmarkDrain(b *testing.B) {
	q := benchOpen(b, Options{MaxBytes: 512 << 20})
	fill(b, q, b.N, benchPayload)
	b.ResetTimer()
	if n := drain(b, q); n != b.N {
		b.Fatalf("drained %d of %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkBacklog1M fills 1,000,000 records of 200 bytes, then measures
// the file, a fresh process opening it (Open's time and the process's
// RSS), and draining it. Run it with -benchtime 1x.
func BenchmarkBacklog1M(b *testing.B) {
	if is32bit {
		b.Skip("1,000,000 records of 232 bytes exceed MaxBytes32")
	}
	const n = 1_000_000
	for range b.N {
		dir := b.TempDir()
		path := filepath.Join(dir, "outbox.db")
		o := Options{MaxBytes: 512 << 20}
		q, err := Open(path, o)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		fill(b, q, n, benchPayload)
		fillTime := time.Since(start)
		st := q.Stats()
		mem := rss()
		if err := q.Close(); err != nil {
			b.Fatal(err)
		}
		child := measureOpenInChild(b, path)

		q, err = Open(path, o)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if got := drain(b, q); got != n {
			b.Fatalf("drained %d of %d", got, n)
		}
		drainTime := time.Since(start)
		after := q.Stats()
		_ = q.Close()

		b.ReportMetric(n/fillTime.Seconds(), "fill_appends/s")
		b.ReportMetric(float64(st.FileBytes)/(1<<20), "file_MiB")
		b.ReportMetric(float64(st.Bytes)/(1<<20), "counted_MiB")
		b.ReportMetric(float64(mem["VmRSS"])/(1<<20), "filler_rss_MiB")
		b.ReportMetric(child["open_ms"], "open_ms")
		b.ReportMetric(child["VmRSS"]/(1<<20), "rss_MiB")
		b.ReportMetric(child["RssAnon"]/(1<<20), "rss_anon_MiB")
		b.ReportMetric(child["RssFile"]/(1<<20), "rss_file_MiB")
		b.ReportMetric(n/drainTime.Seconds(), "drain_records/s")
		b.ReportMetric(float64(after.FileBytes)/(1<<20), "drained_file_MiB")
		b.ReportMetric(float64(after.Compactions), "compactions")
	}
}

// measureOpenInChild opens path in a fresh process, as an agent restarting
// with the backlog waiting, peeks the first batch and reports the time of
// Open and the process's memory.
func measureOpenInChild(b *testing.B, path string) map[string]float64 {
	cmd := helperCommandB(envRSSChild + "=" + path)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v", err)
	}
	res := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		f, _ := strconv.ParseFloat(v, 64)
		res[k] = f
	}
	return res
}

const envRSSChild = "OUTBOX_RSS_CHILD"

func helperCommandB(env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// rssChild is the child of measureOpenInChild.
func rssChild(path string) {
	start := time.Now()
	q, err := Open(path, Options{MaxBytes: 512 << 20})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	openTime := time.Since(start)
	recs, err := q.Peek("predictions", 0, 1000, 256<<10)
	if err != nil || len(recs) == 0 {
		fmt.Fprintln(os.Stderr, "peek:", err)
		os.Exit(2)
	}
	fmt.Printf("open_ms=%f\n", float64(openTime)/float64(time.Millisecond))
	for k, v := range rss() {
		fmt.Printf("%s=%d\n", k, v)
	}
	_ = q.Close()
	os.Exit(0)
}
