package hwprobe

import (
	"context"
	"path"
	"strconv"
	"strings"
)

func init() { register(rknpuCollector{}) }

// rknpuSoCs names the Rockchip SoCs with an RKNPU from their device-tree
// compatible strings.
var rknpuSoCs = map[string]string{
	"rockchip,rk3588":  "RK3588",
	"rockchip,rk3588s": "RK3588S",
	"rockchip,rk3576":  "RK3576",
	"rockchip,rk3568":  "RK3568",
	"rockchip,rk3566":  "RK3566",
	"rockchip,rk3562":  "RK3562",
	"rockchip,rv1106":  "RV1106",
	"rockchip,rv1103":  "RV1103",
}

// rknpuCollector finds the NPU of Rockchip SoCs (RK3588, RK3568/3566,
// RK3576, RV1106 ...) driven by Rockchip's RKNPU driver: /dev/rknpu (older
// BSPs, a misc device) or a DRM render node whose device is bound to the
// rknpu driver (/sys/class/drm/*/device/driver), or a device bound to
// /sys/bus/platform/drivers/RKNPU. The device tree's compatible
// (/proc/device-tree/compatible) names the SoC; the driver's version comes
// from /sys/kernel/debug/rknpu/version (debugfs, often root-only) or
// /sys/module/rknpu/version; the NPU's devfreq (/sys/class/devfreq/*npu*)
// is listed among the sources when readable.
//
// The mainline kernel's driver for the RK3588 NPU (rocket) is an accel
// device: npu.accel reports it.
type rknpuCollector struct{}

func (rknpuCollector) Name() string { return "npu.rknpu" }

func (rknpuCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	var hard error
	d := Device{Kind: "rknpu", Vendor: "Rockchip", Name: "Rockchip NPU", Bus: "platform"}
	found := false

	// Older BSPs: a misc device.
	if ok, err := r.Exists("/dev/rknpu"); ok {
		found = true
		d.Nodes = append(d.Nodes, "/dev/rknpu")
		npuSource(&d, "/dev/rknpu")
		if ok, _ := r.Exists("/sys/class/misc/rknpu/device"); ok {
			npuFill(&d, npuReadSysDev(r, "/sys/class/misc/rknpu/device"))
		}
	} else {
		npuFirstErr(&hard, err)
	}

	// Newer BSPs: a DRM device bound to the rknpu driver.
	drm, err := r.ReadDir("/sys/class/drm")
	npuFirstErr(&hard, err)
	var card, render string
	var drmDev npuSysDev
	for _, n := range drm {
		if !(strings.HasPrefix(n, "card") || strings.HasPrefix(n, "renderD")) || strings.Contains(n, "-") {
			continue // connectors (card0-HDMI-A-1) have no device of their own
		}
		drv := ""
		if t, err := r.Readlink("/sys/class/drm/" + n + "/device/driver"); err == nil {
			drv = path.Base(t)
		} else if b, err := r.ReadFile("/sys/class/drm/" + n + "/device/uevent"); err == nil {
			drv = npuParseUevent(b).Driver
		}
		if !strings.EqualFold(drv, "rknpu") {
			continue
		}
		if drmDev.Dir == "" {
			drmDev = npuReadSysDev(r, "/sys/class/drm/"+n+"/device")
			if drmDev.Driver == "" {
				drmDev.Driver = drv
			}
			npuSource(&d, "/sys/class/drm/"+n+"/device/driver")
		}
		if strings.HasPrefix(n, "renderD") && render == "" {
			render = "/dev/dri/" + n
		} else if strings.HasPrefix(n, "card") && card == "" {
			card = "/dev/dri/" + n
		}
	}
	if drmDev.Dir != "" {
		found = true
		npuFill(&d, drmDev)
		switch { // the runtime (librknnrt) opens the render node
		case render != "":
			d.Nodes = append(d.Nodes, render)
		case card != "":
			d.Nodes = append(d.Nodes, card)
		}
	}

	// The platform driver, whichever interface it offers.
	bound, drvDir, err := npuPlatformBound(r, "RKNPU", "rknpu")
	npuFirstErr(&hard, err)
	if len(bound) > 0 {
		found = true
		npuSource(&d, drvDir)
		if d.Address == "" {
			npuFill(&d, npuReadSysDev(r, "/sys/bus/platform/devices/"+bound[0]))
			d.Address = bound[0]
		}
		if d.Driver == "" {
			d.Driver = path.Base(drvDir)
		}
	}
	if !found {
		return npuResult(p, nil, hard)
	}
	if d.Driver == "" {
		d.Driver = "rknpu"
	}
	if d.Bus == "" {
		d.Bus = "platform"
	}

	compat, src := DeviceTreeCompatible(r)
	soc := npuSoC(compat, rknpuSoCs)
	if soc == "" { // the NPU's own compatible, e.g. rockchip,rk3588-rknpu
		soc = npuSoC(drmDev.Compatible, rknpuSoCs)
	}
	if soc != "" {
		d.Name = "Rockchip " + soc + " NPU"
		npuSource(&d, src)
	}

	rknpuDriverVersion(r, &d)
	if dir, cur, maxMHz, ok := rknpuDevfreq(r, d.Address); ok {
		d.CurMHz, d.MaxMHz = cur, maxMHz
		npuSource(&d, dir)
	}
	if len(d.Nodes) == 0 {
		note(&d.Unknown, "accessible", "the rknpu driver is loaded but there is neither /dev/rknpu nor a DRM node bound to it")
	} else {
		npuNodeAccess(r, &d, "give the render (or video) group access with a udev rule and add the user to it")
	}
	return npuResult(p, []Device{d}, nil)
}

