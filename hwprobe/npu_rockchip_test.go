package hwprobe

import (
	"strings"
	"testing"
)

// rk3588Tree is a Radxa ROCK 5B whose NPU (fdab0000.npu) is served by the
// BSP's RKNPU driver through DRM: card1 and renderD129. The GPU (card0) is
// another DRM device.
func rk3588Tree() map[string]string {
	npu := "/sys/devices/platform/fdab0000.npu"
	return map[string]string{
		"/proc/device-tree":                                   "->../sys/firmware/devicetree/base",
		"/sys/firmware/devicetree/base/compatible":            "radxa,rock-5b\x00rockchip,rk3588\x00",
		npu + "/uevent":                                       "DRIVER=RKNPU\nOF_NAME=npu\nOF_FULLNAME=/npu@fdab0000\nOF_COMPATIBLE_0=rockchip,rk3588-rknpu\nOF_COMPATIBLE_N=1\nMODALIAS=of:NnpuT(null)Crockchip,rk3588-rknpu\n",
		npu + "/driver":                                       "->../../../bus/platform/drivers/RKNPU",
		npu + "/subsystem":                                    "->../../../bus/platform",
		npu + "/drm/card1/dev":                                "226:1\n",
		npu + "/drm/renderD129/dev":                           "226:129\n",
		npu + "/drm/card1/device":                             "->../../../fdab0000.npu",
		npu + "/drm/renderD129/device":                        "->../../../fdab0000.npu",
		"/sys/bus/platform/drivers/RKNPU/fdab0000.npu":        "->../../../../devices/platform/fdab0000.npu",
		"/sys/bus/platform/drivers/RKNPU/bind":                "",
		"/sys/bus/platform/drivers/RKNPU/uevent":              "",
		"/sys/bus/platform/devices/fdab0000.npu":              "->../../../devices/platform/fdab0000.npu",
		"/sys/class/drm/card1":                                "->../../devices/platform/fdab0000.npu/drm/card1",
		"/sys/class/drm/renderD129":                           "->../../devices/platform/fdab0000.npu/drm/renderD129",
		"/sys/class/drm/card0":                                "->../../devices/platform/fb000000.gpu/drm/card0",
		"/sys/class/drm/card0-HDMI-A-1":                       "->../../devices/platform/fb000000.gpu/drm/card0/card0-HDMI-A-1",
		"/sys/devices/platform/fb000000.gpu/drm/card0/device": "->../../../fb000000.gpu",
		"/sys/devices/platform/fb000000.gpu/driver":           "->../../../bus/platform/drivers/mali",
		"/sys/bus/platform/drivers/mali/":                     "",
		"/sys/class/devfreq/fdab0000.npu":                     "->../../devices/platform/fdab0000.npu/devfreq/fdab0000.npu",
		npu + "/devfreq/fdab0000.npu/cur_freq":                "1000000000\n",
		npu + "/devfreq/fdab0000.npu/max_freq":                "1000000000\n",
		"/sys/kernel/debug/rknpu/version":                     "RKNPU driver: v0.9.6\n",
		"/dev/dri/card0":                                      "<dev>",
		"/dev/dri/card1":                                      "<dev>",
		"/dev/dri/renderD128":                                 "<dev>",
		"/dev/dri/renderD129":                                 "<dev>",
		"/etc/group":                                          "root:x:0:\nrender:x:992:\n",
	}
}

func TestNPUSyntheticRK3588DRM(t *testing.T) {
	p, _ := npuProbe(t, tree(t, rk3588Tree()), "npu.rknpu", Present)
	if len(p.NPUs) != 1 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "rknpu", Vendor: "Rockchip", Name: "Rockchip RK3588 NPU", Driver: "RKNPU", DriverVersion: "0.9.6",
		Bus: "platform", Address: "fdab0000.npu", Nodes: []string{"/dev/dri/renderD129"}, Accessible: true,
		Sources: []string{"/sys/kernel/debug/rknpu/version", "/sys/class/devfreq/fdab0000.npu", "/proc/device-tree/compatible"},
	})
	if len(p.NPUs[0].Unknown) != 0 {
		t.Errorf("unknown fields on a complete device: %v", p.NPUs[0].Unknown)
	}
}

// Older BSPs: /dev/rknpu, a misc device; the RK3568's debugfs is not
// mounted but the module has a version.
func TestNPUSyntheticRK3568MiscNode(t *testing.T) {
	npu := "/sys/devices/platform/fde40000.npu"
	root := tree(t, map[string]string{
		"/proc/device-tree/compatible":                 "rockchip,rk3568-evb1-ddr4-v10\x00rockchip,rk3568\x00",
		"/dev/rknpu":                                   "<dev>",
		"/sys/class/misc/rknpu":                        "->../../devices/platform/fde40000.npu/misc/rknpu",
		npu + "/misc/rknpu/device":                     "->../../../fde40000.npu",
		npu + "/uevent":                                "DRIVER=RKNPU\nOF_COMPATIBLE_0=rockchip,rk3568-rknpu\nOF_COMPATIBLE_N=1\n",
		npu + "/subsystem":                             "->../../../bus/platform",
		"/sys/bus/platform/drivers/RKNPU/fde40000.npu": "->../../../../devices/platform/fde40000.npu",
		"/sys/module/rknpu/version":                    "0.8.2\n",
	})
	p, _ := npuProbe(t, root, "npu.rknpu", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "rknpu", Vendor: "Rockchip", Name: "Rockchip RK3568 NPU", Driver: "RKNPU", DriverVersion: "0.8.2",
		Bus: "platform", Address: "fde40000.npu", Nodes: []string{"/dev/rknpu"}, Accessible: true,
	})
}

