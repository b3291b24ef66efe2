package live_test

import (
	"context"
	"testing"

	"github.com/edge-agent/edge-agent/hwprobe/live"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

func TestSampleThisMachine(t *testing.T) {
	s, err := live.NewSampler("")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	busy := 0
	for i := 0; i < 2e7; i++ { // some CPU time for the process figures
		busy += i & 3
	}
	got, err := s.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.MemTotalBytes == 0 || got.MemAvailableBytes == 0 || got.MemAvailableBytes > got.MemTotalBytes {
		t.Errorf("memory: total %d, available %d", got.MemTotalBytes, got.MemAvailableBytes)
	}
	if got.ProcessRSSBytes == 0 {
		t.Errorf("process RSS is 0 (%v)", got.Unavailable)
	}
	if got.CPUPercent < 0 || got.CPUPercent > 100 {
		t.Errorf("CPU percent %v out of range", got.CPUPercent)
	}
	t.Logf("cpu %.1f%%, load %.2f, mem used %.1f%%, process cpu %.1f%% rss %d, temps %v, unavailable %v (busy %d)",
		got.CPUPercent, got.Load1, got.MemUsedPercent, got.ProcessCPUPercent, got.ProcessRSSBytes, got.Temperatures, got.Unavailable, busy)
}

func TestSampleFixtureRoot(t *testing.T) {
	root := testenv.Shared(t, "fixtures", "hwprobe", "x86-h100-vm")
	s, err := live.NewSampler(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's /proc/meminfo: MemTotal 131981020 kB, MemAvailable 131490980 kB.
	if got.MemTotalBytes != 131981020*1024 || got.MemAvailableBytes != 131490980*1024 {
		t.Errorf("memory from the fixture: total %d, available %d", got.MemTotalBytes, got.MemAvailableBytes)
	}
	if got.ProcessRSSBytes != 0 {
		t.Errorf("a fixture root has no own process, got RSS %d", got.ProcessRSSBytes)
	}
}

func TestCancelledContext(t *testing.T) {
	s, err := live.NewSampler("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sample(ctx); err == nil {
		t.Fatal("Sample with a cancelled context succeeded")
	}
}
