package hwprobe

import (
	"math"
	"strings"
	"testing"
)

func TestMemoryFixtures(t *testing.T) {
	for _, c := range []struct {
		fixture          string
		total, available int64 // kB, from the fixture's /proc/meminfo
	}{
		{"x86-h100-vm", 131981020, 131490980},
		{"x86-epyc-2core-vm", 24683620, 24468440},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			p := probeTree(t, fixture(t, c.fixture), "cgroup", "memory")
			checkState(t, p, "memory", Present)
			m := p.Memory
			if m.TotalBytes != c.total<<10 || m.AvailableBytes != c.available<<10 || m.SwapTotalBytes != 0 {
				t.Errorf("total %d available %d swap %d", m.TotalBytes, m.AvailableBytes, m.SwapTotalBytes)
			}
			if m.CgroupLimitBytes != 0 || m.UsableBytes != m.AvailableBytes {
				t.Errorf("cgroup limit %d usable %d: no memory limit in the fixture", m.CgroupLimitBytes, m.UsableBytes)
			}
		})
	}
}

func TestMemorySyntheticOldKernelWithoutMemAvailable(t *testing.T) {
	p := probeTree(t, tree(t, map[string]string{
		"/proc/meminfo": "MemTotal:        1000000 kB\nMemFree:          200000 kB\nBuffers:           10000 kB\nCached:           300000 kB\nSwapTotal:        512000 kB\nHugePages_Total:       0\n",
	}), "memory")
	checkState(t, p, "memory", Present)
	m := p.Memory
	if m.TotalBytes != 1000000<<10 || m.AvailableBytes != 510000<<10 || m.SwapTotalBytes != 512000<<10 || m.UsableBytes != m.AvailableBytes {
		t.Errorf("%+v", m)
	}
}

func TestMemorySyntheticCgroupLimitBelowAvailable(t *testing.T) {
	files := cgroupV2Files()
	files["/sys/fs/cgroup/app.slice/agent.service/memory.current"] = "600000000\n" // above the limit: nothing left
	p := probeTree(t, tree(t, files), "cgroup", "memory")
	if m := p.Memory; m.CgroupLimitBytes != 512<<20 || m.UsableBytes != 0 {
		t.Errorf("limit %d usable %d, want 0 left", m.CgroupLimitBytes, m.UsableBytes)
	}
	if got := usableMemory(Memory{AvailableBytes: 100, CgroupLimitBytes: 1000, CgroupUsageBytes: 10}); got != 100 {
		t.Errorf("usableMemory = %d, want the available 100", got)
	}
}

func TestMemorySyntheticUnreadableAndBroken(t *testing.T) {
	root := tree(t, map[string]string{"/proc/meminfo": "MemTotal: 1 kB\n"})
	unreadableAt(t, root, "/proc/meminfo")
	c := checkState(t, probeTree(t, root, "memory"), "memory", Unknown)
	if !strings.Contains(c.Reason, "/proc/meminfo") {
		t.Errorf("reason %q does not name /proc/meminfo", c.Reason)
	}
	c = checkState(t, probeTree(t, tree(t, map[string]string{"/proc/meminfo": "garbage\n"}), "memory"), "memory", Unknown)
	if !strings.Contains(c.Reason, "MemTotal") {
		t.Errorf("reason %q does not say MemTotal is missing", c.Reason)
	}
	checkState(t, probeTree(t, tree(t, map[string]string{"/proc/version": "Linux"}), "memory"), "memory", Absent)
}

func TestParseMeminfo(t *testing.T) {
	m := parseMeminfo([]byte("MemTotal:  2 kB\nHugePages_Total:   7\nBad: x kB\nHuge: 99999999999999999 kB\nOdd: 5 parsecs\n: 3 kB\nMemFree: -4 kB\n"))
	if m["MemTotal"] != 2048 || m["HugePages_Total"] != 7 || m["Huge"] != math.MaxInt64 {
		t.Errorf("%v", m)
	}
	for _, k := range []string{"Bad", "Odd", "", "MemFree"} {
		if _, ok := m[k]; ok {
			t.Errorf("malformed line %q kept: %v", k, m)
		}
	}
}

func FuzzMeminfo(f *testing.F) {
	f.Add([]byte("MemTotal:       131981020 kB\nMemFree:        130740400 kB\nMemAvailable:   131490980 kB\n"))
	f.Add([]byte("MemTotal: 9223372036854775807 kB\nMemFree: 9223372036854775807 kB\nBuffers: 9223372036854775807 kB\n"))
	f.Add([]byte(":\n::: kB\n\xff: 1 gB"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m := parseMeminfo(b)
		for k, v := range m {
			if v < 0 {
				t.Fatalf("%s = %d", k, v)
			}
		}
		mem := Memory{TotalBytes: m["MemTotal"], AvailableBytes: addSat(addSat(m["MemFree"], m["Buffers"]), m["Cached"]), CgroupLimitBytes: m["Limit"], CgroupUsageBytes: m["Usage"]}
		if u := usableMemory(mem); u < 0 {
			t.Fatalf("usable %d", u)
		}
	})
}
