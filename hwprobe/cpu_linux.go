package hwprobe

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

func init() { register(cpuCollector{}) }

// cpuCollector reads the processors from /proc/cpuinfo (vendor, model,
// flags; ARM implementer and part ids) and /sys/devices/system/cpu (the
// online, present and possible lists, per-CPU topology, caches and
// cpufreq limits). It also sets Profile.Arch from the shape of cpuinfo when
// the probe did not know it (fixture roots), and the default Effective and
// Usable figures (the online CPUs) that the cgroup collector narrows.
type cpuCollector struct{}

func (cpuCollector) Name() string { return "cpu" }

const sysCPU = "/sys/devices/system/cpu"

func (cpuCollector) Collect(ctx context.Context, env *Env, p *Profile) error {
	r := env.Root
	c := &p.CPU
	if c.Features == nil {
		c.Features = []string{}
	}

	var info cpuInfo
	raw, infoErr := r.ReadFile("/proc/cpuinfo")
	if infoErr == nil {
		info = parseCPUInfo(raw)
	} else if !IsNotExist(infoErr) {
		note(&c.Unknown, "cpuinfo", describe(infoErr))
	}
	sysOK, sysErr := r.Exists(sysCPU)
	if sysErr != nil {
		note(&c.Unknown, "sysfs", describe(sysErr))
	}
	if infoErr != nil && !sysOK {
		switch {
		case !IsNotExist(infoErr):
			return infoErr
		case sysErr != nil:
			return sysErr
		}
		return ErrNotPresent
	}

	flavor := info.flavor()
	if p.Arch == "" {
		p.Arch = flavor.goArch(info)
	}
	fillIdentity(c, info, flavor)

	// Counts: the kernel's lists first, cpuinfo and the cpuN directories
	// when they are missing (fixture trees may hold only cpu0).
	lists := map[string][]int{}
	for _, name := range []string{"online", "present", "possible"} {
		s, err := r.ReadString(sysCPU + "/" + name)
		if err != nil {
			if !IsNotExist(err) {
				note(&c.Unknown, name, describe(err))
			}
			continue
		}
		cpus, err := ParseCPUList(s)
		if err != nil {
			note(&c.Unknown, name, fmt.Sprintf("%s/%s: %v", sysCPU, name, err))
			continue
		}
		lists[name] = cpus
		if name == "online" {
			c.OnlineList = s
		}
	}
	dirs := cpuDirs(r)
	switch {
	case lists["present"] != nil && lists["possible"] != nil:
		c.Logical = len(intersectCPUs(lists["present"], lists["possible"]))
	case lists["present"] != nil:
		c.Logical = len(lists["present"])
	case lists["possible"] != nil:
		c.Logical = len(lists["possible"])
	case len(info.Procs) > 0:
		c.Logical = len(info.Procs)
	default:
		c.Logical = len(dirs)
	}
	switch {
	case lists["online"] != nil:
		c.Online = len(lists["online"])
	case len(info.Procs) > 0:
		c.Online = len(info.Procs)
	default:
		c.Online = c.Logical
	}
	if c.Logical < c.Online {
		c.Logical = c.Online
	}

	topo := readTopology(r, dirs)
	fillCores(c, info, topo, flavor)
	fillFrequencies(c, info, topo)
	c.Caches = topo.caches
	if err := ctx.Err(); err != nil {
		return err
	}

	// Defaults the cgroup collector narrows.
	if c.Effective == 0 {
		c.Effective, c.EffectiveList = c.Online, c.OnlineList
	}
	applyAffinity(env.Root, c)
	if c.Usable == 0 {
		c.Usable = computeUsable(*c)
	}
	if c.Logical == 0 && c.Vendor == "" && len(c.Flags) == 0 {
		if infoErr != nil && !IsNotExist(infoErr) {
			return infoErr
		}
		return ErrNotPresent
	}
	return nil
}

