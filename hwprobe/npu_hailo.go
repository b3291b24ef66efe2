package hwprobe

import (
	"context"
	"fmt"
	"strings"
)

func init() { register(hailoCollector{}) }

// hailoPCIVendor is Hailo Technologies' PCI vendor id.
const hailoPCIVendor = 0x1e60

// hailoNames names Hailo PCI device ids (the hailo_pci driver's id table).
// Hailo-8 and Hailo-8L share 2864; only the firmware tells them apart.
var hailoNames = map[uint16]string{
	0x2864: "Hailo-8/8L",
	0x45c4: "Hailo-10H/15",
	0x43a2: "Hailo-15L",
}

// hailoCollector finds Hailo AI accelerators (M.2, mPCIe, the Raspberry Pi
// AI Kit). The hailo_pci driver creates /dev/hailoN and
// /sys/class/hailo_chardev/hailoN, whose device link leads to the PCI device
// (vendor 1e60) and whose attributes (board_location, device_id,
// accelerator_type; fw_version where a driver publishes it) are read when
// present. /sys/module/hailo_pci/version is the driver's version. A Hailo PCI
// device without the driver is reported, not accessible.
type hailoCollector struct{}

func (hailoCollector) Name() string { return "npu.hailo" }

func (hailoCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	var found []Device
	var hard error
	seen := map[string]bool{}

	names := npuDeviceNames(r, "/sys/class/hailo_chardev", "/dev/hailo*", hailoNodeName, &hard)
	for _, name := range names {
		d := hailoFromClass(r, name)
		if d.Address != "" {
			seen[d.Address] = true
		}
		found = append(found, d)
	}

	pci, err := npuPCIScan(r, hailoPCIVendor)
	npuFirstErr(&hard, err)
	for _, pd := range pci {
		if pd.Vendor != hailoPCIVendor || seen[pd.Address] {
			continue
		}
		if _, known := hailoNames[pd.Device]; !known && pd.Class>>8 != ClassAccelerator {
			continue
		}
		found = append(found, hailoUnbound(r, pd))
	}
	return npuResult(p, found, hard)
}

// hailoNodeName reports whether name is hailoN.
func hailoNodeName(name string) bool {
	return strings.HasPrefix(name, "hailo") && npuNodeIndex(name) >= 0 && strings.TrimRight(name, "0123456789") == "hailo"
}

// hailoName names a Hailo device id.
func hailoName(id uint16) string {
	if n, ok := hailoNames[id]; ok {
		return n
	}
	return "Hailo accelerator"
}

// hailoFromClass describes /dev/hailoN with /sys/class/hailo_chardev/hailoN.
func hailoFromClass(r *Root, name string) Device {
	class := "/sys/class/hailo_chardev/" + name
	node := "/dev/" + name
	d := Device{Kind: "hailo", Vendor: "Hailo", Name: "Hailo accelerator", Bus: "pci", Nodes: []string{node}}
	if ok, err := r.Exists(class); ok {
		npuSource(&d, class)
		sd := npuReadSysDev(r, class+"/device")
		npuFill(&d, sd)
		if sd.HasIDs {
			d.Name = hailoName(sd.Device)
		}
		if loc, ok := npuReadOpt(r, &d, "address", class+"/board_location"); ok && d.Address == "" {
			d.Address = loc
		}
		if id, ok := npuReadOpt(r, &d, "device_id", class+"/device_id"); ok && d.DeviceID == "" {
			// "1e60:2864", as the driver prints it.
			if v, dv, ok := npuParsePCIID(id); ok {
				d.VendorID, d.DeviceID = hex16(v), hex16(dv)
				d.Name = hailoName(dv)
			}
		}
		fw := false
		for _, f := range []string{"fw_version", "firmware_version"} {
			if v, ok := npuReadOpt(r, &d, "firmware", class+"/"+f); ok {
				d.Firmware, fw = v, true
				break
			}
		}
		if !fw {
			if _, unreadable := d.Unknown["firmware"]; !unreadable {
				note(&d.Unknown, "firmware", "the hailo_pci driver does not publish the firmware version in sysfs (hailortcli fw-control identify reports it)")
			}
		}
	} else if err != nil {
		note(&d.Unknown, "driver", describe(err))
	} else {
		note(&d.Unknown, "driver", fmt.Sprintf("%s not found: no PCI details", class))
	}
	if d.Driver == "" {
		d.Driver = "hailo_pci"
	}
	if !npuModuleVersion(r, &d, "hailo_pci") {
		if _, unreadable := d.Unknown["driver_version"]; !unreadable {
			note(&d.Unknown, "driver_version", "/sys/module/hailo_pci/version not found")
		}
	}
	if ok, _ := r.Exists(node); ok {
		npuSource(&d, node)
	}
	npuNodeAccess(r, &d, "install HailoRT's udev rule (51-hailo-udev.rules) that opens it to users")
	return d
}

// hailoUnbound describes a Hailo PCI device that has no /dev/hailo node.
func hailoUnbound(r *Root, pd PCIDevice) Device {
	d := Device{
		Kind:     "hailo",
		Vendor:   "Hailo",
		Name:     hailoName(pd.Device),
		Driver:   pd.Driver,
		Bus:      "pci",
		Address:  pd.Address,
		VendorID: pd.VendorID(),
		DeviceID: pd.DeviceID(),
		Sources:  []string{pd.SysPath},
	}
	switch pd.Driver {
	case "":
		note(&d.Unknown, "accessible", "hailo_pci driver not loaded: no /dev/hailo node (install the HailoRT PCIe driver)")
	case "hailo", "hailo_pci":
		note(&d.Unknown, "accessible", "the hailo_pci driver is bound but created no /dev/hailo node (firmware load failed?)")
		npuModuleVersion(r, &d, "hailo_pci")
	default:
		note(&d.Unknown, "accessible", fmt.Sprintf("bound to the %s driver, not hailo_pci: no /dev/hailo node", pd.Driver))
	}
	return d
}
