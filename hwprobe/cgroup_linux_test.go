package hwprobe

import (
	"maps"
	"strings"
	"testing"
)

// cgroupV2Files is a synthetic cgroup v2 system: 8 CPUs, the process in
// /app.slice/agent.service with cpuset 0-2, cpu.max 1.5 CPUs and 512 MiB.
func cgroupV2Files() map[string]string {
	const cg = "/sys/fs/cgroup/app.slice/agent.service"
	return map[string]string{
		"/proc/cpuinfo":                    "processor\t: 0\n",
		"/sys/devices/system/cpu/online":   "0-7\n",
		"/sys/devices/system/cpu/present":  "0-7\n",
		"/sys/devices/system/cpu/possible": "0-7\n",
		"/proc/meminfo":                    "MemTotal:        8000000 kB\nMemAvailable:    6000000 kB\n",
		"/proc/self/cgroup":                "0::/app.slice/agent.service\n",
		"/proc/self/mountinfo": "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n" +
			"30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
		"/sys/fs/cgroup/cgroup.controllers":           "cpuset cpu io memory hugetlb pids rdma misc\n",
		"/sys/fs/cgroup/cpuset.cpus.effective":        "0-7\n",
		"/sys/fs/cgroup/app.slice/cpu.max":            "max 100000\n",
		"/sys/fs/cgroup/app.slice/memory.max":         "1073741824\n",
		cg + "/cpuset.cpus.effective":                 "0-2\n",
		cg + "/cpu.max":                               "150000 100000\n",
		cg + "/memory.max":                            "536870912\n",
		cg + "/memory.current":                        "104857600\n",
		"/sys/fs/cgroup/app.slice/cgroup.controllers": "cpuset cpu memory\n",
	}
}

func TestCgroupSyntheticV2(t *testing.T) {
	p := probeTree(t, tree(t, cgroupV2Files()), "cpu", "cgroup", "memory")
	checkState(t, p, "cgroup", Present)
	c := p.CPU
	if c.EffectiveList != "0-2" || c.Effective != 3 {
		t.Errorf("effective %q (%d), want 0-2 (3)", c.EffectiveList, c.Effective)
	}
	if c.QuotaCPUs != 1.5 {
		t.Errorf("QuotaCPUs = %v, want 1.5", c.QuotaCPUs)
	}
	if c.Usable != 2 || UsableCPUs(p) != 2 {
		t.Errorf("Usable %d UsableCPUs %d, want 2 = min(3, ceil(1.5))", c.Usable, UsableCPUs(p))
	}
	if c.Online != 8 {
		t.Errorf("Online = %d: the host's CPUs stay the host's", c.Online)
	}
	m := p.Memory
	if m.CgroupLimitBytes != 512<<20 || m.CgroupUsageBytes != 100<<20 {
		t.Errorf("cgroup memory limit %d usage %d", m.CgroupLimitBytes, m.CgroupUsageBytes)
	}
	if m.UsableBytes != 412<<20 {
		t.Errorf("UsableBytes = %d, want limit - usage = %d", m.UsableBytes, 412<<20)
	}
	if len(c.Unknown)+len(m.Unknown) != 0 {
		t.Errorf("unknown: %v %v", c.Unknown, m.Unknown)
	}
}

func TestCgroupSyntheticV2TightestAncestor(t *testing.T) {
	files := cgroupV2Files()
	files["/sys/fs/cgroup/app.slice/memory.max"] = "268435456\n"
	files["/sys/fs/cgroup/app.slice/cpu.max"] = "50000 100000\n"
	p := probeTree(t, tree(t, files), "cpu", "cgroup", "memory")
	if p.Memory.CgroupLimitBytes != 256<<20 {
		t.Errorf("limit %d, want the parent's 256 MiB", p.Memory.CgroupLimitBytes)
	}
	if p.CPU.QuotaCPUs != 0.5 || p.CPU.Usable != 1 {
		t.Errorf("quota %v usable %d, want the parent's 0.5 and 1", p.CPU.QuotaCPUs, p.CPU.Usable)
	}
}

func TestCgroupSyntheticV2Unlimited(t *testing.T) {
	files := cgroupV2Files()
	const cg = "/sys/fs/cgroup/app.slice/agent.service"
	files[cg+"/cpu.max"] = "max 100000\n"
	files[cg+"/memory.max"] = "max\n"
	files["/sys/fs/cgroup/app.slice/memory.max"] = "max\n"
	files[cg+"/cpuset.cpus.effective"] = "0-7\n"
	p := probeTree(t, tree(t, files), "cpu", "cgroup", "memory")
	checkState(t, p, "cgroup", Present)
	if c := p.CPU; c.QuotaCPUs != 0 || c.Usable != 8 || c.Effective != 8 {
		t.Errorf("quota %v usable %d effective %d", c.QuotaCPUs, c.Usable, c.Effective)
	}
	if m := p.Memory; m.CgroupLimitBytes != 0 || m.UsableBytes != 6000000<<10 {
		t.Errorf("limit %d usable %d", m.CgroupLimitBytes, m.UsableBytes)
	}
}