// fillIdentity sets vendor, model, ARM ids, parts, flags and features.
func fillIdentity(c *CPU, info cpuInfo, flavor cpuFlavor) {
	switch flavor {
	case flavorX86:
		c.Vendor = info.first("vendor_id")
		c.Model = info.first("model name")
		c.Flags = strings.Fields(info.first("flags"))
	case flavorARM64, flavorARM:
		c.Implementer = info.first("CPU implementer")
		c.Part = info.first("CPU part")
		if c.Implementer != "" {
			c.Vendor = armVendorName(c.Implementer)
		}
		c.Flags = strings.Fields(info.first("Features"))
		seen := map[string]bool{}
		procs := info.Procs
		if len(procs) == 0 {
			procs = []map[string]string{{}}
		}
		for _, proc := range procs {
			impl, part := info.get(proc, "CPU implementer"), info.get(proc, "CPU part")
			if impl == "" || part == "" {
				continue
			}
			name, _ := armPartName(impl, part)
			if !seen[name] {
				seen[name] = true
				c.Parts = append(c.Parts, name)
			}
		}
		switch {
		case len(c.Parts) > 0:
			c.Model = strings.Join(c.Parts, " + ")
		case info.first("model name") != "":
			c.Model = info.first("model name")
		case info.Global["Processor"] != "":
			c.Model = info.Global["Processor"]
		default:
			c.Model = info.Global["Hardware"]
		}
	case flavorRISCV:
		c.Model = info.first("uarch")
		c.Vendor = info.first("mvendorid")
		c.Flags = strings.Fields(info.first("isa"))
	default:
		c.Model = info.first("model name")
	}
	c.Features = normalizeFeatures(flavor, c.Flags)
}

// cpuInfo is a parsed /proc/cpuinfo: one map per "processor" block, and the
// lines outside any block (arm's Hardware, Revision, Serial, Model; the
// "Processor" line of old arm kernels).
type cpuInfo struct {
	Procs  []map[string]string
	Global map[string]string
}

// maxCPUInfoProcs bounds the processors taken from one cpuinfo.
const maxCPUInfoProcs = 1 << 14

// parseCPUInfo parses /proc/cpuinfo. Any bytes are accepted; lines that are
// not "key : value" are skipped.
func parseCPUInfo(b []byte) cpuInfo {
	info := cpuInfo{Global: map[string]string{}}
	var cur map[string]string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			cur = nil // a blank line ends a processor's block
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			continue
		}
		if k == "processor" {
			if len(info.Procs) >= maxCPUInfoProcs {
				cur = nil
				continue
			}
			cur = map[string]string{k: v}
			info.Procs = append(info.Procs, cur)
			continue
		}
		if cur != nil {
			cur[k] = v
		} else if _, dup := info.Global[k]; !dup {
			info.Global[k] = v
		}
	}
	return info
}

// get returns key of one processor, or the global line of that key (old
// arm kernels print Features and the ids once, after all processors).
func (ci cpuInfo) get(proc map[string]string, key string) string {
	if v, ok := proc[key]; ok {
		return v
	}
	return ci.Global[key]
}

// first returns key of the first processor that has it, else the global line.
func (ci cpuInfo) first(key string) string {
	for _, proc := range ci.Procs {
		if v, ok := proc[key]; ok {
			return v
		}
	}
	return ci.Global[key]
}

// flavor tells the architecture family by the keys cpuinfo uses.
func (ci cpuInfo) flavor() cpuFlavor {
	switch {
	case ci.first("vendor_id") != "" || ci.first("flags") != "" && ci.first("Features") == "":
		return flavorX86
	case ci.first("CPU implementer") != "" || ci.first("CPU architecture") != "" || ci.first("Features") != "":
		arch := ci.first("CPU architecture")
		feats := " " + ci.first("Features") + " "
		has := func(f string) bool { return strings.Contains(feats, " "+f+" ") }
		switch {
		case arch == "8" || strings.HasPrefix(strings.ToLower(arch), "aarch64"):
			if has("asimd") || has("fp") || !has("neon") && !has("vfp") && !has("thumb") && !has("half") {
				return flavorARM64
			}
			return flavorARM // a 32-bit view of an ARMv8 core
		case arch != "":
			return flavorARM
		case has("asimd"):
			return flavorARM64
		}
		return flavorARM
	case strings.HasPrefix(ci.first("isa"), "rv"):
		return flavorRISCV
	}
	return flavorUnknown
}

