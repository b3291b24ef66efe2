package hwprobe

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() { register(edgeTPUCollector{}) }

// Coral Edge TPU ids.
const (
	edgeTPUPCIVendor      = 0x1ac1 // Global Unichip (PCIe Edge TPU)
	edgeTPUPCIDevice      = 0x089a
	edgeTPUUSBBootVendor  = 0x1a6e // Global Unichip: USB Accelerator before its firmware is loaded
	edgeTPUUSBBootProduct = 0x089a
	edgeTPUUSBVendor      = 0x18d1 // Google: USB Accelerator running its firmware
	edgeTPUUSBProduct     = 0x9302
)

// edgeTPUCollector finds Coral Edge TPUs.
//
// PCIe and M.2 modules: the apex driver (gasket framework) creates
// /dev/apex_N and /sys/class/apex/apex_N, whose device link leads to the PCI
// device 1ac1:089a; /sys/module/apex/version is the driver's version. A PCI
// device 1ac1:089a without the apex driver is reported, not accessible. The
// Dual Edge TPU module shows as two devices.
//
// USB Accelerator: it enumerates as 1a6e:089a until the Edge TPU runtime
// (libedgetpu) loads its firmware, then as 18d1:9302. The runtime opens it
// through /dev/bus/usb/BBB/DDD (libusb); there is no kernel driver.
type edgeTPUCollector struct{}

func (edgeTPUCollector) Name() string { return "npu.edgetpu" }

func (edgeTPUCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	var found []Device
	var hard error
	seen := map[string]bool{} // PCI addresses reported

	// Devices the apex driver knows: the class directory, then nodes
	// without a class entry (sysfs hidden, /dev passed into a container).
	names := npuDeviceNames(r, "/sys/class/apex", "/dev/apex_*", func(n string) bool { return strings.HasPrefix(n, "apex_") && npuNodeIndex(n) >= 0 }, &hard)
	for _, name := range names {
		d := edgeTPUFromClass(r, name)
		if d.Address != "" {
			seen[d.Address] = true
		}
		found = append(found, d)
	}

	// PCI devices the driver has not claimed.
	pci, err := npuPCIScan(r, edgeTPUPCIVendor)
	npuFirstErr(&hard, err)
	for _, pd := range pci {
		if pd.Vendor != edgeTPUPCIVendor || pd.Device != edgeTPUPCIDevice || seen[pd.Address] {
			continue
		}
		found = append(found, edgeTPUUnbound(r, pd))
	}

	// USB Accelerators.
	usb, err := USBDevices(r)
	npuFirstErr(&hard, err)
	for _, ud := range usb {
		if d, ok := edgeTPUFromUSB(r, ud); ok {
			found = append(found, d)
		}
	}
	return npuResult(p, found, hard)
}

// edgeTPUFromClass describes /dev/apex_N with /sys/class/apex/apex_N.
func edgeTPUFromClass(r *Root, name string) Device {
	class := "/sys/class/apex/" + name
	node := "/dev/" + name
	d := Device{
		Kind:   "edgetpu",
		Vendor: "Google",
		Name:   "Coral Edge TPU",
		Bus:    "pci",
		Nodes:  []string{node},
	}
	if ok, err := r.Exists(class); ok {
		npuSource(&d, class)
		sd := npuReadSysDev(r, class+"/device")
		npuFill(&d, sd)
		if !sd.HasIDs {
			d.VendorID, d.DeviceID = hex16(edgeTPUPCIVendor), hex16(edgeTPUPCIDevice)
		}
		if st, ok := npuReadOpt(r, &d, "status", class+"/status"); ok && !strings.EqualFold(st, "ALIVE") {
			note(&d.Unknown, "status", fmt.Sprintf("the driver reports the device %s", st))
		}
		if !npuModuleVersion(r, &d, "apex") {
			if v, ok := npuReadOpt(r, &d, "driver_version", class+"/driver_version"); ok {
				d.DriverVersion = v
			}
		}
	} else {
		if err != nil {
			note(&d.Unknown, "driver", describe(err))
		} else {
			note(&d.Unknown, "driver", fmt.Sprintf("%s not found: no PCI details", class))
		}
		d.VendorID, d.DeviceID = hex16(edgeTPUPCIVendor), hex16(edgeTPUPCIDevice)
		npuModuleVersion(r, &d, "apex")
	}
	if d.Driver == "" {
		d.Driver = "apex"
	}
	if ok, _ := r.Exists(node); ok {
		npuSource(&d, node)
	}
	npuNodeAccess(r, &d, "install the Edge TPU udev rule (65-apex.rules) that gives the apex group access, and add the user to that group")
	return d
}