// The shared x86-h100-vm fixture's shape: /proc/self/cgroup names a cgroup
// whose directory the namespaced /sys/fs/cgroup does not show.
func TestCgroupSyntheticV2NamespacedView(t *testing.T) {
	p := probeTree(t, tree(t, map[string]string{
		"/proc/self/cgroup":                    "0::/process_api/af852c5c\n",
		"/proc/mounts":                         "proc /proc proc rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n",
		"/sys/fs/cgroup/cpuset.cpus.effective": "0-15\n",
		"/sys/fs/cgroup/cpu.max":               "400000 100000\n",
	}), "cgroup")
	checkState(t, p, "cgroup", Present)
	if c := p.CPU; c.EffectiveList != "0-15" || c.Effective != 16 || c.QuotaCPUs != 4 || c.Usable != 4 {
		t.Errorf("effective %q (%d) quota %v usable %d", c.EffectiveList, c.Effective, c.QuotaCPUs, c.Usable)
	}
}

func TestCgroupSyntheticV1(t *testing.T) {
	for _, c := range []struct {
		name, mountRoot string
		dir             string // where the cgroup's files are, under each mount
	}{
		{"host view", "/", "/docker/abc"},
		// A container without a cgroup namespace sees its parent's cgroup
		// mounted: /proc/self/cgroup's path is relative to the mount's root.
		{"mount of a parent cgroup", "/docker", "/abc"},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{
				"/sys/devices/system/cpu/online": "0-7\n",
				"/proc/meminfo":                  "MemTotal:        8000000 kB\nMemFree:  1000 kB\nMemAvailable:    6000000 kB\n",
				"/proc/self/cgroup": "12:pids:/docker/abc\n4:memory:/docker/abc\n3:cpuset:/docker/abc\n" +
					"2:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/system.slice/docker.service\n",
				"/proc/self/mountinfo": "25 19 0:22 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n" +
					"28 25 0:25 " + c.mountRoot + " /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n" +
					"29 25 0:26 " + c.mountRoot + " /sys/fs/cgroup/cpuset rw,relatime shared:10 - cgroup cgroup rw,cpuset\n" +
					"30 25 0:27 " + c.mountRoot + " /sys/fs/cgroup/memory rw,relatime shared:11 - cgroup cgroup rw,memory\n" +
					"31 25 0:28 / /sys/fs/cgroup/unified rw,relatime shared:12 - cgroup2 cgroup2 rw\n",
				"/sys/fs/cgroup/unified/cgroup.controllers":                 "\n",
				"/sys/fs/cgroup/cpu,cpuacct" + c.dir + "/cpu.cfs_quota_us":  "250000\n",
				"/sys/fs/cgroup/cpu,cpuacct" + c.dir + "/cpu.cfs_period_us": "100000\n",
				"/sys/fs/cgroup/cpuset" + c.dir + "/cpuset.effective_cpus":  "4-7\n",
				"/sys/fs/cgroup/cpuset" + c.dir + "/cpuset.cpus":            "4-7\n",
				"/sys/fs/cgroup/memory" + c.dir + "/memory.limit_in_bytes":  "2147483648\n",
				"/sys/fs/cgroup/memory" + c.dir + "/memory.usage_in_bytes":  "1073741824\n",
			}
			{ // the mount's own cgroup: unlimited
				files["/sys/fs/cgroup/memory/memory.limit_in_bytes"] = "9223372036854771712\n"
				files["/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"] = "-1\n"
				files["/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"] = "100000\n"
			}
			p := probeTree(t, tree(t, files), "cpu", "cgroup", "memory")
			checkState(t, p, "cgroup", Present)
			cpu := p.CPU
			if cpu.EffectiveList != "4-7" || cpu.Effective != 4 || cpu.QuotaCPUs != 2.5 || cpu.Usable != 3 || UsableCPUs(p) != 3 {
				t.Errorf("effective %q (%d) quota %v usable %d", cpu.EffectiveList, cpu.Effective, cpu.QuotaCPUs, cpu.Usable)
			}
			if m := p.Memory; m.CgroupLimitBytes != 2<<30 || m.CgroupUsageBytes != 1<<30 || m.UsableBytes != 1<<30 {
				t.Errorf("memory limit %d usage %d usable %d", m.CgroupLimitBytes, m.CgroupUsageBytes, m.UsableBytes)
			}
		})
	}
}

