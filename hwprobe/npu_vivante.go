package hwprobe

import (
	"context"
	"strings"
)

func init() { register(vivanteCollector{}) }

// vivanteSoCs names the SoCs whose NPU is a VeriSilicon (Vivante) VIP core
// driven by galcore, from device-tree compatible strings.
var vivanteSoCs = map[string]string{
	"fsl,imx8mp":         "NXP i.MX 8M Plus",
	"amlogic,a311d":      "Amlogic A311D",
	"amlogic,s905d3":     "Amlogic S905D3",
	"rockchip,rv1126":    "Rockchip RV1126",
	"rockchip,rv1109":    "Rockchip RV1109",
	"rockchip,rk1808":    "Rockchip RK1808",
	"rockchip,rk3399pro": "Rockchip RK3399Pro",
	"st,stm32mp255":      "STM32MP25",
	"st,stm32mp257":      "STM32MP25",
}

// vivanteGPUOnly are SoCs where galcore drives a Vivante GPU and there is
// no NPU.
var vivanteGPUOnly = []string{"fsl,imx6", "fsl,imx7", "fsl,imx8mq", "fsl,imx8mm", "fsl,imx8mn", "fsl,imx8qm", "fsl,imx8qxp", "fsl,imx8dx", "fsl,imx8ulp", "fsl,imx95"}

// vivanteCollector finds VeriSilicon (Vivante) NPUs driven by the vendor
// galcore driver (NXP i.MX 8M Plus, Amlogic A311D/S905D3, Rockchip
// RV1126/RK1808 ...): /dev/galcore, the module (/sys/module/galcore, its
// version or debugfs /sys/kernel/debug/gc/version) and the platform device
// bound to /sys/bus/platform/drivers/galcore. The device tree's compatible
// names the SoC. galcore also drives the Vivante GPUs of SoCs without an
// NPU (i.MX 8M Quad, Mini ...): on those the family is absent; on SoCs the
// probe does not know, galcore is reported with a note.
type vivanteCollector struct{}

func (vivanteCollector) Name() string { return "npu.vivante" }

func (vivanteCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	var hard error
	node, err := r.Exists("/dev/galcore")
	npuFirstErr(&hard, err)
	module, err := r.Exists("/sys/module/galcore")
	npuFirstErr(&hard, err)
	bound, drvDir, err := npuPlatformBound(r, "galcore")
	npuFirstErr(&hard, err)
	if !node && len(bound) == 0 && !module {
		return npuResult(p, nil, hard)
	}

	d := Device{Kind: "vivante", Vendor: "VeriSilicon", Name: "VeriSilicon Vivante NPU", Driver: "galcore", Bus: "platform"}
	if module {
		npuSource(&d, "/sys/module/galcore")
	}
	var sd npuSysDev
	if len(bound) > 0 {
		sd = npuReadSysDev(r, "/sys/bus/platform/devices/"+bound[0])
		npuFill(&d, sd)
		d.Address = bound[0]
		npuSource(&d, drvDir)
	}
	compat, src := DeviceTreeCompatible(r)
	soc := npuSoC(compat, vivanteSoCs)
	if soc == "" {
		soc = npuSoC(sd.Compatible, vivanteSoCs)
	} else {
		npuSource(&d, src)
	}
	switch {
	case soc != "":
		d.Name = soc + " NPU (VeriSilicon Vivante)"
	case vivanteGPUOnlySoC(compat):
		return npuResult(p, nil, nil) // galcore serves a GPU: no NPU here
	default:
		note(&d.Unknown, "name", "SoC not known to the probe: galcore may drive only a Vivante GPU")
	}

	if !npuModuleVersion(r, &d, "galcore") {
		const dbg = "/sys/kernel/debug/gc/version"
		b, err := r.ReadFile(dbg)
		switch {
		case err == nil && npuParseGalcoreVersion(b) != "":
			d.DriverVersion = npuParseGalcoreVersion(b)
			npuSource(&d, dbg)
			delete(d.Unknown, "driver_version")
		case err == nil:
			note(&d.Unknown, "driver_version", "unparseable "+dbg)
		case IsNotExist(err):
			if _, noted := d.Unknown["driver_version"]; !noted {
				note(&d.Unknown, "driver_version", "neither /sys/module/galcore/version nor "+dbg+" (debugfs) found")
			}
		default:
			note(&d.Unknown, "driver_version", describe(err)+" (debugfs is usually readable by root only)")
		}
	}

	if node {
		d.Nodes = []string{"/dev/galcore"}
		npuSource(&d, "/dev/galcore")
		npuNodeAccess(r, &d, "give the video group access with a udev rule and add the user to it")
	} else {
		note(&d.Unknown, "accessible", "galcore is loaded but /dev/galcore was not found")
	}
	return npuResult(p, []Device{d}, nil)
}

// vivanteGPUOnlySoC reports whether the board's SoC has a Vivante GPU and
// no NPU.
func vivanteGPUOnlySoC(compat []string) bool {
	for _, c := range compat {
		for _, k := range vivanteGPUOnly {
			if strings.HasPrefix(c, k) {
				return true
			}
		}
	}
	return false
}

// npuParseGalcoreVersion extracts the driver version from galcore's
// debugfs version file, e.g. "6.4.3.p4.398061 built at Jun  1 2023" ->
// "6.4.3.p4.398061".
func npuParseGalcoreVersion(b []byte) string {
	s := npuClean(string(b))
	if i := strings.Index(strings.ToLower(s), "version"); i >= 0 {
		s = strings.TrimLeft(s[i+len("version"):], " :=")
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	v := strings.TrimPrefix(f[0], "v")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return ""
	}
	return v
}
