package hwprobe

import (
	"strings"
	"testing"
)

// edgeTPUTree is a synthetic machine with Coral PCIe Edge TPUs bound to the
// apex driver at the given PCI addresses (apex_0, apex_1 ...).
func edgeTPUTree(addrs ...string) map[string]string {
	files := map[string]string{
		"/sys/module/apex/version":   "1.2\n",
		"/sys/module/gasket/version": "1.1.4\n",
		"/etc/group":                 "root:x:0:\napex:x:997:\n",
		"/proc/version":              "Linux version 6.1.0-18-amd64 (x)\n",
		"/sys/bus/usb/devices/usb1":  "->../../../devices/pci0000:00/0000:00:14.0/usb1",
		"/sys/devices/pci0000:00/0000:00:14.0/usb1/idVendor":  "1d6b\n",
		"/sys/devices/pci0000:00/0000:00:14.0/usb1/idProduct": "0002\n",
	}
	for i, addr := range addrs {
		name := "apex_" + string(rune('0'+i))
		dir := npuPCI(files, addr, "1ac1", "089a", "0000ff", "apex")
		files["/sys/class/apex/"+name] = "->../../devices/pci0000:00/0000:00:1c.0/" + addr + "/apex/" + name
		files[dir+"/apex/"+name+"/device"] = "->../../../" + addr
		files[dir+"/apex/"+name+"/status"] = "ALIVE\n"
		files[dir+"/apex/"+name+"/driver_version"] = "1.1\n"
		files["/dev/"+name] = "<dev>"
	}
	return files
}

func TestNPUSyntheticEdgeTPUPCIe(t *testing.T) {
	root := tree(t, edgeTPUTree("0000:01:00.0"))
	p, _ := npuProbe(t, root, "npu.edgetpu", Present)
	if len(p.NPUs) != 1 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "edgetpu", Vendor: "Google", Name: "Coral Edge TPU", Driver: "apex", DriverVersion: "1.2",
		Bus: "pci", Address: "0000:01:00.0", VendorID: "1ac1", DeviceID: "089a",
		Nodes: []string{"/dev/apex_0"}, Accessible: true,
		Sources: []string{"/sys/class/apex/apex_0", "/sys/module/apex/version", "/dev/apex_0"},
	})
	if len(p.NPUs[0].Unknown) != 0 {
		t.Errorf("unknown fields on a complete device: %v", p.NPUs[0].Unknown)
	}
}

func TestNPUSyntheticEdgeTPUTwoPCIe(t *testing.T) {
	files := edgeTPUTree("0000:01:00.0", "0000:02:00.0")
	delete(files, "/sys/module/apex/version") // the class's driver_version stands in
	root := tree(t, files)
	p, _ := npuProbe(t, root, "npu.edgetpu", Present)
	if len(p.NPUs) != 2 {
		t.Fatalf("want 2 Edge TPUs, got %+v", p.NPUs)
	}
	for i, addr := range []string{"0000:01:00.0", "0000:02:00.0"} {
		node := "/dev/apex_" + string(rune('0'+i))
		npuCheckDevice(t, p.NPUs[i], npuWant{
			Kind: "edgetpu", Vendor: "Google", Name: "Coral Edge TPU", Driver: "apex", DriverVersion: "1.1",
			Bus: "pci", Address: addr, VendorID: "1ac1", DeviceID: "089a", Nodes: []string{node}, Accessible: true,
		})
	}
}

func TestNPUSyntheticEdgeTPUPCIeWithoutDriver(t *testing.T) {
	files := map[string]string{"/proc/version": "Linux version 6.1.0 (x)\n"}
	npuPCI(files, "0000:03:00.0", "1ac1", "089a", "0000ff", "")
	root := tree(t, files)
	p, _ := npuProbe(t, root, "npu.edgetpu", Present)
	if len(p.NPUs) != 1 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "edgetpu", Vendor: "Google", Name: "Coral Edge TPU", Bus: "pci", Address: "0000:03:00.0",
		VendorID: "1ac1", DeviceID: "089a", Accessible: false,
		Unknown: map[string]string{"accessible": "apex driver not loaded"},
	})
}

// A PCI Edge TPU given to another driver (vfio-pci for a VM) is not usable here.
func TestNPUSyntheticEdgeTPUPCIeOtherDriver(t *testing.T) {
	files := map[string]string{}
	npuPCI(files, "0000:03:00.0", "1ac1", "089a", "0000ff", "vfio-pci")
	p, _ := npuProbe(t, tree(t, files), "npu.edgetpu", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "edgetpu", Vendor: "Google", Name: "Coral Edge TPU", Driver: "vfio-pci", Bus: "pci", Address: "0000:03:00.0",
		VendorID: "1ac1", DeviceID: "089a", Unknown: map[string]string{"accessible": "vfio-pci"},
	})
}

