package hwprobe

import "testing"

// An i.MX 93 with Arm's ethos-u driver: /dev/ethosu0 and the platform
// device bound to it.
func ethosUTree() map[string]string {
	dev := "/sys/devices/platform/soc@0/4a900000.npu"
	return map[string]string{
		"/proc/device-tree/compatible":                  "fsl,imx93-11x11-evk\x00fsl,imx93\x00",
		"/dev/ethosu0":                                  "<dev>",
		"/sys/bus/platform/drivers/ethosu/4a900000.npu": "->../../../../devices/platform/soc@0/4a900000.npu",
		"/sys/bus/platform/drivers/ethosu/bind":         "",
		"/sys/bus/platform/devices/4a900000.npu":        "->../../../devices/platform/soc@0/4a900000.npu",
		dev + "/uevent":                                 "DRIVER=ethosu\nOF_NAME=npu\nOF_COMPATIBLE_0=arm,ethosu\nOF_COMPATIBLE_N=1\n",
		dev + "/subsystem":                              "->../../../../bus/platform",
		"/sys/bus/platform/":                            "",
		"/sys/module/ethosu/version":                    "1.0\n",
	}
}

func TestNPUSyntheticEthosU(t *testing.T) {
	p, _ := npuProbe(t, tree(t, ethosUTree()), "npu.ethos-u", Present)
	if len(p.NPUs) != 1 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "ethos-u", Vendor: "Arm", Name: "Arm Ethos-U65", Driver: "ethosu", DriverVersion: "1.0", Bus: "platform",
		Address: "4a900000.npu", Nodes: []string{"/dev/ethosu0"}, Accessible: true,
		Sources: []string{"/dev/ethosu0", "/sys/bus/platform/drivers/ethosu", "/proc/device-tree/compatible"},
	})
}

// The device's own compatible names the configuration; an unknown board
// leaves the plain name.
func TestNPUSyntheticEthosUVariants(t *testing.T) {
	for compat, want := range map[string]string{"arm,ethos-u85": "Arm Ethos-U85", "arm,ethosu": "Arm Ethos-U"} {
		files := ethosUTree()
		delete(files, "/proc/device-tree/compatible")
		files["/sys/devices/platform/soc@0/4a900000.npu/uevent"] = "DRIVER=ethosu\nOF_COMPATIBLE_0=" + compat + "\nOF_COMPATIBLE_N=1\n"
		p, _ := npuProbe(t, tree(t, files), "npu.ethos-u", Present)
		if p.NPUs[0].Name != want {
			t.Errorf("%s: name %q, want %q", compat, p.NPUs[0].Name, want)
		}
	}
}

// The driver bound but no node: present, not accessible. A node that is a
// directory: not accessible.
func TestNPUSyntheticEthosUNotAccessible(t *testing.T) {
	files := ethosUTree()
	delete(files, "/dev/ethosu0")
	p, _ := npuProbe(t, tree(t, files), "npu.ethos-u", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "ethos-u", Vendor: "Arm", Name: "Arm Ethos-U65", Driver: "ethosu", DriverVersion: "1.0", Bus: "platform",
		Address: "4a900000.npu", Unknown: map[string]string{"accessible": "no /dev/ethosu node"},
	})

	files = ethosUTree()
	delete(files, "/dev/ethosu0")
	files["/dev/ethosu0/"] = ""
	p, _ = npuProbe(t, tree(t, files), "npu.ethos-u", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "ethos-u", Vendor: "Arm", Name: "Arm Ethos-U65", Driver: "ethosu", DriverVersion: "1.0", Bus: "platform",
		Address: "4a900000.npu", Nodes: []string{"/dev/ethosu0"}, Unknown: map[string]string{"accessible": "it is a directory"},
	})
}

// A device of the mainline accel driver is left to npu.accel.
func TestNPUSyntheticEthosUMainlineLeftToAccel(t *testing.T) {
	files := ethosUTree()
	delete(files, "/dev/ethosu0")
	files["/sys/devices/platform/soc@0/4a900000.npu/accel/accel0/dev"] = "261:0\n"
	npuProbe(t, tree(t, files), "npu.ethos-u", Absent)
}

func TestNPUEthosUVariant(t *testing.T) {
	for in, want := range map[string]string{
		"arm,ethos-u55": "U55", "arm,ethos-u65": "U65", "ARM,Ethos-U85": "U85", "arm,ethosu65": "U65",
		"fsl,imx93": "U65", "fsl,imx93-npu": "U65", "arm,ethosu": "", "": "", "vendor,ethos-u99": "",
	} {
		if got := npuEthosUVariant(in); got != want {
			t.Errorf("npuEthosUVariant(%q) = %q, want %q", in, got, want)
		}
	}
}
