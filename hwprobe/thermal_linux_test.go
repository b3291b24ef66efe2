package hwprobe

import (
	"strings"
	"testing"
)

func TestThermalSyntheticRK3588OverTrip(t *testing.T) {
	p := probeTree(t, rk3588CPUTree(t), "thermal")
	checkState(t, p, "thermal", Present)
	th := p.Thermal
	if len(th.Zones) != 2 {
		t.Fatalf("zones %+v", th.Zones)
	}
	want := []Zone{
		{Name: "thermal_zone0", Type: "soc-thermal", TempC: 45, TripC: 85, Policy: "step_wise"},
		{Name: "thermal_zone1", Type: "bigcore0-thermal", TempC: 92.5, TripC: 85},
	}
	for i := range want {
		if th.Zones[i] != want[i] {
			t.Errorf("zone %d = %+v, want %+v", i, th.Zones[i], want[i])
		}
	}
	if !th.Throttled {
		t.Error("bigcore0 at 92.5 °C over its 85 °C passive trip is not throttled")
	}
	if th.ThrottleEvents != 0 || len(th.Unknown) != 0 {
		t.Errorf("events %d unknown %v", th.ThrottleEvents, th.Unknown)
	}
}

func TestThermalSyntheticCoolUnderTrip(t *testing.T) {
	p := probeTree(t, tree(t, map[string]string{
		"/sys/class/thermal/thermal_zone0/type":              "x86_pkg_temp\n",
		"/sys/class/thermal/thermal_zone0/temp":              "61000\n",
		"/sys/class/thermal/thermal_zone0/trip_point_0_type": "passive\n",
		"/sys/class/thermal/thermal_zone0/trip_point_0_temp": "0\n", // disabled
		"/sys/class/thermal/thermal_zone0/trip_point_1_type": "active\n",
		"/sys/class/thermal/thermal_zone0/trip_point_1_temp": "50000\n", // a fan, not a throttle
		"/sys/class/thermal/thermal_zone0/trip_point_2_type": "critical\n",
		"/sys/class/thermal/thermal_zone0/trip_point_2_temp": "100000\n",
	}), "thermal")
	checkState(t, p, "thermal", Present)
	if z := p.Thermal.Zones[0]; z.TripC != 100 || z.TempC != 61 || p.Thermal.Throttled {
		t.Errorf("%+v throttled %v", z, p.Thermal.Throttled)
	}
}

func TestThermalSyntheticZonesSortedNumerically(t *testing.T) {
	files := map[string]string{}
	for _, n := range []string{"0", "2", "10"} {
		files["/sys/class/thermal/thermal_zone"+n+"/type"] = "z" + n
		files["/sys/class/thermal/thermal_zone"+n+"/temp"] = "1000"
	}
	p := probeTree(t, tree(t, files), "thermal")
	var names []string
	for _, z := range p.Thermal.Zones {
		names = append(names, z.Name)
	}
	if strings.Join(names, ",") != "thermal_zone0,thermal_zone2,thermal_zone10" {
		t.Errorf("zones in order %v", names)
	}
}

func TestThermalSyntheticX86ThrottleCounts(t *testing.T) {
	files := map[string]string{
		"/sys/class/thermal/thermal_zone0/type": "x86_pkg_temp\n",
		"/sys/class/thermal/thermal_zone0/temp": "55000\n",
	}
	for i, core := range []string{"3", "4", "0", "0"} {
		dir := "/sys/devices/system/cpu/cpu" + string(rune('0'+i))
		files[dir+"/thermal_throttle/core_throttle_count"] = core + "\n"
		files[dir+"/thermal_throttle/package_throttle_count"] = "10\n" // one package, shown by every CPU
		files[dir+"/topology/physical_package_id"] = "0\n"
	}
	p := probeTree(t, tree(t, files), "thermal")
	checkState(t, p, "thermal", Present)
	// Counters since boot do not mean the device throttles now: the zone is
	// cool and no cooling device is active.
	if p.Thermal.ThrottleEvents != 17 || p.Thermal.Throttled {
		t.Errorf("events %d throttled %v, want 3+4+10 = 17 and false", p.Thermal.ThrottleEvents, p.Thermal.Throttled)
	}
}

