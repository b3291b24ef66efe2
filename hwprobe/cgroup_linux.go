package hwprobe

import (
	"context"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func init() { register(cgroupCollector{}) }

// cgroupCollector reads the limits of the cgroup this process runs in: the
// CPUs it may use (cgroup v2 cpuset.cpus.effective, v1
// cpuset.effective_cpus or cpuset.cpus), its CPU quota (v2 cpu.max, v1
// cpu.cfs_quota_us / cpu.cfs_period_us) and its memory limit and usage
// (v2 memory.max / memory.current, v1 memory.limit_in_bytes /
// memory.usage_in_bytes).
//
// The process's cgroup comes from /proc/self/cgroup, the hierarchies'
// mount points from /proc/self/mountinfo (or /proc/mounts). On hybrid
// systems a controller mounted as v1 is read there, the others from the v2
// hierarchy. When the cgroup's directory is not visible under the mount (a
// container's namespaced view), the nearest existing ancestor is read.
// Quotas and memory limits are the tightest along the path up to the mount
// root, as the kernel enforces them.
//
// It sets CPU.EffectiveList, Effective, QuotaCPUs and Usable, and
// Memory.CgroupLimitBytes and CgroupUsageBytes. No cgroup hierarchy at all
// is ErrNotPresent; Usable then stays the online CPUs.
type cgroupCollector struct{}

func (cgroupCollector) Name() string { return "cgroup" }

func (cgroupCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	c := &p.CPU
	defer func() {
		applyAffinity(r, c)
		c.Usable = computeUsable(*c)
	}()

	var lines []cgroupLine
	if b, err := r.ReadFile("/proc/self/cgroup"); err == nil {
		lines = parseProcCgroup(b)
	} else if !IsNotExist(err) {
		return fmt.Errorf("cgroup membership: %w", err)
	}
	mounts, err := cgroupMounts(r)
	if err != nil {
		return err
	}
	if len(mounts) == 0 {
		return ErrNotPresent
	}

	found := false
	var firstErr error
	fail := func(m *map[string]string, field string, err error) {
		note(m, field, describe(err))
		if firstErr == nil {
			firstErr = err
		}
	}
	read := 0 // values read

	// CPUs.
	if d, ok := locateCgroup(r, lines, mounts, "cpuset"); ok {
		found = true
		files := []string{"cpuset.effective_cpus", "cpuset.cpus"}
		if d.v2 {
			files = []string{"cpuset.cpus.effective"}
		}
		if s, err := d.firstFile(r, files...); err != nil {
			fail(&c.Unknown, "cgroup_cpuset", err)
		} else if s != "" {
			if cpus, err := ParseCPUList(s); err != nil {
				fail(&c.Unknown, "cgroup_cpuset", err)
			} else if len(cpus) > 0 {
				c.EffectiveList, c.Effective = s, len(cpus)
				read++
			}
		}
	}
	// Quota.
	if d, ok := locateCgroup(r, lines, mounts, "cpu"); ok {
		found = true
		q, err := d.quota(r)
		if err != nil {
			fail(&c.Unknown, "cgroup_quota", err)
		} else {
			read++
			c.QuotaCPUs = q
		}
	}
	// Memory.
	if d, ok := locateCgroup(r, lines, mounts, "memory"); ok {
		found = true
		limitFile, usageFile := "memory.limit_in_bytes", "memory.usage_in_bytes"
		if d.v2 {
			limitFile, usageFile = "memory.max", "memory.current"
		}
		limit, err := tightest(r, d, limitFile, parseMemoryLimit)
		if err != nil {
			fail(&p.Memory.Unknown, "cgroup_limit", err)
		} else {
			read++
			p.Memory.CgroupLimitBytes = limit
		}
		if s, err := d.firstFile(r, usageFile); err != nil {
			fail(&p.Memory.Unknown, "cgroup_usage", err)
		} else if s != "" {
			if v, err := strconv.ParseInt(s, 10, 64); err == nil && v >= 0 {
				p.Memory.CgroupUsageBytes = v
				read++
			} else {
				fail(&p.Memory.Unknown, "cgroup_usage", fmt.Errorf("%s: invalid value %q", usageFile, s))
			}
		}
	}
	switch {
	case !found:
		return ErrNotPresent
	case read == 0 && firstErr != nil:
		return firstErr
	}
	return nil
}

// cgroupLine is one line of /proc/self/cgroup: "4:memory:/docker/abc" (v1)
// or "0::/user.slice/..." (v2).
type cgroupLine struct {
	ID          string
	Controllers []string
	Path        string
}

// parseProcCgroup parses /proc/self/cgroup.
func parseProcCgroup(b []byte) []cgroupLine {
	var out []cgroupLine
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(f) != 3 || !strings.HasPrefix(f[2], "/") {
			continue
		}
		l := cgroupLine{ID: f[0], Path: strings.TrimSuffix(f[2], " (deleted)")}
		if f[1] != "" {
			l.Controllers = strings.Split(f[1], ",")
		}
		out = append(out, l)
		if len(out) >= 256 {
			break
		}
	}
	return out
}