// usbTree adds a USB device at 2-1 with the given ids, and its node.
func usbTree(files map[string]string, vendor, product string, withNode bool) {
	dir := "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1"
	files["/sys/bus/usb/devices/2-1"] = "->../../../devices/pci0000:00/0000:00:14.0/usb2/2-1"
	files["/sys/bus/usb/devices/2-1:1.0"] = "->../../../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0"
	files[dir+"/2-1:1.0/bInterfaceClass"] = "ff\n"
	files[dir+"/idVendor"] = vendor + "\n"
	files[dir+"/idProduct"] = product + "\n"
	files[dir+"/busnum"] = "2\n"
	files[dir+"/devnum"] = "3\n"
	files[dir+"/uevent"] = "MAJOR=189\nMINOR=130\nDEVNAME=bus/usb/002/003\nDEVTYPE=usb_device\nDRIVER=usb\nPRODUCT=" + vendor + "/" + product + "/100\n"
	if withNode {
		files["/dev/bus/usb/002/003"] = "<dev>"
	}
}

func TestNPUSyntheticEdgeTPUUSB(t *testing.T) {
	for _, c := range []struct {
		name, vendor, product string
		want                  npuWant
	}{
		{"firmware not loaded", "1a6e", "089a", npuWant{
			Kind: "edgetpu", Vendor: "Global Unichip", Name: "Coral USB Accelerator (firmware not loaded)", Bus: "usb",
			Address: "2-1", VendorID: "1a6e", DeviceID: "089a", Nodes: []string{"/dev/bus/usb/002/003"}, Accessible: true,
			Unknown: map[string]string{"firmware": "loads it on first use"},
		}},
		{"firmware loaded", "18d1", "9302", npuWant{
			Kind: "edgetpu", Vendor: "Google", Name: "Coral USB Accelerator", Bus: "usb",
			Address: "2-1", VendorID: "18d1", DeviceID: "9302", Nodes: []string{"/dev/bus/usb/002/003"}, Accessible: true,
			Sources: []string{"/sys/bus/usb/devices/2-1/idVendor"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{}
			usbTree(files, c.vendor, c.product, true)
			p, _ := npuProbe(t, tree(t, files), "npu.edgetpu", Present)
			if len(p.NPUs) != 1 {
				t.Fatalf("NPUs: %+v", p.NPUs)
			}
			npuCheckDevice(t, p.NPUs[0], c.want)
			if c.vendor == "18d1" {
				if _, ok := p.NPUs[0].Unknown["firmware"]; ok {
					t.Errorf("firmware noted as missing after it was loaded: %v", p.NPUs[0].Unknown)
				}
			}
		})
	}
}

// Without a uevent DEVNAME the node comes from busnum and devnum; without
// the node the accelerator is present but not accessible.
func TestNPUSyntheticEdgeTPUUSBNoNode(t *testing.T) {
	files := map[string]string{}
	usbTree(files, "18d1", "9302", false)
	files["/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/uevent"] = "DEVTYPE=usb_device\n"
	p, _ := npuProbe(t, tree(t, files), "npu.edgetpu", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "edgetpu", Vendor: "Google", Name: "Coral USB Accelerator", Bus: "usb", Address: "2-1",
		VendorID: "18d1", DeviceID: "9302", Nodes: []string{"/dev/bus/usb/002/003"},
		Unknown: map[string]string{"accessible": "device node /dev/bus/usb/002/003 not found"},
	})
}

// Other USB devices are not Edge TPUs.
func TestNPUSyntheticEdgeTPUOtherUSBAbsent(t *testing.T) {
	files := map[string]string{}
	usbTree(files, "18d1", "4ee7", true) // an Android phone
	npuProbe(t, tree(t, files), "npu.edgetpu", Absent)
}

// A node that cannot be opened (here a directory) leaves the Edge TPU
// present but not accessible, with the reason.
func TestNPUSyntheticEdgeTPUNodeNotAccessible(t *testing.T) {
	files := edgeTPUTree("0000:01:00.0")
	delete(files, "/dev/apex_0")
	files["/dev/apex_0/"] = ""
	p, _ := npuProbe(t, tree(t, files), "npu.edgetpu", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "edgetpu", Vendor: "Google", Name: "Coral Edge TPU", Driver: "apex", DriverVersion: "1.2",
		Bus: "pci", Address: "0000:01:00.0", VendorID: "1ac1", DeviceID: "089a", Nodes: []string{"/dev/apex_0"},
		Unknown: map[string]string{"accessible": "cannot open /dev/apex_0"},
	})
}