func TestCgroupSyntheticV1Unlimited(t *testing.T) {
	p := probeTree(t, tree(t, map[string]string{
		"/sys/devices/system/cpu/online":               "0-3\n",
		"/proc/self/cgroup":                            "4:memory:/\n3:cpuset:/\n1:cpu,cpuacct:/\n",
		"/proc/mounts":                                 "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\ncgroup /sys/fs/cgroup/cpuset cgroup rw,cpuset 0 0\n",
		"/sys/fs/cgroup/memory/memory.limit_in_bytes":  "9223372036854771712\n",
		"/sys/fs/cgroup/memory/memory.usage_in_bytes":  "190599168\n",
		"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us":  "-1\n",
		"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
		"/sys/fs/cgroup/cpuset/cpuset.effective_cpus":  "0-3\n",
	}), "cpu", "cgroup")
	checkState(t, p, "cgroup", Present)
	if p.Memory.CgroupLimitBytes != 0 || p.Memory.CgroupUsageBytes != 190599168 || p.CPU.QuotaCPUs != 0 || p.CPU.Usable != 4 {
		t.Errorf("limit %d usage %d quota %v usable %d", p.Memory.CgroupLimitBytes, p.Memory.CgroupUsageBytes, p.CPU.QuotaCPUs, p.CPU.Usable)
	}
}

func TestCgroupSyntheticUnreadable(t *testing.T) {
	const cg = "/sys/fs/cgroup/app.slice/agent.service"
	root := tree(t, cgroupV2Files())
	unreadableAt(t, root, cg+"/cpu.max")
	unreadableAt(t, root, cg+"/memory.max")
	p := probeTree(t, root, "cpu", "cgroup", "memory")
	checkState(t, p, "cgroup", Present) // the cpuset and usage were read
	if r := p.CPU.Unknown["cgroup_quota"]; !strings.Contains(r, cg+"/cpu.max") {
		t.Errorf("Unknown[cgroup_quota] = %q, want a reason naming cpu.max", r)
	}
	if r := p.Memory.Unknown["cgroup_limit"]; !strings.Contains(r, cg+"/memory.max") {
		t.Errorf("Unknown[cgroup_limit] = %q, want a reason naming memory.max", r)
	}
	if p.CPU.Effective != 3 || p.CPU.QuotaCPUs != 0 || p.CPU.Usable != 3 {
		t.Errorf("effective %d quota %v usable %d", p.CPU.Effective, p.CPU.QuotaCPUs, p.CPU.Usable)
	}

	// Nothing readable: unknown, with the reason.
	root = tree(t, cgroupV2Files())
	for _, f := range []string{"/cpuset.cpus.effective", "/cpu.max", "/memory.max", "/memory.current"} {
		unreadableAt(t, root, cg+f)
	}
	unreadableAt(t, root, "/sys/fs/cgroup/cpuset.cpus.effective")
	chk := checkState(t, probeTree(t, root, "cgroup"), "cgroup", Unknown)
	if !strings.Contains(chk.Reason, "/sys/fs/cgroup/") {
		t.Errorf("reason %q names no cgroup file", chk.Reason)
	}

	// /proc/self/cgroup itself unreadable.
	root = tree(t, cgroupV2Files())
	unreadableAt(t, root, "/proc/self/cgroup")
	chk = checkState(t, probeTree(t, root, "cgroup"), "cgroup", Unknown)
	if !strings.Contains(chk.Reason, "/proc/self/cgroup") {
		t.Errorf("reason %q does not name /proc/self/cgroup", chk.Reason)
	}
}

func TestCgroupSyntheticAbsent(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"no cgroup files":      {"/sys/devices/system/cpu/online": "0-3\n"},
		"mounts but no dirs":   {"/sys/devices/system/cpu/online": "0-3\n", "/proc/self/cgroup": "0::/\n", "/proc/mounts": "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"},
		"membership, no mount": {"/sys/devices/system/cpu/online": "0-3\n", "/proc/self/cgroup": "0::/x\n"},
	} {
		t.Run(name, func(t *testing.T) {
			p := probeTree(t, tree(t, maps.Clone(files)), "cpu", "cgroup")
			checkState(t, p, "cgroup", Absent)
			if p.CPU.Usable != 4 || UsableCPUs(p) != 4 {
				t.Errorf("usable %d, want the 4 online CPUs", p.CPU.Usable)
			}
		})
	}
}