// cgroupMount is one mounted cgroup hierarchy.
type cgroupMount struct {
	Point       string          // mount point, e.g. /sys/fs/cgroup or /sys/fs/cgroup/cpu
	Root        string          // the cgroup mounted there ("/" mostly; "" when unknown)
	V2          bool            // cgroup2
	Controllers map[string]bool // v1 controllers (cpu, cpuacct, memory, name=systemd ...)
}

// cgroupMounts returns the cgroup hierarchies from /proc/self/mountinfo,
// else /proc/mounts, else a v2 hierarchy at /sys/fs/cgroup when one is there.
func cgroupMounts(r *Root) ([]cgroupMount, error) {
	var mounts []cgroupMount
	b, err := r.ReadFile("/proc/self/mountinfo")
	if err == nil {
		mounts = parseMountInfo(b)
	} else {
		if !IsNotExist(err) {
			return nil, fmt.Errorf("cgroup mounts: %w", err)
		}
		b, err = r.ReadFile("/proc/mounts")
		if err == nil {
			mounts = parseMounts(b)
		} else if !IsNotExist(err) {
			return nil, fmt.Errorf("cgroup mounts: %w", err)
		}
	}
	if len(mounts) == 0 {
		if ok, _ := r.Exists("/sys/fs/cgroup/cgroup.controllers"); ok {
			mounts = append(mounts, cgroupMount{Point: "/sys/fs/cgroup", Root: "", V2: true})
		}
	}
	// Prefer the usual place when a hierarchy is mounted twice.
	sort.SliceStable(mounts, func(i, j int) bool {
		return strings.HasPrefix(mounts[i].Point, "/sys/fs/cgroup") && !strings.HasPrefix(mounts[j].Point, "/sys/fs/cgroup")
	})
	return mounts, nil
}

// parseMountInfo returns the cgroup mounts of a /proc/self/mountinfo:
// "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS".
func parseMountInfo(b []byte) []cgroupMount {
	var out []cgroupMount
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+1 >= len(f) {
			continue
		}
		fstype, super := f[sep+1], ""
		if sep+3 < len(f) {
			super = f[sep+3]
		}
		if m, ok := newCgroupMount(unescapeMount(f[4]), unescapeMount(f[3]), fstype, super); ok {
			out = append(out, m)
		}
	}
	return out
}

// parseMounts returns the cgroup mounts of a /proc/mounts:
// "SOURCE POINT FSTYPE OPTIONS 0 0".
func parseMounts(b []byte) []cgroupMount {
	var out []cgroupMount
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		if m, ok := newCgroupMount(unescapeMount(f[1]), "", f[2], f[3]); ok {
			out = append(out, m)
		}
	}
	return out
}

