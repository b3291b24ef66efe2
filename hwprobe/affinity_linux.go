package hwprobe

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// applyAffinity narrows c.Effective to the CPUs this process's affinity
// mask allows (taskset, systemd's CPUAffinity=), which can be fewer than the
// cgroup's cpuset. It only applies to a live root: a fixture tree says
// nothing about the process reading it.
func applyAffinity(r *Root, c *CPU) {
	if r.Fixture() {
		return
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil || set.Count() == 0 {
		return
	}
	allowed := map[int]bool{}
	if c.EffectiveList != "" {
		cpus, err := ParseCPUList(c.EffectiveList)
		if err != nil {
			return
		}
		for _, cpu := range cpus {
			allowed[cpu] = true
		}
	}
	var ids []int
	for cpu := 0; cpu < len(set)*64; cpu++ {
		if set.IsSet(cpu) && (len(allowed) == 0 || allowed[cpu]) {
			ids = append(ids, cpu)
		}
	}
	if len(ids) == 0 || (c.Effective > 0 && len(ids) >= c.Effective) {
		return
	}
	c.Effective, c.EffectiveList = len(ids), FormatCPUList(ids)
}

// FormatCPUList formats sorted CPU numbers as a kernel CPU list ("0-3,8").
func FormatCPUList(ids []int) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(ids[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(ids[j]))
		}
		i = j + 1
	}
	return b.String()
}