func TestCgroupParsers(t *testing.T) {
	for _, c := range []struct {
		in      string
		q       float64
		limited bool
		ok      bool
	}{
		{"max 100000", 0, false, true}, {"150000 100000", 1.5, true, true}, {"200000 100000\n", 2, true, true},
		{"max", 0, false, true}, {"50000", 0.5, true, true}, {"", 0, false, false}, {"0 100000", 0, false, false},
		{"100000 0", 0, false, false}, {"-5 100000", 0, false, false}, {"a b", 0, false, false}, {"1 2 3", 0, false, false},
	} {
		q, lim, err := parseCPUMax(c.in)
		if q != c.q || lim != c.limited || (err == nil) != c.ok {
			t.Errorf("parseCPUMax(%q) = %v, %v, %v", c.in, q, lim, err)
		}
	}
	for _, c := range []struct {
		in      string
		v       int64
		limited bool
		ok      bool
	}{
		{"max", 0, false, true}, {"536870912", 512 << 20, true, true}, {"9223372036854771712", 0, false, true},
		{"18446744073709551615", 0, false, true}, {"x", 0, false, false}, {"", 0, false, false},
	} {
		v, lim, err := parseMemoryLimit(c.in)
		if v != c.v || lim != c.limited || (err == nil) != c.ok {
			t.Errorf("parseMemoryLimit(%q) = %v, %v, %v", c.in, v, lim, err)
		}
	}
	if q, lim, err := parseCFSQuota("-1", "100000"); q != 0 || lim || err != nil {
		t.Errorf("parseCFSQuota(-1) = %v %v %v", q, lim, err)
	}
	if q, lim, err := parseCFSQuota("250000\n", "100000\n"); q != 2.5 || !lim || err != nil {
		t.Errorf("parseCFSQuota(250000) = %v %v %v", q, lim, err)
	}
	lines := parseProcCgroup([]byte("12:pids:/a\n2:cpu,cpuacct:/b:c\n0::/user.slice\nbroken\n3:x:relative\n"))
	if len(lines) != 3 || lines[1].Path != "/b:c" || len(lines[1].Controllers) != 2 || lines[2].ID != "0" || lines[2].Controllers != nil {
		t.Errorf("parseProcCgroup = %+v", lines)
	}
	mi := parseMountInfo([]byte("31 25 0:28 /a\\040b /sys/fs/cgroup/my\\040cg rw shared:1 master:2 - cgroup cgroup rw,cpu,cpuacct\n40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n1 2 3 - \n"))
	if len(mi) != 2 || mi[0].Point != "/sys/fs/cgroup/my cg" || mi[0].Root != "/a b" || !mi[0].Controllers["cpuacct"] || !mi[1].V2 {
		t.Errorf("parseMountInfo = %+v", mi)
	}
}

func FuzzCgroupFiles(f *testing.F) {
	f.Add("150000 100000", "0-2,4", []byte("0::/app.slice\n4:memory:/docker/x\n"), []byte("30 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"), "536870912")
	f.Add("max", "", []byte("::\n:::\n"), []byte("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"), "max")
	f.Add("0", "0", []byte("0::/"), []byte(""), "0")
	f.Add("-1 0", "4-", []byte("\x00:\xff:/"), []byte("1 2 3 4 5 6 - \\\\999 \\04"), "99999999999999999999")
	f.Fuzz(func(t *testing.T, cpuMax, cpuset string, procCgroup, mounts []byte, memMax string) {
		if q, lim, err := parseCPUMax(cpuMax); err == nil && lim && !(q > 0) {
			t.Fatalf("parseCPUMax(%q) = %v limited", cpuMax, q)
		}
		parseCFSQuota(cpuMax, cpuset)
		if v, lim, err := parseMemoryLimit(memMax); err == nil && lim && v <= 0 {
			t.Fatalf("parseMemoryLimit(%q) = %v limited", memMax, v)
		}
		ParseCPUList(cpuset)
		for _, l := range parseProcCgroup(procCgroup) {
			if !strings.HasPrefix(l.Path, "/") {
				t.Fatalf("relative cgroup path %q", l.Path)
			}
		}
		parseMountInfo(mounts)
		parseMounts(mounts)
		unescapeMount(string(mounts))
		if n := computeUsable(CPU{Effective: len(cpuset), QuotaCPUs: float64(len(cpuMax)) / 3}); len(cpuset) > 0 && n < 1 {
			t.Fatalf("computeUsable < 1")
		}
	})
}
