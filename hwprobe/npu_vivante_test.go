package hwprobe

import "testing"

// An i.MX 8M Plus with NXP's galcore driver.
func galcoreTree(compat string) map[string]string {
	dev := "/sys/devices/platform/soc@0/38000000.gpu"
	return map[string]string{
		"/proc/device-tree/compatible":                   compat,
		"/dev/galcore":                                   "<dev>",
		"/sys/module/galcore/parameters/recovery":        "1\n",
		"/sys/module/galcore/version":                    "6.4.11.p2.745085\n",
		"/sys/bus/platform/drivers/galcore/38000000.gpu": "->../../../../devices/platform/soc@0/38000000.gpu",
		"/sys/bus/platform/devices/38000000.gpu":         "->../../../devices/platform/soc@0/38000000.gpu",
		dev + "/uevent":                                  "DRIVER=galcore\nOF_NAME=gpu\nOF_COMPATIBLE_0=fsl,imx8-gpu-ss\nOF_COMPATIBLE_N=1\n",
		dev + "/subsystem":                               "->../../../../bus/platform",
		"/sys/bus/platform/":                             "",
		"/etc/group":                                     "root:x:0:\nvideo:x:44:\n",
	}
}

func TestNPUSyntheticGalcoreIMX8MP(t *testing.T) {
	p, _ := npuProbe(t, tree(t, galcoreTree("fsl,imx8mp-evk\x00fsl,imx8mp\x00")), "npu.vivante", Present)
	if len(p.NPUs) != 1 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "vivante", Vendor: "VeriSilicon", Name: "NXP i.MX 8M Plus NPU (VeriSilicon Vivante)", Driver: "galcore",
		DriverVersion: "6.4.11.p2.745085", Bus: "platform", Address: "38000000.gpu", Nodes: []string{"/dev/galcore"}, Accessible: true,
		Sources: []string{"/sys/module/galcore", "/sys/module/galcore/version", "/proc/device-tree/compatible", "/dev/galcore"},
	})
}

// Amlogic A311D: the version from debugfs; the node cannot be opened.
func TestNPUSyntheticGalcoreA311DDebugfs(t *testing.T) {
	files := galcoreTree("khadas,vim3\x00amlogic,a311d\x00amlogic,g12b\x00")
	delete(files, "/sys/module/galcore/version")
	files["/sys/kernel/debug/gc/version"] = "6.4.4.3.310723AAA built at Dec  1 2021\n"
	delete(files, "/dev/galcore")
	files["/dev/galcore/"] = ""
	p, _ := npuProbe(t, tree(t, files), "npu.vivante", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "vivante", Vendor: "VeriSilicon", Name: "Amlogic A311D NPU (VeriSilicon Vivante)", Driver: "galcore",
		DriverVersion: "6.4.4.3.310723AAA", Bus: "platform", Address: "38000000.gpu", Nodes: []string{"/dev/galcore"},
		Unknown: map[string]string{"accessible": "it is a directory"},
	})
}

// Unreadable debugfs and no module version: unknown with the reason. An
// unknown SoC is reported with a note.
func TestNPUSyntheticGalcoreVersionUnreadable(t *testing.T) {
	files := galcoreTree("vendor,board\x00vendor,soc\x00")
	delete(files, "/sys/module/galcore/version")
	files["/sys/kernel/debug/gc/version"] = "->" + npuDenied(t)
	p, _ := npuProbe(t, tree(t, files), "npu.vivante", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "vivante", Vendor: "VeriSilicon", Name: "VeriSilicon Vivante NPU", Driver: "galcore",
		Bus: "platform", Address: "38000000.gpu", Nodes: []string{"/dev/galcore"}, Accessible: true,
		Unknown: map[string]string{"driver_version": "permission denied reading /sys/kernel/debug/gc/version", "name": "SoC not known"},
	})
}

// galcore driving only the GPU of an i.MX 8M Quad is not an NPU.
func TestNPUSyntheticGalcoreGPUOnlyAbsent(t *testing.T) {
	npuProbe(t, tree(t, galcoreTree("fsl,imx8mq-evk\x00fsl,imx8mq\x00")), "npu.vivante", Absent)
}

func TestNPUParseGalcoreVersion(t *testing.T) {
	for in, want := range map[string]string{
		"6.4.3.p4.398061 built at Jun  1 2023": "6.4.3.p4.398061",
		"Version: 6.4.0.9":                     "6.4.0.9",
		"galcore version 6.2.4.p4":             "6.2.4.p4",
		"v6.4.3":                               "6.4.3",
		"version":                              "",
		"unknown":                              "",
	} {
		if got := npuParseGalcoreVersion([]byte(in)); got != want {
			t.Errorf("npuParseGalcoreVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
