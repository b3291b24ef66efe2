package hwprobe

import (
	"strings"
	"testing"
)

// accelDevice adds /dev/accel/accelN and /sys/class/accel/accelN for a PCI
// device bound to driver.
func accelDevice(files map[string]string, n, addr, vendor, device, driver string) string {
	dir := npuPCI(files, addr, vendor, device, "120000", driver)
	files["/sys/class/accel/accel"+n] = "->../../devices/pci0000:00/0000:00:1c.0/" + addr + "/accel/accel" + n
	files[dir+"/accel/accel"+n+"/device"] = "->../../../" + addr
	files[dir+"/accel/accel"+n+"/dev"] = "261:" + n + "\n"
	files["/dev/accel/accel"+n] = "<dev>"
	return dir
}

// An Intel NPU and an AMD XDNA NPU side by side, told apart by driver.
func TestNPUSyntheticIntelAndAMDAccel(t *testing.T) {
	files := map[string]string{"/etc/group": "root:x:0:\nrender:x:992:\n"}
	accelDevice(files, "0", "0000:00:0b.0", "8086", "7d1d", "intel_vpu")
	amd := accelDevice(files, "1", "0000:c5:00.1", "1022", "1502", "amdxdna")
	files[amd+"/vbnv"] = "RyzenAI-npu1\n"
	files[amd+"/fw_version"] = "1.5.2.380\n"
	files[amd+"/device_type"] = "1\n"
	files["/sys/module/amdxdna/version"] = "2.19.0\n"
	p, _ := npuProbe(t, tree(t, files), "npu.accel", Present)
	if len(p.NPUs) != 2 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "intel-npu", Vendor: "Intel", Name: "Intel NPU (Meteor Lake)", Driver: "intel_vpu", Bus: "pci",
		Address: "0000:00:0b.0", VendorID: "8086", DeviceID: "7d1d", Nodes: []string{"/dev/accel/accel0"}, Accessible: true,
		Unknown: map[string]string{
			"driver_version": "/sys/module/intel_vpu/version not found",
			"firmware":       "/sys/class/accel/accel0/device/fw_version",
		},
		Sources: []string{"/sys/class/accel/accel0", "/dev/accel/accel0"},
	})
	npuCheckDevice(t, p.NPUs[1], npuWant{
		Kind: "amd-xdna", Vendor: "AMD", Name: "AMD XDNA NPU (RyzenAI-npu1)", Driver: "amdxdna", DriverVersion: "2.19.0",
		Firmware: "1.5.2.380", Bus: "pci", Address: "0000:c5:00.1", VendorID: "1022", DeviceID: "1502",
		Nodes: []string{"/dev/accel/accel1"}, Accessible: true,
		Sources: []string{"/sys/class/accel/accel1/device/fw_version", "/sys/class/accel/accel1/device/vbnv"},
	})
	if len(p.NPUs[1].Unknown) != 0 {
		t.Errorf("unknown fields on a complete device: %v", p.NPUs[1].Unknown)
	}
}

// The Intel NPU's firmware version from debugfs, when readable.
func TestNPUSyntheticIntelNPUFirmwareDebugfs(t *testing.T) {
	files := map[string]string{"/sys/kernel/debug/accel/0/fw_version": "20240611*MTL_CLIENT_SILICON-release*1830\n"}
	accelDevice(files, "0", "0000:00:0b.0", "8086", "643e", "intel_vpu")
	p, _ := npuProbe(t, tree(t, files), "npu.accel", Present)
	d := p.NPUs[0]
	if d.Name != "Intel NPU (Lunar Lake)" || d.Firmware != "20240611*MTL_CLIENT_SILICON-release*1830" {
		t.Fatalf("name %q firmware %q (%v)", d.Name, d.Firmware, d.Unknown)
	}
	if _, ok := d.Unknown["firmware"]; ok {
		t.Errorf("firmware found but noted missing: %v", d.Unknown)
	}
}