// Debugfs unreadable, no module version: the version is unknown with the
// reason; the SoC comes from the NPU's own compatible when the board's is
// missing.
func TestNPUSyntheticRKNPUVersionUnreadable(t *testing.T) {
	files := rk3588Tree()
	files["/sys/kernel/debug/rknpu/version"] = "->" + npuDenied(t)
	delete(files, "/sys/firmware/devicetree/base/compatible")
	p, _ := npuProbe(t, tree(t, files), "npu.rknpu", Present)
	d := p.NPUs[0]
	if d.DriverVersion != "" || !strings.Contains(d.Unknown["driver_version"], "permission denied reading /sys/kernel/debug/rknpu/version") {
		t.Errorf("driver version %q, note %q", d.DriverVersion, d.Unknown["driver_version"])
	}
	if d.Name != "Rockchip RK3588 NPU" {
		t.Errorf("name %q", d.Name)
	}
}

func TestNPUSyntheticRKNPUDriverWithoutNode(t *testing.T) {
	root := tree(t, map[string]string{
		"/sys/bus/platform/drivers/RKNPU/fdab0000.npu": "->../../../../devices/platform/fdab0000.npu",
		"/sys/devices/platform/fdab0000.npu/uevent":    "DRIVER=RKNPU\n",
		"/sys/firmware/devicetree/base/compatible":     "rockchip,rk3588s\x00",
	})
	p, _ := npuProbe(t, root, "npu.rknpu", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "rknpu", Vendor: "Rockchip", Name: "Rockchip RK3588S NPU", Driver: "RKNPU", Bus: "platform", Address: "fdab0000.npu",
		Unknown: map[string]string{"accessible": "neither /dev/rknpu nor a DRM node", "driver_version": "not found"},
	})
}

// A Rockchip board whose NPU driver is not loaded, and DRM devices of
// other drivers, are not an RKNPU.
func TestNPUSyntheticRKNPUAbsent(t *testing.T) {
	files := rk3588Tree()
	for k := range files {
		if strings.Contains(k, "fdab0000.npu") || strings.Contains(k, "RKNPU") || strings.Contains(k, "rknpu") {
			delete(files, k)
		}
	}
	npuProbe(t, tree(t, files), "npu.rknpu", Absent)
}

func TestNPUParseRKNPUVersion(t *testing.T) {
	for in, want := range map[string]string{
		"RKNPU driver: v0.9.6\n": "0.9.6",
		"v0.8.2":                 "0.8.2",
		"0.9.8 (build)":          "0.9.8",
		"RKNPU driver: ":         "",
		"garbage":                "",
		"":                       "",
	} {
		if got := npuParseRKNPUVersion([]byte(in)); got != want {
			t.Errorf("npuParseRKNPUVersion(%q) = %q, want %q", in, got, want)
		}
	}
	if mhz, ok := npuParseHz("1000000000\n"); !ok || mhz != 1000 {
		t.Errorf("npuParseHz: %v %v", mhz, ok)
	}
	if soc := npuSoC([]string{"radxa,rock-5a", "rockchip,rk3588s"}, rknpuSoCs); soc != "RK3588S" {
		t.Errorf("npuSoC: %q", soc)
	}
}

// Fuzz the version and name strings the NPU collectors parse.
func FuzzNPUVersions(f *testing.F) {
	f.Add([]byte("RKNPU driver: v0.9.6\n"))
	f.Add([]byte("6.4.3.p4.398061 built at Jun  1 2023"))
	f.Add([]byte("arm,ethos-u65\x00fsl,imx93\x00"))
	f.Add([]byte("v\x00:\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []string{npuParseRKNPUVersion(b), npuParseGalcoreVersion(b)} {
			if len(v) > npuMaxString || strings.ContainsAny(v, "\n\x00 ") {
				t.Fatalf("version %q from %q", v, b)
			}
		}
		npuParseHz(string(b))
		compat := SplitNUL(b)
		npuSoC(compat, rknpuSoCs)
		npuSoC(compat, vivanteSoCs)
		vivanteGPUOnlySoC(compat)
		if v := ethosUVariant(compat); v != "" && v != "U55" && v != "U65" && v != "U85" {
			t.Fatalf("Ethos-U variant %q", v)
		}
	})
}