func TestThermalSyntheticCpufreqCapped(t *testing.T) {
	for _, c := range []struct {
		name      string
		state     string
		throttled bool
	}{
		{"cooling active", "2", true},
		{"cooling idle", "0", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := probeTree(t, tree(t, map[string]string{
				"/sys/class/thermal/thermal_zone0/type":                 "cpu-thermal\n",
				"/sys/class/thermal/thermal_zone0/temp":                 "70000\n",
				"/sys/class/thermal/cooling_device0/type":               "cpufreq-cpu0\n",
				"/sys/class/thermal/cooling_device0/cur_state":          c.state + "\n",
				"/sys/class/thermal/cooling_device1/type":               "Fan\n",
				"/sys/class/thermal/cooling_device1/cur_state":          "3\n",
				"/sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq": "1200000\n",
				"/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq": "1800000\n",
			}), "thermal")
			if p.Thermal.Throttled != c.throttled {
				t.Errorf("throttled %v, want %v", p.Thermal.Throttled, c.throttled)
			}
		})
	}
}

func TestThermalSyntheticUnreadableTemp(t *testing.T) {
	root := tree(t, map[string]string{
		"/sys/class/thermal/thermal_zone0/type": "cpu-thermal\n",
		"/sys/class/thermal/thermal_zone0/temp": "40000\n",
		"/sys/class/thermal/thermal_zone1/type": "gpu-thermal\n",
		"/sys/class/thermal/thermal_zone1/temp": "40000\n",
		"/sys/class/thermal/thermal_zone2/type": "battery\n",
		"/sys/class/thermal/thermal_zone2/temp": "n/a\n",
	})
	unreadableAt(t, root, "/sys/class/thermal/thermal_zone1/temp")
	p := probeTree(t, root, "thermal")
	checkState(t, p, "thermal", Present)
	th := p.Thermal
	if len(th.Zones) != 3 || th.Zones[0].TempC != 40 || th.Zones[1].TempC != 0 || th.Zones[1].Type != "gpu-thermal" {
		t.Errorf("zones %+v", th.Zones)
	}
	if r := th.Unknown["thermal_zone1"]; !strings.Contains(r, "thermal_zone1/temp") {
		t.Errorf("Unknown[thermal_zone1] = %q, want a reason naming its temp file", r)
	}
	if r := th.Unknown["thermal_zone2"]; !strings.Contains(r, "invalid temperature") {
		t.Errorf("Unknown[thermal_zone2] = %q", r)
	}
	if _, ok := th.Unknown["thermal_zone0"]; ok {
		t.Errorf("zone 0 was readable: %v", th.Unknown)
	}
}

func TestThermalSyntheticNoZones(t *testing.T) {
	checkState(t, probeTree(t, tree(t, map[string]string{"/sys/class/thermal/cooling_device0/type": "Fan"}), "thermal"), "thermal", Absent)
	checkState(t, probeTree(t, fixture(t, "x86-h100-vm"), "thermal"), "thermal", Absent)
}

func TestParseZoneTemp(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{{"45000", 45, true}, {"45000\n", 45, true}, {"-5000", -5, true}, {"48312", 48.312, true}, {"", 0, false}, {"4.5", 0, false}, {"99999999999", 0, false}} {
		got, err := parseZoneTemp(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("parseZoneTemp(%q) = %v, %v", c.in, got, err)
		}
	}
}

func FuzzThermalValues(f *testing.F) {
	f.Add("45000", "48K", []byte("radxa,rock-5b\x00rockchip,rk3588\x00"), "0x41", "0xd0b")
	f.Add("-", "K", []byte{0, 0, 0xff}, "0x", "zz")
	f.Add("9223372036854775807", "9223372036854775807G", []byte(""), "0xffffffffff", "-1")
	f.Add("0", "0", []byte("\x00"), " ", " ")
	f.Fuzz(func(t *testing.T, temp, size string, compat []byte, impl, part string) {
		if v, err := parseZoneTemp(temp); err == nil && (v < -300 || v > 1000) {
			t.Fatalf("parseZoneTemp(%q) = %v", temp, v)
		}
		if v := parseCacheSize(size); v < 0 {
			t.Fatalf("parseCacheSize(%q) = %d", size, v)
		}
		for _, s := range SplitNUL(compat) {
			if s == "" {
				t.Fatal("empty compatible string")
			}
		}
		if name, _ := armPartName(impl, part); name == "" && strings.TrimSpace(impl+part) != "" {
			t.Fatalf("armPartName(%q, %q) is empty", impl, part)
		}
		armVendorName(impl)
	})
}