func newCgroupMount(point, root, fstype, opts string) (cgroupMount, bool) {
	if !strings.HasPrefix(point, "/") {
		return cgroupMount{}, false
	}
	switch fstype {
	case "cgroup2":
		return cgroupMount{Point: path.Clean(point), Root: root, V2: true}, true
	case "cgroup":
		m := cgroupMount{Point: path.Clean(point), Root: root, Controllers: map[string]bool{}}
		for _, o := range strings.Split(opts, ",") {
			m.Controllers[o] = true
		}
		return m, true
	}
	return cgroupMount{}, false
}

// unescapeMount decodes the octal escapes (\040 for a space) of mount paths.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgroupDir is the directory of this process's cgroup in one hierarchy.
type cgroupDir struct {
	dir   string // the cgroup's directory (or its nearest existing ancestor)
	point string // the hierarchy's mount point
	v2    bool
}

// locateCgroup finds the directory that holds controller's files: in the
// v1 hierarchy that has the controller, else in the v2 hierarchy.
func locateCgroup(r *Root, lines []cgroupLine, mounts []cgroupMount, controller string) (cgroupDir, bool) {
	for _, l := range lines {
		if !slices.Contains(l.Controllers, controller) {
			continue
		}
		for _, m := range mounts {
			if !m.V2 && m.Controllers[controller] {
				if d, ok := cgroupDirIn(r, m, l.Path); ok {
					return d, true
				}
			}
		}
	}
	cgPath := "/"
	for _, l := range lines {
		if l.ID == "0" && len(l.Controllers) == 0 {
			cgPath = l.Path
			break
		}
	}
	for _, m := range mounts {
		if m.V2 {
			if d, ok := cgroupDirIn(r, m, cgPath); ok {
				// A v2 hierarchy without this controller (a hybrid
				// system's "unified" mount) has none of its files.
				if ctrl, err := r.ReadString(m.Point + "/cgroup.controllers"); err == nil && !slices.Contains(strings.Fields(ctrl), controller) {
					continue
				}
				return d, true
			}
		}
	}
	return cgroupDir{}, false
}

// cgroupDirIn returns the directory of cgroup cgPath in mount m, walking
// up to the mount point when it is not visible.
func cgroupDirIn(r *Root, m cgroupMount, cgPath string) (cgroupDir, bool) {
	if ok, _ := r.Exists(m.Point); !ok {
		return cgroupDir{}, false
	}
	rel := path.Clean("/" + cgPath)
	if m.Root != "" && m.Root != "/" {
		if rel == m.Root {
			rel = "/"
		} else if strings.HasPrefix(rel, m.Root+"/") {
			rel = strings.TrimPrefix(rel, m.Root)
		}
	}
	dir := path.Join(m.Point, rel)
	for dir != m.Point && strings.HasPrefix(dir, m.Point) {
		if ok, _ := r.Exists(dir); ok {
			break
		}
		dir = path.Dir(dir)
	}
	if !strings.HasPrefix(dir, m.Point) {
		dir = m.Point
	}
	return cgroupDir{dir: dir, point: m.Point, v2: m.V2}, true
}

// chain returns the cgroup's directory and its ancestors up to the mount point.
func (d cgroupDir) chain() []string {
	out := []string{d.dir}
	for dir := d.dir; dir != d.point && len(out) < 64; {
		dir = path.Dir(dir)
		if !strings.HasPrefix(dir, d.point) {
			break
		}
		out = append(out, dir)
	}
	return out
}

// firstFile reads the first of files that exists, in the cgroup's
// directory or, failing that, the nearest ancestor that has one. A file
// that exists but cannot be read is an error; none at all is "".
func (d cgroupDir) firstFile(r *Root, files ...string) (string, error) {
	for _, dir := range d.chain() {
		for _, f := range files {
			s, err := r.ReadString(dir + "/" + f)
			if err == nil {
				return s, nil
			}
			if !IsNotExist(err) {
				return "", err
			}
		}
	}
	return "", nil
}