// An accel device of another driver is reported with kind accel.
func TestNPUSyntheticAccelOtherDriver(t *testing.T) {
	files := map[string]string{}
	accelDevice(files, "0", "0000:4d:00.0", "1da3", "1020", "habanalabs")
	accelDevice(files, "1", "0000:4e:00.0", "abcd", "0001", "newdrv")
	p, _ := npuProbe(t, tree(t, files), "npu.accel", Present)
	if len(p.NPUs) != 2 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "accel", Vendor: "Habana Labs", Name: "Intel Gaudi (habanalabs)", Driver: "habanalabs", Bus: "pci",
		Address: "0000:4d:00.0", VendorID: "1da3", DeviceID: "1020", Nodes: []string{"/dev/accel/accel0"}, Accessible: true,
		Unknown: map[string]string{"driver_version": ""},
	})
	npuCheckDevice(t, p.NPUs[1], npuWant{
		Kind: "accel", Name: "Compute accelerator (newdrv)", Driver: "newdrv", Bus: "pci",
		Address: "0000:4e:00.0", VendorID: "abcd", DeviceID: "0001", Nodes: []string{"/dev/accel/accel1"}, Accessible: true,
	})
}

// The mainline Rockchip NPU driver (rocket) is an accel platform device.
func TestNPUSyntheticAccelRocket(t *testing.T) {
	npu := "/sys/devices/platform/fdab0000.npu"
	root := tree(t, map[string]string{
		"/sys/class/accel/accel0":    "->../../devices/platform/fdab0000.npu/accel/accel0",
		npu + "/accel/accel0/device": "->../../../fdab0000.npu",
		npu + "/uevent":              "DRIVER=rocket\nOF_COMPATIBLE_0=rockchip,rk3588-rknn-core\nOF_COMPATIBLE_N=1\n",
		npu + "/subsystem":           "->../../../bus/platform",
		"/sys/bus/platform/":         "",
		"/dev/accel/accel0":          "<dev>",
	})
	p, _ := npuProbe(t, root, "npu.accel", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "rknpu", Vendor: "Rockchip", Name: "Rockchip NPU", Driver: "rocket", Bus: "platform", Address: "fdab0000.npu",
		Nodes: []string{"/dev/accel/accel0"}, Accessible: true,
	})
}

// An NPU on the PCI bus without its driver: present, not accessible.
func TestNPUSyntheticAccelWithoutDriver(t *testing.T) {
	files := map[string]string{}
	npuPCI(files, "0000:00:0b.0", "8086", "ad1d", "120000", "")
	npuPCI(files, "0000:c5:00.1", "1022", "17f0", "118000", "")
	npuPCI(files, "0000:00:02.0", "8086", "7d55", "030000", "i915") // the GPU
	p, _ := npuProbe(t, tree(t, files), "npu.accel", Present)
	if len(p.NPUs) != 2 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "intel-npu", Vendor: "Intel", Name: "Intel NPU (Arrow Lake)", Bus: "pci", Address: "0000:00:0b.0",
		VendorID: "8086", DeviceID: "ad1d", Unknown: map[string]string{"accessible": "intel_vpu driver not loaded"},
	})
	npuCheckDevice(t, p.NPUs[1], npuWant{
		Kind: "amd-xdna", Vendor: "AMD", Name: "AMD XDNA 2 NPU (Strix/Krackan)", Bus: "pci", Address: "0000:c5:00.1",
		VendorID: "1022", DeviceID: "17f0", Unknown: map[string]string{"accessible": "amdxdna driver not loaded"},
	})
}

// A node without sysfs: present, driver unknown with the reason; a node
// that cannot be opened is not accessible.
func TestNPUSyntheticAccelNodeOnlyAndNotAccessible(t *testing.T) {
	root := tree(t, map[string]string{"/dev/accel/accel0/": ""})
	p, _ := npuProbe(t, root, "npu.accel", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "accel", Name: "Compute accelerator", Nodes: []string{"/dev/accel/accel0"},
		Unknown: map[string]string{"driver": "/sys/class/accel/accel0 not found", "accessible": "it is a directory"},
	})
}

// Unreadable sysfs: the driver cannot be told, the device is still present.
func TestNPUSyntheticAccelPermissionDenied(t *testing.T) {
	denied := npuDenied(t)
	files := map[string]string{}
	dir := accelDevice(files, "0", "0000:00:0b.0", "8086", "7d1d", "intel_vpu")
	files[dir+"/uevent"] = "->" + denied
	delete(files, dir+"/driver")
	p, _ := npuProbe(t, tree(t, files), "npu.accel", Present)
	d := p.NPUs[0]
	if d.Kind != "accel" || d.DeviceID != "7d1d" || !strings.Contains(d.Unknown["driver"], "permission denied") {
		t.Fatalf("device %+v", d)
	}
}