// goArch names the Go architecture a cpuinfo of this flavor describes.
func (f cpuFlavor) goArch(ci cpuInfo) string {
	switch f {
	case flavorX86:
		for _, fl := range strings.Fields(ci.first("flags")) {
			if fl == "lm" {
				return "amd64"
			}
		}
		return "386"
	case flavorARM64:
		return "arm64"
	case flavorARM:
		return "arm"
	case flavorRISCV:
		if strings.HasPrefix(ci.first("isa"), "rv64") {
			return "riscv64"
		}
	}
	return ""
}

// cpuDirs lists the cpuN directories of /sys/devices/system/cpu, in
// numeric order.
func cpuDirs(r *Root) []int {
	names, err := r.ReadDir(sysCPU)
	if err != nil {
		return nil
	}
	var out []int
	for _, n := range names {
		if !strings.HasPrefix(n, "cpu") {
			continue
		}
		id, err := strconv.Atoi(n[3:])
		if err != nil || id < 0 || strconv.Itoa(id) != n[3:] {
			continue
		}
		out = append(out, id)
	}
	sort.Ints(out)
	return out
}

// cpuTopology is what the cpuN directories hold.
type cpuTopology struct {
	packages  map[string]bool // physical_package_id values
	siblings  map[string]bool // thread_siblings_list values: one per core
	cpus      int             // cpuN directories with a topology
	cpu0Sibs  int             // CPUs in cpu0's thread_siblings_list
	cpu0Pkg   int             // CPUs in cpu0's package_cpus_list / core_siblings_list
	minKHz    int64
	maxKHz    int64
	curKHzSum int64
	curN      int64
	caches    []Cache
}

// readTopology reads the topology, cpufreq and cache files of the cpuN
// directories.
func readTopology(r *Root, dirs []int) cpuTopology {
	t := cpuTopology{packages: map[string]bool{}, siblings: map[string]bool{}}
	type cacheKey struct {
		level int
		typ   string
		size  int64
		width int
	}
	seenCache := map[cacheKey]bool{}
	for i, id := range dirs {
		dir := cpuDir(id)
		if s, err := r.ReadString(dir + "/topology/thread_siblings_list"); err == nil {
			if s == "" {
				s = strconv.Itoa(id)
			}
			t.siblings[s] = true
			t.cpus++
			if i == 0 {
				if l, err := ParseCPUList(s); err == nil {
					t.cpu0Sibs = len(l)
				}
			}
		} else if s, err := r.ReadString(dir + "/topology/core_cpus_list"); err == nil {
			t.siblings[s] = true
			t.cpus++
		}
		if s, err := r.ReadString(dir + "/topology/physical_package_id"); err == nil && !strings.HasPrefix(s, "-") {
			t.packages[s] = true
		}
		if i == 0 {
			for _, f := range []string{"package_cpus_list", "core_siblings_list"} {
				if s, err := r.ReadString(dir + "/topology/" + f); err == nil {
					if l, err := ParseCPUList(s); err == nil {
						t.cpu0Pkg = len(l)
						break
					}
				}
			}
		}
		if v, err := r.ReadInt(dir + "/cpufreq/cpuinfo_min_freq"); err == nil && v > 0 && (t.minKHz == 0 || v < t.minKHz) {
			t.minKHz = v
		}
		if v, err := r.ReadInt(dir + "/cpufreq/cpuinfo_max_freq"); err == nil && v > t.maxKHz {
			t.maxKHz = v
		}
		if v, err := r.ReadInt(dir + "/cpufreq/scaling_cur_freq"); err == nil && v > 0 && v < 1<<40 {
			t.curKHzSum += v
			t.curN++
		}
		idx, err := r.Glob(dir + "/cache/index*")
		if err != nil {
			continue
		}
		for _, ix := range idx {
			lv, err := r.ReadInt(ix + "/level")
			if err != nil || lv < 0 || lv > 16 {
				continue
			}
			typ, _ := r.ReadString(ix + "/type")
			sz, _ := r.ReadString(ix + "/size")
			shared, _ := r.ReadString(ix + "/shared_cpu_list")
			size := parseCacheSize(sz)
			width := 0
			if l, err := ParseCPUList(shared); err == nil {
				width = len(l)
			}
			k := cacheKey{int(lv), typ, size, width}
			if seenCache[k] {
				continue
			}
			seenCache[k] = true
			t.caches = append(t.caches, Cache{Level: int(lv), Type: typ, SizeBytes: size, SharedWith: shared})
		}
	}
	sort.SliceStable(t.caches, func(i, j int) bool {
		a, b := t.caches[i], t.caches[j]
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.SizeBytes < b.SizeBytes
	})
	return t
}

