package hwprobe

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

func init() { register(thermalCollector{}) }

// thermalCollector reads the thermal zones of /sys/class/thermal
// (thermal_zoneN/{type,temp,policy,trip_point_M_type,trip_point_M_temp})
// and tells whether the device is throttling now: a zone at or above its
// lowest passive, hot or critical trip point, or a CPU whose
// scaling_max_freq is below cpuinfo_max_freq while a CPU cooling device
// (type Processor, cpufreq-* or thermal-cpufreq-*) is active (cur_state >
// 0). It also sums the thermal throttle events x86 kernels count since
// boot (/sys/devices/system/cpu/cpuN/thermal_throttle/{core,package}_throttle_count)
// into ThrottleEvents. No zones is ErrNotPresent; a zone whose temperature
// cannot be read is listed and explained in Thermal.Unknown.
type thermalCollector struct{}

func (thermalCollector) Name() string { return "thermal" }

const thermalDir = "/sys/class/thermal"

func (thermalCollector) Collect(ctx context.Context, env *Env, p *Profile) error {
	r := env.Root
	th := &p.Thermal
	paths, err := r.Glob(thermalDir + "/thermal_zone*")
	if err != nil {
		return fmt.Errorf("thermal zones: %w", err)
	}
	sortZonePaths(paths, "thermal_zone")
	for _, zp := range paths {
		z := Zone{Name: path.Base(zp)}
		if s, err := r.ReadString(zp + "/type"); err == nil {
			z.Type = tidyText(s)
		} else {
			note(&th.Unknown, z.Name+".type", describe(err))
		}
		z.Policy, _ = r.ReadString(zp + "/policy")
		z.TripC = lowestTrip(r, zp)
		if s, err := r.ReadString(zp + "/temp"); err != nil {
			note(&th.Unknown, z.Name, describe(err))
		} else if t, err := parseZoneTemp(s); err != nil {
			note(&th.Unknown, z.Name, fmt.Sprintf("%s/temp: %v", zp, err))
		} else {
			z.TempC = t
			if z.TripC > 0 && t >= z.TripC {
				th.Throttled = true
			}
		}
		th.Zones = append(th.Zones, z)
		if err := ctx.Err(); err != nil {
			return err
		}
	}

	cpus := cpuDirs(r)
	th.ThrottleEvents = throttleEvents(r, cpus)
	if !th.Throttled && cpuCoolingActive(r) && cpufreqCapped(r, cpus) {
		th.Throttled = true
	}
	if len(th.Zones) == 0 {
		return ErrNotPresent
	}
	return nil
}

// lowestTrip returns the lowest passive, hot or critical trip point of a
// zone in °C (0: none). Active trips switch fans on and do not throttle.
func lowestTrip(r *Root, zone string) float64 {
	types, _ := r.Glob(zone + "/trip_point_*_type")
	lowest := 0.0
	for _, tp := range types {
		typ, err := r.ReadString(tp)
		if err != nil {
			continue
		}
		switch typ {
		case "passive", "hot", "critical":
		default:
			continue
		}
		s, err := r.ReadString(strings.TrimSuffix(tp, "_type") + "_temp")
		if err != nil {
			continue
		}
		t, err := parseZoneTemp(s)
		if err != nil || t <= 0 {
			continue // 0 or negative: a disabled trip point
		}
		if lowest == 0 || t < lowest {
			lowest = t
		}
	}
	return lowest
}

// parseZoneTemp parses a sysfs temperature in millidegrees Celsius.
func parseZoneTemp(s string) (float64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid temperature %q", clipValue(s))
	}
	if v < -300_000 || v > 1_000_000 {
		return 0, fmt.Errorf("temperature %d m°C out of range", v)
	}
	return float64(v) / 1000, nil
}

// throttleEvents sums the x86 kernel's thermal throttle counters: each
// core's count, and each package's count once (every CPU of a package shows it).
func throttleEvents(r *Root, cpus []int) int64 {
	var total int64
	packages := map[string]int64{}
	for _, id := range cpus {
		dir := cpuDir(id) + "/thermal_throttle"
		if v, err := r.ReadInt(dir + "/core_throttle_count"); err == nil && v > 0 {
			total = addSat(total, v)
		}
		v, err := r.ReadInt(dir + "/package_throttle_count")
		if err != nil || v <= 0 {
			continue
		}
		pkg, err := r.ReadString(cpuDir(id) + "/topology/physical_package_id")
		if err != nil {
			pkg = "?"
		}
		packages[pkg] = max(packages[pkg], v)
	}
	for _, v := range packages {
		total = addSat(total, v)
	}
	return total
}

// cpuCoolingActive reports whether a CPU cooling device is limiting the
// CPUs (cur_state > 0).
func cpuCoolingActive(r *Root) bool {
	devs, _ := r.Glob(thermalDir + "/cooling_device*")
	for _, d := range devs {
		typ, err := r.ReadString(d + "/type")
		if err != nil {
			continue
		}
		if typ != "Processor" && !strings.HasPrefix(typ, "cpufreq-") && !strings.HasPrefix(typ, "thermal-cpufreq") {
			continue
		}
		if v, err := r.ReadInt(d + "/cur_state"); err == nil && v > 0 {
			return true
		}
	}
	return false
}

// cpufreqCapped reports whether some CPU's scaling_max_freq is below its
// cpuinfo_max_freq.
func cpufreqCapped(r *Root, cpus []int) bool {
	for _, id := range cpus {
		dir := cpuDir(id) + "/cpufreq"
		lim, err1 := r.ReadInt(dir + "/scaling_max_freq")
		hw, err2 := r.ReadInt(dir + "/cpuinfo_max_freq")
		if err1 == nil && err2 == nil && lim > 0 && lim < hw {
			return true
		}
	}
	return false
}

// sortZonePaths sorts paths ending in prefix+N by N (thermal_zone2 before
// thermal_zone10).
func sortZonePaths(paths []string, prefix string) {
	num := func(p string) int {
		n, err := strconv.Atoi(strings.TrimPrefix(path.Base(p), prefix))
		if err != nil {
			return 1 << 30
		}
		return n
	}
	sort.SliceStable(paths, func(i, j int) bool { return num(paths[i]) < num(paths[j]) })
}
