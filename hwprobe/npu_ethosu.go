package hwprobe

import (
	"context"
	"path"
	"strings"
)

func init() { register(ethosUCollector{}) }

// ethosUCollector finds Arm Ethos-U NPUs driven by Arm's ethos-u Linux
// driver (i.MX 93, Corstone-1000 ...): /dev/ethosuN, with
// /sys/class/ethosu/ethosuN/device when the driver has that class, and the
// devices bound to /sys/bus/platform/drivers/ethosu. The NPU's
// configuration (U55, U65, U85) is named when a compatible string of the
// device or the board says it. The mainline kernel's ethosu accel driver is
// reported by npu.accel.
type ethosUCollector struct{}

func (ethosUCollector) Name() string { return "npu.ethos-u" }

func (ethosUCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	var found []Device
	var hard error

	nodes, err := DevNodes(r, "/dev/ethosu*")
	npuFirstErr(&hard, err)
	var names []string
	for _, n := range nodes {
		if b := path.Base(n); strings.TrimRight(b, "0123456789") == "ethosu" && npuNodeIndex(b) >= 0 {
			names = append(names, b)
		}
	}
	npuSortNames(names)
	bound, drvDir, err := npuPlatformBound(r, "ethosu")
	npuFirstErr(&hard, err)
	compat, compatSrc := DeviceTreeCompatible(r)

	used := map[string]bool{}
	for _, name := range names {
		d := Device{Kind: "ethos-u", Vendor: "Arm", Name: "Arm Ethos-U", Driver: "ethosu", Bus: "platform", Nodes: []string{"/dev/" + name}}
		npuSource(&d, "/dev/"+name)
		var sd npuSysDev
		if ok, _ := r.Exists("/sys/class/ethosu/" + name + "/device"); ok {
			sd = npuReadSysDev(r, "/sys/class/ethosu/"+name+"/device")
			npuFill(&d, sd)
			npuSource(&d, "/sys/class/ethosu/"+name)
		} else if len(bound) > 0 {
			// Without a class entry, pair nodes with bound devices in order.
			for _, b := range bound {
				if !used[b] {
					sd = npuReadSysDev(r, "/sys/bus/platform/devices/"+b)
					npuFill(&d, sd)
					d.Address = b
					npuSource(&d, drvDir)
					break
				}
			}
		}
		if d.Address != "" {
			used[d.Address] = true
		}
		ethosUFinish(r, &d, sd, compat, compatSrc)
		npuNodeAccess(r, &d, "give the user's group access to it with a udev rule")
		found = append(found, d)
	}
	for _, b := range bound {
		if used[b] {
			continue
		}
		if ok, _ := r.Exists("/sys/bus/platform/devices/" + b + "/accel"); ok {
			continue // served by the mainline accel driver: npu.accel reports it
		}
		d := Device{Kind: "ethos-u", Vendor: "Arm", Name: "Arm Ethos-U", Driver: "ethosu", Bus: "platform", Address: b}
		sd := npuReadSysDev(r, "/sys/bus/platform/devices/"+b)
		npuFill(&d, sd)
		d.Address = b
		npuSource(&d, drvDir)
		ethosUFinish(r, &d, sd, compat, compatSrc)
		note(&d.Unknown, "accessible", "the ethosu driver is bound but there is no /dev/ethosu node")
		found = append(found, d)
	}
	return npuResult(p, found, hard)
}

// ethosUFinish names the configuration and reads the driver's version.
func ethosUFinish(r *Root, d *Device, sd npuSysDev, compat []string, compatSrc string) {
	if v := ethosUVariant(sd.Compatible); v != "" {
		d.Name = "Arm Ethos-" + v
	} else if v := ethosUVariant(compat); v != "" {
		d.Name = "Arm Ethos-" + v
		npuSource(d, compatSrc)
	}
	npuModuleVersion(r, d, "ethosu")
}

// ethosUVariant names the Ethos-U configuration from compatible strings.
func ethosUVariant(compat []string) string {
	for _, c := range compat {
		if v := npuEthosUVariant(c); v != "" {
			return v
		}
	}
	return ""
}

// npuEthosUVariant names the Ethos-U configuration a compatible string
// implies: "arm,ethos-u65" -> "U65"; the i.MX 93's NPU is a U65.
func npuEthosUVariant(s string) string {
	s = strings.ToLower(s)
	for _, v := range []string{"u55", "u65", "u85"} {
		if strings.Contains(s, "ethos-"+v) || strings.Contains(s, "ethosu-"+v) || strings.Contains(s, "ethos"+v) || strings.Contains(s, "ethosu"+v[1:]) {
			return strings.ToUpper(v)
		}
	}
	if strings.HasPrefix(s, "fsl,imx93") {
		return "U65"
	}
	return ""
}