// tightest returns the smallest limit file sets along d's chain (0: no
// limit), parsed by parse, which reports false for "unlimited".
func tightest[T int64 | float64](r *Root, d cgroupDir, file string, parse func(string) (T, bool, error)) (T, error) {
	var best T
	for i, dir := range d.chain() {
		s, err := r.ReadString(dir + "/" + file)
		if err != nil {
			if IsNotExist(err) || i > 0 {
				continue // ancestors we may not read do not hide the leaf's value
			}
			return 0, err
		}
		v, limited, err := parse(s)
		if err != nil {
			if i > 0 {
				continue
			}
			return 0, fmt.Errorf("%s/%s: %w", dir, file, err)
		}
		if limited && (best == 0 || v < best) {
			best = v
		}
	}
	return best, nil
}

// quota returns the cgroup's CPU quota in CPUs (0: none).
func (d cgroupDir) quota(r *Root) (float64, error) {
	if d.v2 {
		q, err := tightest(r, d, "cpu.max", parseCPUMax)
		return roundQuota(q), err
	}
	best := 0.0
	for i, dir := range d.chain() {
		qs, err := r.ReadString(dir + "/cpu.cfs_quota_us")
		if err != nil {
			if IsNotExist(err) || i > 0 {
				continue
			}
			return 0, err
		}
		ps, err := r.ReadString(dir + "/cpu.cfs_period_us")
		if err != nil {
			if IsNotExist(err) || i > 0 {
				continue
			}
			return 0, err
		}
		q, limited, err := parseCFSQuota(qs, ps)
		if err != nil {
			if i > 0 {
				continue
			}
			return 0, fmt.Errorf("%s: %w", dir, err)
		}
		if limited && (best == 0 || q < best) {
			best = q
		}
	}
	return roundQuota(best), nil
}

func roundQuota(q float64) float64 { return math.Round(q*1000) / 1000 }

// parseCPUMax parses a v2 cpu.max: "max 100000" (no quota) or
// "150000 100000" (1.5 CPUs). It returns the quota in CPUs.
func parseCPUMax(s string) (float64, bool, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return 0, false, fmt.Errorf("invalid cpu.max %q", clipValue(s))
	}
	if f[0] == "max" {
		return 0, false, nil
	}
	period := "100000"
	if len(f) == 2 {
		period = f[1]
	}
	return quotaOf(f[0], period)
}

// parseCFSQuota parses v1 cpu.cfs_quota_us ("-1": none) and cpu.cfs_period_us.
func parseCFSQuota(quota, period string) (float64, bool, error) {
	quota = strings.TrimSpace(quota)
	if quota == "-1" {
		return 0, false, nil
	}
	return quotaOf(quota, strings.TrimSpace(period))
}

func quotaOf(quota, period string) (float64, bool, error) {
	q, err1 := strconv.ParseInt(quota, 10, 64)
	p, err2 := strconv.ParseInt(period, 10, 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false, fmt.Errorf("invalid CPU quota %q / period %q", clipValue(quota), clipValue(period))
	}
	return float64(q) / float64(p), true, nil
}

// unlimitedMemory is where memory limits mean "no limit": v1 reports
// "unlimited" as the largest page-aligned int64.
const unlimitedMemory = 1 << 62

// parseMemoryLimit parses memory.max ("max" or bytes) or
// memory.limit_in_bytes (bytes; huge values mean unlimited).
func parseMemoryLimit(s string) (int64, bool, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if u, err2 := strconv.ParseUint(s, 10, 64); err2 == nil && u > 0 {
			return 0, false, nil // beyond int64: unlimited
		}
		return 0, false, fmt.Errorf("invalid memory limit %q", clipValue(s))
	}
	if v <= 0 || v >= unlimitedMemory {
		return 0, false, nil // 0 and negative values cannot be a usable limit
	}
	return v, true, nil
}

func clipValue(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