// edgeTPUUnbound describes a PCI Edge TPU that has no apex node.
func edgeTPUUnbound(r *Root, pd PCIDevice) Device {
	d := Device{
		Kind:     "edgetpu",
		Vendor:   "Google",
		Name:     "Coral Edge TPU",
		Driver:   pd.Driver,
		Bus:      "pci",
		Address:  pd.Address,
		VendorID: pd.VendorID(),
		DeviceID: pd.DeviceID(),
		Sources:  []string{pd.SysPath},
	}
	switch pd.Driver {
	case "":
		note(&d.Unknown, "accessible", "apex driver not loaded: no /dev/apex node (install gasket-dkms and load the apex module)")
	case "apex", "gasket":
		note(&d.Unknown, "accessible", fmt.Sprintf("the %s driver is bound but created no /dev/apex node", pd.Driver))
		npuModuleVersion(r, &d, "apex")
	default:
		note(&d.Unknown, "accessible", fmt.Sprintf("bound to the %s driver, not apex: no /dev/apex node", pd.Driver))
	}
	return d
}

// edgeTPUFromUSB describes a Coral USB Accelerator, in either state.
func edgeTPUFromUSB(r *Root, ud USBDevice) (Device, bool) {
	d := Device{Kind: "edgetpu", Bus: "usb", Address: ud.Path, VendorID: ud.VendorID(), DeviceID: ud.ProductID()}
	switch {
	case ud.Vendor == edgeTPUUSBBootVendor && ud.Product == edgeTPUUSBBootProduct:
		d.Vendor = "Global Unichip"
		d.Name = "Coral USB Accelerator (firmware not loaded)"
		note(&d.Unknown, "firmware", "not loaded yet: the Edge TPU runtime (libedgetpu) loads it on first use, and the device then re-enumerates as 18d1:9302")
	case ud.Vendor == edgeTPUUSBVendor && ud.Product == edgeTPUUSBProduct:
		d.Vendor = "Google"
		d.Name = "Coral USB Accelerator"
	default:
		return Device{}, false
	}
	npuSource(&d, ud.SysPath+"/idVendor", ud.SysPath+"/idProduct")
	if node, src, ok := npuUSBNode(r, ud.SysPath); ok {
		d.Nodes = []string{node}
		npuSource(&d, src)
		npuNodeAccess(r, &d, "install the Edge TPU udev rule (99-edgetpu-accelerator.rules) that gives the plugdev group access, and add the user to that group")
	} else {
		note(&d.Unknown, "accessible", "cannot tell its /dev/bus/usb node: "+src)
	}
	return d, true
}

// npuUSBNode returns the device file of a USB device, /dev/bus/usb/BBB/DDD,
// from its uevent DEVNAME or its busnum and devnum files, and the file it
// came from (or why it could not be told).
func npuUSBNode(r *Root, sys string) (node, source string, ok bool) {
	if b, err := r.ReadFile(sys + "/uevent"); err == nil {
		if n, ok := npuUSBDevName(npuParseUevent(b).DevName); ok {
			return n, sys + "/uevent", true
		}
	}
	bs, err1 := r.ReadString(sys + "/busnum")
	ds, err2 := r.ReadString(sys + "/devnum")
	if err1 != nil {
		return "", describe(err1), false
	}
	if err2 != nil {
		return "", describe(err2), false
	}
	bus, ok1 := npuParseUSBNum(bs)
	dev, ok2 := npuParseUSBNum(ds)
	if !ok1 || !ok2 {
		return "", fmt.Sprintf("unparseable busnum %q / devnum %q", npuClean(bs), npuClean(ds)), false
	}
	return fmt.Sprintf("/dev/bus/usb/%03d/%03d", bus, dev), sys + "/busnum", true
}

// npuUSBDevName checks a uevent DEVNAME of a USB device (bus/usb/001/004)
// and returns its /dev path.
func npuUSBDevName(s string) (string, bool) {
	f := strings.Split(s, "/")
	if len(f) != 4 || f[0] != "bus" || f[1] != "usb" {
		return "", false
	}
	bus, ok1 := npuParseUSBNum(f[2])
	dev, ok2 := npuParseUSBNum(f[3])
	if !ok1 || !ok2 {
		return "", false
	}
	return fmt.Sprintf("/dev/bus/usb/%03d/%03d", bus, dev), true
}

// npuParseUSBNum parses a USB bus or device number ("1", "004"): 1 to 999.
func npuParseUSBNum(s string) (int, bool) {
	s = strings.Trim(s, " \t\r\n\x00")
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 999 {
		return 0, false
	}
	return n, true
}
