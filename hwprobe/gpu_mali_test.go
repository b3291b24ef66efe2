package hwprobe

import (
	"strings"
	"testing"
)

// rk3588Mali is an RK3588-like board: the kbase driver's misc device, a
// devfreq device for the GPU and /dev/mali0.
func rk3588Mali() map[string]string {
	dev := "/sys/devices/platform/fb000000.gpu"
	return map[string]string{
		"/proc/device-tree/compatible":                      "radxa,rock-5b\x00rockchip,rk3588\x00",
		"/sys/class/misc/mali0":                             "->../../devices/platform/fb000000.gpu/misc/mali0",
		dev + "/misc/mali0/device":                          "->../../../fb000000.gpu",
		dev + "/gpuinfo":                                    "Mali-G610 4 cores r0p0 0xA867\n",
		dev + "/driver":                                     "->../../../bus/platform/drivers/mali",
		"/sys/bus/platform/drivers/mali/":                   "",
		dev + "/of_node/compatible":                         "rockchip,rk3588-mali\x00arm,mali-valhall-csf\x00",
		"/sys/class/devfreq/fb000000.gpu":                   "->../../devices/platform/fb000000.gpu/devfreq/fb000000.gpu",
		dev + "/devfreq/fb000000.gpu/device":                "->../../../fb000000.gpu",
		dev + "/devfreq/fb000000.gpu/cur_freq":              "300000000\n",
		dev + "/devfreq/fb000000.gpu/max_freq":              "1000000000\n",
		dev + "/devfreq/fb000000.gpu/available_frequencies": "300000000 400000000 600000000 800000000 1000000000\n",
		"/sys/module/mali_kbase/version":                    "g18p0-01eac0\n",
		"/dev/mali0":                                        "<dev>",
	}
}

func TestMaliSyntheticRK3588(t *testing.T) {
	p := gpuTestProbe(t, tree(t, rk3588Mali()), Options{})
	checkState(t, p, "gpu.mali", Present)
	for _, n := range []string{"gpu.amd", "gpu.intel", "gpu.nvidia", "gpu.jetson"} {
		checkState(t, p, n, Absent)
	}
	d := onlyGPU(t, p, "mali")
	for field, c := range map[string][2]string{
		"name": {d.Name, "Mali-G610 MP4"}, "vendor": {d.Vendor, "Arm"}, "driver": {d.Driver, "mali"},
		"driver_version": {d.DriverVersion, "g18p0-01eac0"}, "bus": {d.Bus, "platform"},
		"address": {d.Address, "fb000000.gpu"}, "device_id": {d.DeviceID, "a867"},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", field, c[0], c[1])
		}
	}
	if strings.Join(d.Nodes, " ") != "/dev/mali0" || !d.Accessible || d.MemoryBytes != 0 {
		t.Errorf("GPU = %+v", d)
	}
	wantNote(t, d, "memory", "shares system memory")
	if !strings.Contains(strings.Join(d.Sources, " "), "/sys/class/devfreq/fb000000.gpu") {
		t.Errorf("Sources = %v", d.Sources)
	}
}

func TestMaliSyntheticDevfreqOnlyAndPanthor(t *testing.T) {
	files := rk3588Mali()
	// The mainline kernel: panthor instead of kbase, no misc device, no gpuinfo.
	for _, k := range []string{"/sys/class/misc/mali0", "/sys/devices/platform/fb000000.gpu/misc/mali0/device",
		"/sys/devices/platform/fb000000.gpu/gpuinfo", "/sys/module/mali_kbase/version", "/dev/mali0", "/sys/bus/platform/drivers/mali/"} {
		delete(files, k)
	}
	files["/sys/devices/platform/fb000000.gpu/driver"] = "->../../../bus/platform/drivers/panthor"
	files["/sys/bus/platform/drivers/panthor/"] = ""
	drmNodes(files, "/sys/devices/platform/fb000000.gpu", "card1", "renderD128")
	p := gpuTestProbe(t, tree(t, files), Options{Only: []string{"gpu.mali"}})
	checkState(t, p, "gpu.mali", Present)
	d := onlyGPU(t, p, "mali")
	if d.Name != "Mali (valhall-csf)" || d.Driver != "panthor" || d.Address != "fb000000.gpu" || !d.Accessible {
		t.Errorf("GPU = %+v", d)
	}
	if got := strings.Join(d.Nodes, " "); got != "/dev/dri/card1 /dev/dri/renderD128" {
		t.Errorf("Nodes = %q", got)
	}
	wantNote(t, d, "name", "device tree only")
	wantNote(t, d, "driver_version", "mali_kbase")
}

func TestMaliSyntheticOtherGPUDevfreq(t *testing.T) {
	// A Tegra GPU's devfreq device is not a Mali.
	files := map[string]string{
		"/sys/class/devfreq/17000000.gpu":                                      "->../../devices/platform/bus@0/17000000.gpu/devfreq/17000000.gpu",
		"/sys/devices/platform/bus@0/17000000.gpu/devfreq/17000000.gpu/device": "->../../../17000000.gpu",
		"/sys/devices/platform/bus@0/17000000.gpu/of_node/compatible":          "nvidia,ga10b\x00",
		"/sys/devices/platform/bus@0/17000000.gpu/driver":                      "->../../../../bus/platform/drivers/gk20a",
	}
	p := gpuTestProbe(t, tree(t, files), Options{Only: []string{"gpu.mali"}})
	checkState(t, p, "gpu.mali", Absent)
}

func TestParseMaliGPUInfo(t *testing.T) {
	for in, want := range map[string]MaliGPUInfo{
		"Mali-G610 4 cores r0p0 0xA867\n":        {"Mali-G610", 4, "r0p0", "0xA867"},
		"Mali-T860 4 cores r2p0 0x0860":          {"Mali-T860", 4, "r2p0", "0x0860"},
		"Mali-G52 1 core r1p0 0x7402":            {"Mali-G52", 1, "r1p0", "0x7402"},
		"(Unknown Mali GPU) 2 cores r0p0 0x1234": {"(Unknown Mali GPU)", 2, "r0p0", "0x1234"},
		"Mali-G57":                               {"Mali-G57", 0, "", ""},
		"":                                       {},
		"0x12 cores":                             {"", 0, "", "0x12"},
		"cores cores":                            {"cores cores", 0, "", ""},
	} {
		if got := ParseMaliGPUInfo(in); got != want {
			t.Errorf("ParseMaliGPUInfo(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func FuzzParseMaliGPUInfo(f *testing.F) {
	for _, s := range []string{"Mali-G610 4 cores r0p0 0xA867\n", "x 0 cores", "cores", "1 cores r1p1 0x", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g := ParseMaliGPUInfo(s)
		if g.Cores < 0 || len(g.Name) > len(s) {
			t.Fatalf("ParseMaliGPUInfo(%q) = %+v", s, g)
		}
	})
}
