package hwprobe

import (
	"testing"
)

// hailoTree is a Raspberry Pi 5 with the AI Kit: a Hailo device at
// 0001:01:00.0 bound to hailo_pci, with /dev/hailo0 and its class
// attributes.
func hailoTree(device string) (map[string]string, string) {
	files := map[string]string{
		"/proc/device-tree/compatible":  "raspberrypi,5-model-b\x00brcm,bcm2712\x00",
		"/sys/module/hailo_pci/version": "4.18.0\n",
		"/dev/hailo0":                   "<dev>",
	}
	dir := npuPCI(files, "0001:01:00.0", "1e60", device, "128000", "hailo")
	class := dir + "/hailo_chardev/hailo0"
	files["/sys/class/hailo_chardev/hailo0"] = "->../../devices/pci0000:00/0000:00:1c.0/0001:01:00.0/hailo_chardev/hailo0"
	files[class+"/device"] = "->../../../0001:01:00.0"
	files[class+"/board_location"] = "0001:01:00.0"
	files[class+"/device_id"] = "1e60:" + device
	files[class+"/accelerator_type"] = "0"
	files[class+"/fw_version"] = "4.18.0\n"
	return files, class
}

func TestNPUSyntheticHailo8(t *testing.T) {
	files, _ := hailoTree("2864")
	p, _ := npuProbe(t, tree(t, files), "npu.hailo", Present)
	if len(p.NPUs) != 1 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "hailo", Vendor: "Hailo", Name: "Hailo-8/8L", Driver: "hailo", DriverVersion: "4.18.0", Firmware: "4.18.0",
		Bus: "pci", Address: "0001:01:00.0", VendorID: "1e60", DeviceID: "2864", Nodes: []string{"/dev/hailo0"}, Accessible: true,
		Sources: []string{"/sys/class/hailo_chardev/hailo0", "/sys/class/hailo_chardev/hailo0/fw_version", "/sys/module/hailo_pci/version"},
	})
	if len(p.NPUs[0].Unknown) != 0 {
		t.Errorf("unknown fields on a complete device: %v", p.NPUs[0].Unknown)
	}
}

// Without the firmware file (the upstream driver publishes none) the gap is
// explained; the Hailo-10H/15 id is named.
func TestNPUSyntheticHailo15NoFirmwareFile(t *testing.T) {
	files, class := hailoTree("45c4")
	delete(files, class+"/fw_version")
	p, _ := npuProbe(t, tree(t, files), "npu.hailo", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "hailo", Vendor: "Hailo", Name: "Hailo-10H/15", Driver: "hailo", DriverVersion: "4.18.0",
		Bus: "pci", Address: "0001:01:00.0", VendorID: "1e60", DeviceID: "45c4", Nodes: []string{"/dev/hailo0"}, Accessible: true,
		Unknown: map[string]string{"firmware": "does not publish"},
	})
}

// Unreadable version files: the device is present, the versions unknown
// with the reason.
func TestNPUSyntheticHailoPermissionDenied(t *testing.T) {
	denied := npuDenied(t)
	files, class := hailoTree("2864")
	files[class+"/fw_version"] = "->" + denied
	files["/sys/module/hailo_pci/version"] = "->" + denied
	p, _ := npuProbe(t, tree(t, files), "npu.hailo", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "hailo", Vendor: "Hailo", Name: "Hailo-8/8L", Driver: "hailo",
		Bus: "pci", Address: "0001:01:00.0", VendorID: "1e60", DeviceID: "2864", Nodes: []string{"/dev/hailo0"}, Accessible: true,
		Unknown: map[string]string{
			"firmware":       "permission denied reading /sys/class/hailo_chardev/hailo0/fw_version",
			"driver_version": "permission denied reading /sys/module/hailo_pci/version",
		},
	})
}

func TestNPUSyntheticHailoWithoutDriver(t *testing.T) {
	files := map[string]string{}
	npuPCI(files, "0001:01:00.0", "1e60", "2864", "128000", "")
	npuPCI(files, "0001:00:00.0", "14e4", "2712", "060400", "pcieport") // the root port
	p, _ := npuProbe(t, tree(t, files), "npu.hailo", Present)
	if len(p.NPUs) != 1 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "hailo", Vendor: "Hailo", Name: "Hailo-8/8L", Bus: "pci", Address: "0001:01:00.0",
		VendorID: "1e60", DeviceID: "2864", Unknown: map[string]string{"accessible": "hailo_pci driver not loaded"},
	})
}

func TestNPUSyntheticHailoNodeNotAccessible(t *testing.T) {
	files, _ := hailoTree("2864")
	delete(files, "/dev/hailo0")
	files["/dev/hailo0/"] = ""
	p, _ := npuProbe(t, tree(t, files), "npu.hailo", Present)
	d := p.NPUs[0]
	if d.Accessible || d.Unknown["accessible"] != "cannot open /dev/hailo0: it is a directory, not a device node" {
		t.Fatalf("accessible %v, reason %q", d.Accessible, d.Unknown["accessible"])
	}
}

// Other nodes named hailo* are not Hailo devices.
func TestNPUSyntheticHailoOtherNodesAbsent(t *testing.T) {
	root := tree(t, map[string]string{"/dev/hailo_log": "<dev>", "/dev/hailoX1": "<dev>"})
	npuProbe(t, root, "npu.hailo", Absent)
}
