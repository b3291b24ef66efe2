package main

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/procmem"
)

// BenchmarkRunDemo starts the real daemon on configs/demo.yaml (no MQTT,
// a fresh data dir each time) and measures the time from exec to READY=1
// on a fake systemd socket, the RSS at READY, and the RSS after 3 s of
// predictions (first run only). `make bench-agent` runs it.
func BenchmarkRunDemo(b *testing.B) {
	bin := buildBinary(b)
	cfg, err := filepath.Abs("../../configs/demo.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var ready time.Duration
	var rssReady int64
	var steady procmem.Usage
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		ns := newNotifySocket(b)
		start := time.Now()
		a := startAgent(b, bin, []string{"NOTIFY_SOCKET=" + ns.path}, "--config", cfg,
			"--set", "data_dir="+dir, "--set", "socket.path="+filepath.Join(dir, "agent.sock"), "--set", "mqtt.broker=")
		for ns.count("READY=1") == 0 {
			if time.Since(start) > time.Minute {
				b.Fatal("no READY=1 within a minute")
			}
			time.Sleep(time.Millisecond)
		}
		ready += time.Since(start)
		r, err := procmem.ReadPID(a.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		rssReady += r.RSS
		if i == 0 {
			time.Sleep(3 * time.Second)
			if steady, err = procmem.ReadPID(a.cmd.Process.Pid); err != nil {
				b.Fatal(err)
			}
		}
		a.cmd.Process.Signal(syscall.SIGTERM)
		if err := a.wait(b); err != nil {
			b.Fatalf("exit after SIGTERM: %v", err)
		}
	}
	b.ReportMetric(float64(ready.Microseconds())/1000/float64(b.N), "ms-to-ready")
	b.ReportMetric(float64(rssReady)/float64(b.N)/(1<<20), "MiB-rss-at-ready")
	b.ReportMetric(float64(steady.RSS)/(1<<20), "MiB-rss-after-3s")
	b.ReportMetric(float64(steady.Anon)/(1<<20), "MiB-anon-after-3s")
	b.ReportMetric(float64(steady.Peak)/(1<<20), "MiB-peak-after-3s")
	b.ReportMetric(0, "ns/op")
}
