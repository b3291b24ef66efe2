package hwprobe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// unreadableAt makes the file p inside root unreadable: mode 000, or, when
// the test runs as root (which reads anything), a directory where the file
// was, so that reading it fails with "is a directory".
func unreadableAt(t testing.TB, root, p string) {
	t.Helper()
	host := filepath.Join(root, filepath.FromSlash(p))
	if os.Geteuid() == 0 {
		if err := os.RemoveAll(host); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(host, 0o755); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.Chmod(host, 0); err != nil {
		t.Fatal(err)
	}
}

// rk3588CPUInfo is /proc/cpuinfo of a Rockchip RK3588 (arm64 kernel):
// cpu0-3 Cortex-A55, cpu4-7 Cortex-A76.
func rk3588CPUInfo() string {
	var b strings.Builder
	for i := 0; i < 8; i++ {
		part, variant := "0xd05", "0x2"
		if i >= 4 {
			part, variant = "0xd0b", "0x4"
		}
		fmt.Fprintf(&b, "processor\t: %d\nBogoMIPS\t: 48.00\n"+
			"Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n"+
			"CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: 0\n\n", i, variant, part)
	}
	return b.String()
}

// rk3588CPUTree is a synthetic Radxa ROCK 5B (RK3588): big.LITTLE CPUs with
// topology, cpufreq and caches, its device tree, and thermal zones of which
// the big-core zone is over its passive trip point.
func rk3588CPUTree(t testing.TB) string {
	files := map[string]string{
		"/proc/cpuinfo":                                      rk3588CPUInfo(),
		"/proc/meminfo":                                      "MemTotal:       16123456 kB\nMemFree:         1000000 kB\nMemAvailable:   12000000 kB\nSwapTotal:             0 kB\n",
		"/sys/devices/system/cpu/online":                     "0-7\n",
		"/sys/devices/system/cpu/present":                    "0-7\n",
		"/sys/devices/system/cpu/possible":                   "0-7\n",
		"/proc/device-tree/model":                            "Radxa ROCK 5B\x00",
		"/proc/device-tree/compatible":                       "radxa,rock-5b\x00rockchip,rk3588\x00",
		"/sys/class/thermal/thermal_zone0/type":              "soc-thermal\n",
		"/sys/class/thermal/thermal_zone0/temp":              "45000\n",
		"/sys/class/thermal/thermal_zone0/policy":            "step_wise\n",
		"/sys/class/thermal/thermal_zone0/trip_point_0_type": "active\n",
		"/sys/class/thermal/thermal_zone0/trip_point_0_temp": "40000\n",
		"/sys/class/thermal/thermal_zone0/trip_point_1_type": "passive\n",
		"/sys/class/thermal/thermal_zone0/trip_point_1_temp": "85000\n",
		"/sys/class/thermal/thermal_zone0/trip_point_2_type": "critical\n",
		"/sys/class/thermal/thermal_zone0/trip_point_2_temp": "115000\n",
		"/sys/class/thermal/thermal_zone1/type":              "bigcore0-thermal\n",
		"/sys/class/thermal/thermal_zone1/temp":              "92500\n",
		"/sys/class/thermal/thermal_zone1/trip_point_0_type": "critical\n",
		"/sys/class/thermal/thermal_zone1/trip_point_0_temp": "115000\n",
		"/sys/class/thermal/thermal_zone1/trip_point_1_type": "passive\n",
		"/sys/class/thermal/thermal_zone1/trip_point_1_temp": "85000\n",
	}
	for i := 0; i < 8; i++ {
		dir := fmt.Sprintf("/sys/devices/system/cpu/cpu%d", i)
		files[dir+"/topology/thread_siblings_list"] = fmt.Sprintf("%d\n", i)
		files[dir+"/topology/physical_package_id"] = "0\n"
		files[dir+"/topology/package_cpus_list"] = "0-7\n"
		min, maxf, cur, l1, l2, l2share := "408000", "1800000", "1800000", "32K", "128K", fmt.Sprint(i)
		if i >= 4 {
			maxf, cur, l1, l2 = "2400000", "2256000", "64K", "512K"
		}
		files[dir+"/cpufreq/cpuinfo_min_freq"] = min + "\n"
		files[dir+"/cpufreq/cpuinfo_max_freq"] = maxf + "\n"
		files[dir+"/cpufreq/scaling_cur_freq"] = cur + "\n"
		for idx, c := range []struct{ level, typ, size, shared string }{
			{"1", "Data", l1, fmt.Sprint(i)}, {"1", "Instruction", l1, fmt.Sprint(i)},
			{"2", "Unified", l2, l2share}, {"3", "Unified", "3072K", "0-7"},
		} {
			ix := fmt.Sprintf("%s/cache/index%d", dir, idx)
			files[ix+"/level"], files[ix+"/type"], files[ix+"/size"], files[ix+"/shared_cpu_list"] = c.level, c.typ, c.size, c.shared
		}
	}
	return tree(t, files)
}

func TestCPUSyntheticRK3588BigLittle(t *testing.T) {
	p := probeTree(t, rk3588CPUTree(t), "cpu", "cgroup")
	checkState(t, p, "cpu", Present)
	checkState(t, p, "cgroup", Absent)
	c := p.CPU
	if p.Arch != "arm64" {
		t.Errorf("Arch = %q, want arm64", p.Arch)
	}
	if c.Vendor != "ARM" || c.Implementer != "0x41" || c.Part != "0xd05" {
		t.Errorf("vendor/implementer/part = %q/%q/%q", c.Vendor, c.Implementer, c.Part)
	}
	if !slices.Equal(c.Parts, []string{"Cortex-A55", "Cortex-A76"}) {
		t.Errorf("Parts = %q", c.Parts)
	}
	if c.Model != "Cortex-A55 + Cortex-A76" {
		t.Errorf("Model = %q", c.Model)
	}
	if c.Logical != 8 || c.Online != 8 || c.Physical != 8 || c.Sockets != 1 || c.OnlineList != "0-7" {
		t.Errorf("logical %d online %d (%q) physical %d sockets %d", c.Logical, c.Online, c.OnlineList, c.Physical, c.Sockets)
	}
	if c.Effective != 8 || c.EffectiveList != "0-7" || c.Usable != 8 || UsableCPUs(p) != 8 {
		t.Errorf("effective %d (%q) usable %d UsableCPUs %d, want 8 (no cgroup)", c.Effective, c.EffectiveList, c.Usable, UsableCPUs(p))
	}
	if c.MinMHz != 408 || c.MaxMHz != 2400 || c.CurMHz != 2028 {
		t.Errorf("MHz min %v max %v cur %v, want 408 2400 2028", c.MinMHz, c.MaxMHz, c.CurMHz)
	}
	for _, f := range []string{"asimd", "neon", "asimddp", "dotprod", "fp16", "aes", "crc32", "atomics"} {
		if !slices.Contains(c.Features, f) {
			t.Errorf("Features %v lack %s", c.Features, f)
		}
	}
	for _, f := range []string{"sve", "i8mm", "avx2", "vfpv4", "fphp"} {
		if slices.Contains(c.Features, f) {
			t.Errorf("Features %v have %s", c.Features, f)
		}
	}
	if !slices.Contains(c.Flags, "fphp") || !slices.Contains(c.Flags, "evtstrm") {
		t.Errorf("Flags %v lack the raw fphp, evtstrm", c.Flags)
	}
	want := []Cache{
		{1, "Data", 32 << 10, "0"}, {1, "Data", 64 << 10, "4"},
		{1, "Instruction", 32 << 10, "0"}, {1, "Instruction", 64 << 10, "4"},
		{2, "Unified", 128 << 10, "0"}, {2, "Unified", 512 << 10, "4"},
		{3, "Unified", 3 << 20, "0-7"},
	}
	if !slices.Equal(c.Caches, want) {
		t.Errorf("Caches =\n%+v\nwant\n%+v", c.Caches, want)
	}
	if len(c.Unknown) != 0 {
		t.Errorf("Unknown = %v", c.Unknown)
	}
}

// piCPUInfo is /proc/cpuinfo of a Raspberry Pi 3 running a 32-bit (armv7) kernel.
const piCPUInfo = `processor	: 0
model name	: ARMv7 Processor rev 4 (v7l)
BogoMIPS	: 38.40
Features	: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32
CPU implementer	: 0x41
CPU architecture: 7
CPU variant	: 0x0
CPU part	: 0xd03
CPU revision	: 4

processor	: 1
model name	: ARMv7 Processor rev 4 (v7l)
BogoMIPS	: 38.40
Features	: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32
CPU implementer	: 0x41
CPU architecture: 7
CPU variant	: 0x0
CPU part	: 0xd03
CPU revision	: 4

processor	: 2
model name	: ARMv7 Processor rev 4 (v7l)
BogoMIPS	: 38.40
Features	: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32
CPU implementer	: 0x41
CPU architecture: 7
CPU variant	: 0x0
CPU part	: 0xd03
CPU revision	: 4

processor	: 3
model name	: ARMv7 Processor rev 4 (v7l)
BogoMIPS	: 38.40
Features	: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32
CPU implementer	: 0x41
CPU architecture: 7
CPU variant	: 0x0
CPU part	: 0xd03
CPU revision	: 4

Hardware	: BCM2835
Revision	: a02082
Serial		: 00000000c0ffee00
Model		: Raspberry Pi 3 Model B Rev 1.2
`

func TestCPUSyntheticRaspberryPiArmv7(t *testing.T) {
	root := tree(t, map[string]string{
		"/proc/cpuinfo":                                         piCPUInfo,
		"/sys/devices/system/cpu/online":                        "0-3\n",
		"/sys/devices/system/cpu/present":                       "0-3\n",
		"/sys/devices/system/cpu/possible":                      "0-3\n",
		"/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_min_freq": "600000\n",
		"/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq": "1200000\n",
		"/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq": "600000\n",
		"/proc/device-tree/model":                               "Raspberry Pi 3 Model B Rev 1.2\x00",
		"/proc/device-tree/compatible":                          "raspberrypi,3-model-b\x00brcm,bcm2837\x00",
		"/sys/class/thermal/thermal_zone0/type":                 "cpu-thermal\n",
		"/sys/class/thermal/thermal_zone0/temp":                 "48312\n",
	})
	p := probeTree(t, root, "cpu", "board", "thermal")
	checkState(t, p, "cpu", Present)
	c := p.CPU
	if p.Arch != "arm" {
		t.Errorf("Arch = %q, want arm", p.Arch)
	}
	if c.Vendor != "ARM" || c.Model != "Cortex-A53" || !slices.Equal(c.Parts, []string{"Cortex-A53"}) {
		t.Errorf("vendor %q model %q parts %q", c.Vendor, c.Model, c.Parts)
	}
	if c.Logical != 4 || c.Online != 4 || c.Usable != 4 {
		t.Errorf("logical %d online %d usable %d, want 4", c.Logical, c.Online, c.Usable)
	}
	// No topology files: each ARM CPU is a core.
	if c.Physical != 4 {
		t.Errorf("Physical = %d, want 4", c.Physical)
	}
	if c.MinMHz != 600 || c.MaxMHz != 1200 || c.CurMHz != 600 {
		t.Errorf("MHz %v %v %v", c.MinMHz, c.MaxMHz, c.CurMHz)
	}
	for _, f := range []string{"neon", "vfpv4", "idiva", "vfpd32", "crc32"} {
		if !slices.Contains(c.Features, f) {
			t.Errorf("Features %v lack %s", c.Features, f)
		}
	}
	for _, f := range []string{"asimd", "asimddp", "fp16"} {
		if slices.Contains(c.Features, f) {
			t.Errorf("Features %v have %s", c.Features, f)
		}
	}
	checkState(t, p, "board", Present)
	if p.Board.Model != "Raspberry Pi 3 Model B Rev 1.2" || !slices.Equal(p.Board.Compatible, []string{"raspberrypi,3-model-b", "brcm,bcm2837"}) {
		t.Errorf("board %+v", p.Board)
	}
	checkState(t, p, "thermal", Present)
	if len(p.Thermal.Zones) != 1 || p.Thermal.Zones[0].TempC != 48.312 || p.Thermal.Zones[0].TripC != 0 || p.Thermal.Throttled {
		t.Errorf("thermal %+v", p.Thermal)
	}
}

func TestCPUFixtureH100VM(t *testing.T) {
	p := probeTree(t, fixture(t, "x86-h100-vm"), "cpu", "cgroup")
	checkState(t, p, "cpu", Present)
	c := p.CPU
	if p.Arch != "amd64" {
		t.Errorf("Arch = %q, want amd64", p.Arch)
	}
	if c.Vendor != "GenuineIntel" || c.Model != "Intel(R) Xeon(R) Processor" {
		t.Errorf("vendor %q model %q", c.Vendor, c.Model)
	}
	if c.Logical != 16 || c.Online != 16 || c.Physical != 16 || c.Sockets != 1 {
		t.Errorf("logical %d online %d physical %d sockets %d, want 16 16 16 1", c.Logical, c.Online, c.Physical, c.Sockets)
	}
	for _, f := range []string{"sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx", "amx_tile", "amx_int8", "amx_bf16"} {
		if !slices.Contains(c.Features, f) {
			t.Errorf("Features %v lack %s", c.Features, f)
		}
	}
	if slices.Contains(c.Features, "hypervisor") || !slices.Contains(c.Flags, "hypervisor") {
		t.Errorf("raw flags belong in Flags only")
	}
	if c.CurMHz != 2100 {
		t.Errorf("CurMHz = %v, want 2100 (cpuinfo's cpu MHz)", c.CurMHz)
	}
	// Only cpu0's caches are in the fixture: L1d 48K, L1i 32K, L2 2M, L3 300M.
	if len(c.Caches) != 4 || c.Caches[0].SizeBytes != 48<<10 || c.Caches[3].Level != 3 || c.Caches[3].SizeBytes != 300<<20 || c.Caches[3].SharedWith != "0-15" {
		t.Errorf("Caches = %+v", c.Caches)
	}
	checkState(t, p, "cgroup", Present)
	if c.EffectiveList != "0-15" || c.Effective != 16 || c.QuotaCPUs != 0 || c.Usable != 16 || UsableCPUs(p) != 16 {
		t.Errorf("effective %q (%d) quota %v usable %d", c.EffectiveList, c.Effective, c.QuotaCPUs, c.Usable)
	}
}

func TestCPUFixtureEpyc2CoreVM(t *testing.T) {
	p := probeTree(t, fixture(t, "x86-epyc-2core-vm"), "cpu", "cgroup")
	checkState(t, p, "cpu", Present)
	c := p.CPU
	if p.Arch != "amd64" || c.Vendor != "AuthenticAMD" || c.Model != "AMD EPYC" {
		t.Errorf("arch %q vendor %q model %q", p.Arch, c.Vendor, c.Model)
	}
	if c.Logical != 2 || c.Online != 2 || c.Physical != 2 || c.Sockets != 1 || c.OnlineList != "0-1" {
		t.Errorf("logical %d online %d physical %d sockets %d list %q", c.Logical, c.Online, c.Physical, c.Sockets, c.OnlineList)
	}
	for _, f := range []string{"avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx_vnni"} {
		if !slices.Contains(c.Features, f) {
			t.Errorf("Features %v lack %s", c.Features, f)
		}
	}
	if slices.Contains(c.Features, "amx") {
		t.Errorf("Features %v: this EPYC has no AMX", c.Features)
	}
	// The fixture lists cgroup v1 mounts but holds no /sys/fs/cgroup.
	checkState(t, p, "cgroup", Absent)
	if c.Usable != 2 || UsableCPUs(p) != 2 || c.EffectiveList != "0-1" {
		t.Errorf("usable %d effective %q, want 2 and the online list", c.Usable, c.EffectiveList)
	}
}

func TestCPUSyntheticArchFromCPUInfo(t *testing.T) {
	for _, c := range []struct {
		name, cpuinfo, arch string
	}{
		{"x86 with lm", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse sse2 lm avx\n", "amd64"},
		{"x86 without lm", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse sse2\n", "386"},
		{"arm64", "processor\t: 0\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU part\t: 0xd08\n", "arm64"},
		{"armv8 core, 32-bit view", "processor\t: 0\nFeatures\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU part\t: 0xd03\n", "arm"},
		{"armv7", "processor\t: 0\nFeatures\t: half thumb vfp neon\nCPU architecture: 7\n", "arm"},
		{"old arm64 kernel", "Processor\t: AArch64 Processor rev 4 (aarch64)\nprocessor\t: 0\nprocessor\t: 1\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x51\nCPU architecture: AArch64\nCPU part\t: 0x201\n\nHardware\t: Qualcomm MSM8996\n", "arm64"},
		{"riscv64", "processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\n", "riscv64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := probeTree(t, tree(t, map[string]string{"/proc/cpuinfo": c.cpuinfo}), "cpu")
			checkState(t, p, "cpu", Present)
			if p.Arch != c.arch {
				t.Errorf("Arch = %q, want %q", p.Arch, c.arch)
			}
			if p.CPU.Logical < 1 || p.CPU.Usable < 1 {
				t.Errorf("logical %d usable %d from cpuinfo alone", p.CPU.Logical, p.CPU.Usable)
			}
		})
	}
}

func TestCPUSyntheticOldARMFormat(t *testing.T) {
	// Old arm64 kernels print the ids once, after all processors.
	info := parseCPUInfo([]byte("Processor\t: AArch64 Processor rev 4 (aarch64)\nprocessor\t: 0\nprocessor\t: 1\nprocessor\t: 2\nprocessor\t: 3\nFeatures\t: fp asimd evtstrm aes crc32\nCPU implementer\t: 0x51\nCPU architecture: AArch64\nCPU variant\t: 0x2\nCPU part\t: 0x211\nCPU revision\t: 1\n\nHardware\t: Qualcomm Technologies, Inc MSM8996pro\n"))
	if len(info.Procs) != 4 {
		t.Fatalf("%d processors, want 4", len(info.Procs))
	}
	var c CPU
	fillIdentity(&c, info, info.flavor())
	if c.Vendor != "Qualcomm" || c.Model != "Kryo" || !slices.Equal(c.Parts, []string{"Kryo"}) || !slices.Contains(c.Features, "asimd") {
		t.Errorf("%+v", c)
	}
}

func TestCPUSyntheticSMTFromTopology(t *testing.T) {
	// Two cores with two threads each; no physical id lines in cpuinfo.
	files := map[string]string{
		"/proc/cpuinfo":                    "processor\t: 0\n\nprocessor\t: 1\n\nprocessor\t: 2\n\nprocessor\t: 3\n",
		"/sys/devices/system/cpu/online":   "0-3",
		"/sys/devices/system/cpu/present":  "0-3",
		"/sys/devices/system/cpu/possible": "0-7", // hot-pluggable slots that are not there
	}
	for i, sib := range []string{"0,2", "1,3", "0,2", "1,3"} {
		files[fmt.Sprintf("/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", i)] = sib
		files[fmt.Sprintf("/sys/devices/system/cpu/cpu%d/topology/physical_package_id", i)] = "0"
	}
	p := probeTree(t, tree(t, files), "cpu")
	if c := p.CPU; c.Logical != 4 || c.Physical != 2 || c.Sockets != 1 {
		t.Errorf("logical %d physical %d sockets %d, want 4 2 1", c.Logical, c.Physical, c.Sockets)
	}
}

func TestCPUSyntheticOfflineCPUs(t *testing.T) {
	p := probeTree(t, tree(t, map[string]string{
		"/proc/cpuinfo":                    "processor\t: 0\n\nprocessor\t: 2\n",
		"/sys/devices/system/cpu/online":   "0,2",
		"/sys/devices/system/cpu/present":  "0-3",
		"/sys/devices/system/cpu/possible": "0-3",
	}), "cpu")
	if c := p.CPU; c.Logical != 4 || c.Online != 2 || c.OnlineList != "0,2" || c.Usable != 2 {
		t.Errorf("logical %d online %d (%q) usable %d", c.Logical, c.Online, c.OnlineList, c.Usable)
	}
}

func TestCPUSyntheticUnreadableCPUInfo(t *testing.T) {
	root := tree(t, map[string]string{
		"/proc/cpuinfo":                  "processor\t: 0\n",
		"/sys/devices/system/cpu/online": "0-3",
	})
	unreadableAt(t, root, "/proc/cpuinfo")
	p := probeTree(t, root, "cpu")
	checkState(t, p, "cpu", Present)
	if p.CPU.Online != 4 || p.CPU.Usable != 4 {
		t.Errorf("online %d usable %d from sysfs", p.CPU.Online, p.CPU.Usable)
	}
	if r := p.CPU.Unknown["cpuinfo"]; !strings.Contains(r, "/proc/cpuinfo") {
		t.Errorf("Unknown[cpuinfo] = %q, want a reason naming /proc/cpuinfo", r)
	}

	// Nothing else to go by: the check is unknown with the reason.
	root = tree(t, map[string]string{"/proc/cpuinfo": "processor\t: 0\n"})
	unreadableAt(t, root, "/proc/cpuinfo")
	c := checkState(t, probeTree(t, root, "cpu"), "cpu", Unknown)
	if !strings.Contains(c.Reason, "/proc/cpuinfo") {
		t.Errorf("reason %q does not name /proc/cpuinfo", c.Reason)
	}
}

func TestCPUSyntheticEmptyTreeAbsent(t *testing.T) {
	root := tree(t, map[string]string{"/etc/": ""})
	p := probeTree(t, root, "cpu", "cgroup", "memory", "board", "thermal")
	for _, n := range []string{"cpu", "cgroup", "memory", "board", "thermal"} {
		checkState(t, p, n, Absent)
	}
	if p.CPU.Features == nil {
		t.Error("Features is nil: JSON would print null")
	}
	if UsableCPUs(p) != 1 {
		t.Errorf("UsableCPUs of an empty fixture profile = %d, want 1", UsableCPUs(p))
	}
}

func TestCPURealRoot(t *testing.T) {
	p, err := Probe(context.Background(), Options{Only: []string{"cpu", "cgroup", "memory", "board", "thermal"}})
	if err != nil {
		t.Fatal(err)
	}
	checkState(t, p, "cpu", Present)
	checkState(t, p, "memory", Present)
	c := p.CPU
	if c.Logical < 1 || c.Online < 1 || c.Online > c.Logical || c.Usable < 1 || c.Usable > c.Logical {
		t.Errorf("logical %d online %d usable %d", c.Logical, c.Online, c.Usable)
	}
	if n := UsableCPUs(p); n != c.Usable {
		t.Errorf("UsableCPUs = %d, want %d", n, c.Usable)
	}
	if p.Memory.TotalBytes <= 0 || p.Memory.UsableBytes <= 0 || p.Memory.UsableBytes > p.Memory.TotalBytes {
		t.Errorf("memory %+v", p.Memory)
	}
	for _, n := range []string{"cgroup", "board", "thermal"} {
		if ch, _ := p.Check(n); ch.State == Unknown {
			t.Logf("%s unknown on this machine: %s", n, ch.Reason)
		}
	}
	t.Logf("cpu: %s %q x%d usable %d features %d; probe %.2f ms", c.Vendor, c.Model, c.Logical, c.Usable, len(c.Features), p.ElapsedMs)
}

func BenchmarkProbe(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := Probe(ctx, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzCPUInfo(f *testing.F) {
	f.Add([]byte(rk3588CPUInfo()))
	f.Add([]byte(piCPUInfo))
	f.Add([]byte("processor\t: 0\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2100.000\nphysical id\t: 0\ncore id\t\t: 0\nflags\t\t: fpu lm avx512f amx_tile hypervisor\n\n"))
	f.Add([]byte("Processor\t: AArch64\nprocessor : 0\n\nFeatures : fp asimd\nCPU implementer : 0xzz\nCPU part : 0x\nCPU architecture: 8\n"))
	f.Add([]byte(":\n::\nprocessor\n\x00: \xff\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info := parseCPUInfo(b)
		flavor := info.flavor()
		_ = flavor.goArch(info)
		var c CPU
		fillIdentity(&c, info, flavor)
		fillCores(&c, info, cpuTopology{}, flavor)
		fillFrequencies(&c, info, cpuTopology{})
		if c.Features == nil {
			t.Fatal("nil Features")
		}
		if len(info.Procs) > maxCPUInfoProcs {
			t.Fatalf("%d processors kept", len(info.Procs))
		}
	})
}

// FuzzCollectorsTree runs the collectors over a tree of arbitrary file
// contents: none may panic (runCollector would report "internal error").
func FuzzCollectorsTree(f *testing.F) {
	f.Add([]byte(piCPUInfo), "0-3", "150000 100000", []byte("MemTotal: 1000 kB\n"), "48312", "0-2")
	f.Add([]byte("processor: 0\nflags: lm\n"), "0-99999999", "max", []byte("MemTotal: x"), "x", "")
	f.Fuzz(func(t *testing.T, cpuinfo []byte, online, cpuMax string, meminfo []byte, temp, cpuset string) {
		root := t.TempDir()
		for p, content := range map[string][]byte{
			"proc/cpuinfo":                          cpuinfo,
			"proc/meminfo":                          meminfo,
			"proc/self/cgroup":                      []byte("0::/a\n"),
			"proc/mounts":                           []byte("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"),
			"sys/fs/cgroup/a/cpu.max":               []byte(cpuMax),
			"sys/fs/cgroup/a/cpuset.cpus.effective": []byte(cpuset),
			"sys/fs/cgroup/a/memory.max":            []byte(temp),
			"sys/devices/system/cpu/online":         []byte(online),
			"sys/devices/system/cpu/cpu0/topology/thread_siblings_list": []byte(cpuset),
			"sys/devices/system/cpu/cpu0/cache/index0/level":            []byte(temp),
			"sys/devices/system/cpu/cpu0/cache/index0/size":             []byte(online),
			"sys/class/thermal/thermal_zone0/temp":                      []byte(temp),
			"sys/class/thermal/thermal_zone0/trip_point_0_type":         []byte("passive"),
			"sys/class/thermal/thermal_zone0/trip_point_0_temp":         []byte(online),
			"proc/device-tree/compatible":                               cpuinfo,
		} {
			host := filepath.Join(root, p)
			if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(host, content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p := probeTree(t, root, "cpu", "cgroup", "memory", "board", "thermal")
		for _, c := range p.Checks {
			if strings.Contains(c.Reason, "internal error") {
				t.Fatalf("%s: %s", c.Collector, c.Reason)
			}
		}
		if p.CPU.Usable < 0 || p.Memory.UsableBytes < 0 {
			t.Fatalf("usable %d CPUs, %d bytes", p.CPU.Usable, p.Memory.UsableBytes)
		}
	})
}
