package hwprobe

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
)

func init() { register(memoryCollector{}) }

// memoryCollector reads /proc/meminfo: MemTotal, MemAvailable (on kernels
// before 3.14, MemFree + Buffers + Cached) and SwapTotal. It runs after the
// cgroup collector and sets UsableBytes to the available memory, capped by
// what the cgroup's limit leaves (limit - usage).
type memoryCollector struct{}

func (memoryCollector) Name() string { return "memory" }

func (memoryCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	b, err := env.Root.ReadFile("/proc/meminfo")
	if err != nil {
		if IsNotExist(err) {
			return ErrNotPresent
		}
		return fmt.Errorf("memory: %w", err)
	}
	mi := parseMeminfo(b)
	m := &p.Memory
	total, ok := mi["MemTotal"]
	if !ok || total <= 0 {
		return fmt.Errorf("memory: /proc/meminfo has no MemTotal")
	}
	m.TotalBytes = total
	if v, ok := mi["MemAvailable"]; ok {
		m.AvailableBytes = v
	} else {
		free, okF := mi["MemFree"]
		if !okF {
			note(&m.Unknown, "available", "/proc/meminfo has neither MemAvailable nor MemFree")
		}
		m.AvailableBytes = addSat(addSat(free, mi["Buffers"]), mi["Cached"])
		if m.AvailableBytes > total {
			m.AvailableBytes = total
		}
	}
	m.SwapTotalBytes = mi["SwapTotal"]
	m.UsableBytes = usableMemory(*m)
	return nil
}

// usableMemory is min(available, cgroup limit - cgroup usage).
func usableMemory(m Memory) int64 {
	u := m.AvailableBytes
	if m.CgroupLimitBytes > 0 {
		left := max(m.CgroupLimitBytes-max(m.CgroupUsageBytes, 0), 0)
		if u <= 0 || left < u {
			u = left
		}
	}
	return u
}

// parseMeminfo parses /proc/meminfo ("MemTotal:  131981020 kB") into bytes.
// Lines without a unit (HugePages_Total) keep their plain value. Malformed
// lines are skipped; values that would overflow are saturated.
func parseMeminfo(b []byte) map[string]int64 {
	m := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		f := strings.Fields(v)
		if k == "" || len(f) == 0 || len(f) > 2 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 {
			continue
		}
		if len(f) == 2 {
			switch strings.ToLower(f[1]) {
			case "kb":
				n = mulSat(n, 1<<10)
			case "mb":
				n = mulSat(n, 1<<20)
			case "gb":
				n = mulSat(n, 1<<30)
			case "b":
			default:
				continue
			}
		}
		m[k] = n
	}
	return m
}

// mulSat multiplies non-negative a and b, saturating at the largest int64.
func mulSat(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// addSat adds non-negative a and b, saturating at the largest int64.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