// Permission denied on the node: the reason says so and what to do.
func TestNPUSyntheticEdgeTPUNodePermissionDenied(t *testing.T) {
	files := edgeTPUTree("0000:01:00.0")
	files["/dev/apex_0"] = "->" + npuDenied(t)
	p, _ := npuProbe(t, tree(t, files), "npu.edgetpu", Present)
	d := p.NPUs[0]
	if d.Accessible || !strings.HasPrefix(d.Unknown["accessible"], "permission denied opening /dev/apex_0: ") {
		t.Fatalf("accessible %v, reason %q", d.Accessible, d.Unknown["accessible"])
	}
}

// A node without its sysfs class (sysfs not visible in a container) is
// still an Edge TPU, with what could not be told explained.
func TestNPUSyntheticEdgeTPUNodeOnly(t *testing.T) {
	root := tree(t, map[string]string{"/dev/apex_0": "<dev>"})
	p, _ := npuProbe(t, root, "npu.edgetpu", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "edgetpu", Vendor: "Google", Name: "Coral Edge TPU", Driver: "apex", Bus: "pci",
		VendorID: "1ac1", DeviceID: "089a", Nodes: []string{"/dev/apex_0"}, Accessible: true,
		Unknown: map[string]string{"driver": "/sys/class/apex/apex_0 not found"},
	})
}

// Unreadable sysfs attributes leave the device present with the fields
// explained.
func TestNPUSyntheticEdgeTPUSysfsPermissionDenied(t *testing.T) {
	denied := npuDenied(t)
	files := edgeTPUTree("0000:01:00.0")
	dir := "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0"
	files[dir+"/uevent"] = "->" + denied
	files[dir+"/vendor"] = "->" + denied
	files["/sys/module/apex/version"] = "->" + denied
	delete(files, dir+"/driver")
	delete(files, dir+"/apex/apex_0/driver_version")
	p, _ := npuProbe(t, tree(t, files), "npu.edgetpu", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "edgetpu", Vendor: "Google", Name: "Coral Edge TPU", Driver: "apex", Bus: "pci", Address: "0000:01:00.0",
		VendorID: "1ac1", DeviceID: "089a", Nodes: []string{"/dev/apex_0"}, Accessible: true,
		Unknown: map[string]string{"driver": "permission denied", "vendor_id": "permission denied", "driver_version": "permission denied reading /sys/module/apex/version"},
	})
}

// A device that the driver reports dead is noted.
func TestNPUSyntheticEdgeTPUStatus(t *testing.T) {
	files := edgeTPUTree("0000:01:00.0")
	files["/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/apex/apex_0/status"] = "DEAD\n"
	p, _ := npuProbe(t, tree(t, files), "npu.edgetpu", Present)
	if s := p.NPUs[0].Unknown["status"]; !strings.Contains(s, "DEAD") {
		t.Fatalf("status note %q", s)
	}
}

func TestNPUUSBParsers(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{{"bus/usb/002/003", "/dev/bus/usb/002/003", true}, {"bus/usb/2/3", "/dev/bus/usb/002/003", true},
		{"bus/usb/../003", "", false}, {"bus/usb/0/1", "", false}, {"input/event3", "", false}, {"", "", false}} {
		got, ok := npuUSBDevName(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("npuUSBDevName(%q) = %q, %v", c.in, got, ok)
		}
	}
	if n, ok := npuParseUSBNum(" 004\n"); n != 4 || !ok {
		t.Errorf("npuParseUSBNum: %d %v", n, ok)
	}
	if _, ok := npuParseUSBNum("1000"); ok {
		t.Error("npuParseUSBNum accepts 1000")
	}
}

// Fuzz the USB id, number and DEVNAME parsing.
func FuzzNPUUSBIDs(f *testing.F) {
	f.Add("1a6e\n", "089a", "bus/usb/002/003", "004")
	f.Add("0x18d1", "9302\x00", "bus/usb/1/1", "999")
	f.Add("", "ffff", "bus//usb", "-1")
	f.Fuzz(func(t *testing.T, vendor, product, devname, num string) {
		if _, ok := npuParseHexID(vendor); ok && len(strings.TrimSpace(vendor)) == 0 {
			t.Fatal("empty id accepted")
		}
		npuParseHexID(product)
		if n, ok := npuUSBDevName(devname); ok && !strings.HasPrefix(n, "/dev/bus/usb/") {
			t.Fatalf("npuUSBDevName(%q) = %q", devname, n)
		}
		if n, ok := npuParseUSBNum(num); ok && (n < 1 || n > 999) {
			t.Fatalf("npuParseUSBNum(%q) = %d", num, n)
		}
	})
}