// fillCores sets Physical and Sockets from cpuinfo (x86's physical id and
// core id) or the topology directories. ARM cores without topology count
// one core per CPU: the cores of ARM boards do not run two threads.
func fillCores(c *CPU, info cpuInfo, t cpuTopology, flavor cpuFlavor) {
	cores, sockets := map[string]bool{}, map[string]bool{}
	for _, proc := range info.Procs {
		pid, okP := proc["physical id"]
		cid, okC := proc["core id"]
		if okP {
			sockets[pid] = true
		}
		if okP && okC {
			cores[pid+"/"+cid] = true
		}
	}
	complete := t.cpus > 0 && t.cpus >= c.Logical
	switch {
	case len(cores) > 0:
		c.Physical = len(cores)
	case complete:
		c.Physical = len(t.siblings)
	case t.cpu0Sibs > 0 && c.Logical > 0:
		c.Physical = max(c.Logical/t.cpu0Sibs, 1) // cpu0 stands for all cores
	case flavor == flavorARM || flavor == flavorARM64:
		c.Physical = c.Logical
	}
	switch {
	case len(sockets) > 0:
		c.Sockets = len(sockets)
	case complete && len(t.packages) > 0:
		c.Sockets = len(t.packages)
	case t.cpu0Pkg > 0 && t.cpu0Pkg >= c.Logical:
		c.Sockets = 1
	}
}

// fillFrequencies sets the MHz figures from cpufreq, or the current one from
// cpuinfo's "cpu MHz" lines (x86 without cpufreq, such as VMs).
func fillFrequencies(c *CPU, info cpuInfo, t cpuTopology) {
	c.MinMHz = float64(t.minKHz) / 1000
	c.MaxMHz = float64(t.maxKHz) / 1000
	if t.curN > 0 {
		c.CurMHz = roundMHz(float64(t.curKHzSum) / float64(t.curN) / 1000)
		return
	}
	var sum float64
	var n int
	for _, proc := range info.Procs {
		if v, err := strconv.ParseFloat(proc["cpu MHz"], 64); err == nil && v > 0 && v < 1e7 {
			sum += v
			n++
		}
	}
	if n > 0 {
		c.CurMHz = roundMHz(sum / float64(n))
	}
}

func roundMHz(v float64) float64 {
	return float64(int64(v*1000+0.5)) / 1000
}

// parseCacheSize parses a sysfs size such as "48K", "2048K", "1M" or "512".
func parseCacheSize(s string) int64 {
	s = strings.TrimSpace(s)
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K', 'k':
			mult, s = 1<<10, s[:n-1]
		case 'M', 'm':
			mult, s = 1<<20, s[:n-1]
		case 'G', 'g':
			mult, s = 1<<30, s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > (1<<62)/mult {
		return 0
	}
	return v * mult
}

// intersectCPUs returns the numbers in both sorted lists.
func intersectCPUs(a, b []int) []int {
	in := make(map[int]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	var out []int
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

// cpuDir is the sysfs directory of one CPU.
func cpuDir(id int) string { return path.Join(sysCPU, "cpu"+strconv.Itoa(id)) }