// rknpuDriverVersion reads the RKNPU driver's version: debugfs first (the
// BSP driver prints it there), then the module.
func rknpuDriverVersion(r *Root, d *Device) {
	const dbg = "/sys/kernel/debug/rknpu/version"
	b, err := r.ReadFile(dbg)
	if err == nil {
		if v := npuParseRKNPUVersion(b); v != "" {
			d.DriverVersion = v
			npuSource(d, dbg)
			return
		}
	}
	if npuModuleVersion(r, d, "rknpu") {
		return
	}
	switch {
	case err == nil:
		note(&d.Unknown, "driver_version", "unparseable "+dbg)
	case IsNotExist(err):
		if _, noted := d.Unknown["driver_version"]; !noted {
			note(&d.Unknown, "driver_version", dbg+" not found (debugfs not mounted?) and no /sys/module/rknpu/version")
		}
	default:
		note(&d.Unknown, "driver_version", describe(err)+" (debugfs is usually readable by root only)")
	}
}

// npuParseRKNPUVersion extracts the version from the RKNPU debugfs version
// file, "RKNPU driver: v0.9.6" -> "0.9.6".
func npuParseRKNPUVersion(b []byte) string {
	s := npuClean(string(b))
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	if f := strings.Fields(s); len(f) > 0 {
		s = f[0]
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	if s == "" || !strings.ContainsAny(s[:1], "0123456789") {
		return ""
	}
	return s
}

// rknpuDevfreq finds the NPU's devfreq directory (named after the platform
// device, fdab0000.npu, else the first *npu* entry) and reads its current
// and maximum frequencies in MHz.
func rknpuDevfreq(r *Root, address string) (dir string, curMHz, maxMHz float64, ok bool) {
	dirs, _ := r.Glob("/sys/class/devfreq/*npu*")
	if len(dirs) == 0 {
		return "", 0, 0, false
	}
	dir = dirs[0]
	for _, d := range dirs {
		if address != "" && path.Base(d) == address {
			dir = d
		}
	}
	cur, err := r.ReadString(dir + "/cur_freq")
	if err != nil {
		return "", 0, 0, false
	}
	curMHz, ok = npuParseHz(cur)
	if !ok {
		return "", 0, 0, false
	}
	if m, err := r.ReadString(dir + "/max_freq"); err == nil {
		maxMHz, _ = npuParseHz(m)
	}
	return dir, curMHz, maxMHz, true
}

// npuParseHz parses a devfreq frequency in Hz into MHz.
func npuParseHz(s string) (float64, bool) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || v == 0 {
		return 0, false
	}
	return float64(v) / 1e6, true
}
