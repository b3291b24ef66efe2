package hwprobe

import (
	"context"
	"fmt"
	"strings"
)

func init() { register(accelCollector{}) }

// accelDriver describes an accel driver the probe knows.
type accelDriver struct {
	kind, vendor, name string
	module             string            // /sys/module/<module>/version
	names              map[uint16]string // PCI device id -> name
}

// accelDrivers maps accel drivers to NPU kinds. Drivers not listed are
// reported with kind "accel" and their driver's name.
var accelDrivers = map[string]accelDriver{
	"intel_vpu": {kind: "intel-npu", vendor: "Intel", name: "Intel NPU", module: "intel_vpu", names: map[uint16]string{
		0x7d1d: "Intel NPU (Meteor Lake)",
		0xad1d: "Intel NPU (Arrow Lake)",
		0x643e: "Intel NPU (Lunar Lake)",
		0xb03e: "Intel NPU (Panther Lake)",
	}},
	"amdxdna": {kind: "amd-xdna", vendor: "AMD", name: "AMD XDNA NPU", module: "amdxdna", names: map[uint16]string{
		0x1502: "AMD XDNA NPU (Phoenix/Hawk Point)",
		0x17f0: "AMD XDNA 2 NPU (Strix/Krackan)",
	}},
	"rocket":     {kind: "rknpu", vendor: "Rockchip", name: "Rockchip NPU", module: "rocket"},
	"ethosu":     {kind: "ethos-u", vendor: "Arm", name: "Arm Ethos-U", module: "ethosu"},
	"qaic":       {kind: "accel", vendor: "Qualcomm", name: "Qualcomm Cloud AI 100", module: "qaic"},
	"habanalabs": {kind: "accel", vendor: "Habana Labs", name: "Intel Gaudi (habanalabs)", module: "habanalabs"},
}

// accelPCIDrivers names, by PCI vendor, the driver that should own that
// vendor's NPUs (accelDrivers[driver].names) when one is found without it.
var accelPCIDrivers = map[uint16]string{0x8086: "intel_vpu", 0x1022: "amdxdna"}

// accelCollector finds the devices of the kernel's compute accelerator
// subsystem, /dev/accel/accelN with /sys/class/accel/accelN, and tells them
// apart by the bound driver (/sys/class/accel/accelN/device/driver):
// intel_vpu is an Intel NPU (Meteor, Arrow, Lunar Lake ...), amdxdna an AMD
// XDNA NPU (Ryzen AI). Their firmware versions come from the device's
// fw_version attribute where the driver publishes one (amdxdna does; for
// intel_vpu the probe also tries debugfs). Other accel drivers are
// reported with kind "accel" and the driver's name (rocket and ethosu, the
// mainline drivers of the Rockchip and Arm NPUs, get those kinds). Intel
// and AMD NPUs on the PCI bus without their driver are reported, not
// accessible.
type accelCollector struct{}

func (accelCollector) Name() string { return "npu.accel" }

func (accelCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	var found []Device
	var hard error
	seen := map[string]bool{}

	names := npuDeviceNames(r, "/sys/class/accel", "/dev/accel/accel*", accelName, &hard)
	for _, n := range names {
		d := accelFromClass(r, n)
		if d.Address != "" {
			seen[d.Address] = true
		}
		found = append(found, d)
	}

	var vendors []uint16
	for v := range accelPCIDrivers {
		vendors = append(vendors, v)
	}
	pci, err := npuPCIScan(r, vendors...)
	npuFirstErr(&hard, err)
	for _, pd := range pci {
		drvName, ok := accelPCIDrivers[pd.Vendor]
		if !ok || seen[pd.Address] {
			continue
		}
		drv := accelDrivers[drvName]
		name, known := drv.names[pd.Device]
		if !known {
			continue
		}
		d := Device{
			Kind: drv.kind, Vendor: drv.vendor, Name: name, Driver: pd.Driver, Bus: "pci",
			Address: pd.Address, VendorID: pd.VendorID(), DeviceID: pd.DeviceID(), Sources: []string{pd.SysPath},
		}
		if pd.Driver == "" {
			note(&d.Unknown, "accessible", fmt.Sprintf("%s driver not loaded: no /dev/accel node", drvName))
		} else {
			note(&d.Unknown, "accessible", fmt.Sprintf("bound to %s but no /dev/accel node", pd.Driver))
		}
		found = append(found, d)
	}
	return npuResult(p, found, hard)
}

// accelName reports whether name is accelN.
func accelName(name string) bool {
	return strings.TrimRight(name, "0123456789") == "accel" && npuNodeIndex(name) >= 0
}

// accelFromClass describes /dev/accel/accelN with /sys/class/accel/accelN.
func accelFromClass(r *Root, name string) Device {
	class := "/sys/class/accel/" + name
	node := "/dev/accel/" + name
	d := Device{Kind: "accel", Name: "Compute accelerator", Nodes: []string{node}}
	switch ok, err := r.Exists(class); {
	case err != nil:
		note(&d.Unknown, "driver", describe(err))
	case !ok:
		note(&d.Unknown, "driver", class+" not found: cannot tell which driver serves "+node)
	default:
		npuSource(&d, class)
		sd := npuReadSysDev(r, class+"/device")
		npuFill(&d, sd)
		drv, known := accelDrivers[sd.Driver]
		switch {
		case known:
			d.Kind, d.Vendor, d.Name = drv.kind, drv.vendor, drv.name
			if sd.HasIDs {
				if n, ok := drv.names[sd.Device]; ok {
					d.Name = n
				}
			}
		case sd.Driver != "":
			d.Name = "Compute accelerator (" + sd.Driver + ")"
		default:
			if _, noted := d.Unknown["driver"]; !noted {
				note(&d.Unknown, "driver", "no driver bound to "+class+"/device")
			}
		}
		if d.Kind == "ethos-u" {
			if v := ethosUVariant(sd.Compatible); v != "" {
				d.Name = "Arm Ethos-" + v
			}
		}
		accelDetails(r, &d, class, name, drv)
	}
	if ok, _ := r.Exists(node); ok {
		npuSource(&d, node)
	}
	npuNodeAccess(r, &d, "give the render group access with a udev rule and add the user to it")
	return d
}

// accelDetails reads the driver's version and the firmware version.
func accelDetails(r *Root, d *Device, class, name string, drv accelDriver) {
	if drv.module != "" && !npuModuleVersion(r, d, drv.module) {
		if _, noted := d.Unknown["driver_version"]; !noted {
			note(&d.Unknown, "driver_version", fmt.Sprintf("in-tree driver: /sys/module/%s/version not found, the kernel's release is its version", drv.module))
		}
	}
	if d.Kind == "amd-xdna" {
		if vbnv, ok := npuReadOpt(r, d, "name", class+"/device/vbnv"); ok {
			d.Name = "AMD XDNA NPU (" + vbnv + ")" // RyzenAI-npu1, RyzenAI-npu4 ...
		}
	}
	candidates := []string{class + "/device/fw_version"}
	if d.Kind == "intel-npu" {
		candidates = append(candidates, "/sys/kernel/debug/accel/"+fmt.Sprint(npuNodeIndex(name))+"/fw_version")
	}
	for _, c := range candidates {
		if v, ok := npuReadOpt(r, d, "firmware", c); ok {
			d.Firmware = v
			delete(d.Unknown, "firmware")
			return
		}
	}
	if _, noted := d.Unknown["firmware"]; !noted && (d.Kind == "intel-npu" || d.Kind == "amd-xdna") {
		note(&d.Unknown, "firmware", "no firmware version file ("+strings.Join(candidates, ", ")+")")
	}
}
