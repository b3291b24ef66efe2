package hwprobe

import (
	"strings"
	"testing"
)

// A Qualcomm QCS6490 board (RB3 Gen 2) with the mainline fastrpc driver.
func fastrpcTree() map[string]string {
	return map[string]string{
		"/proc/device-tree/compatible":      "qcom,qcs6490-rb3gen2\x00qcom,qcm6490\x00",
		"/dev/fastrpc-adsp":                 "<dev>",
		"/dev/fastrpc-cdsp":                 "<dev>",
		"/dev/fastrpc-cdsp-secure":          "<dev>",
		"/sys/class/remoteproc/remoteproc0": "->../../devices/platform/soc@0/3000000.remoteproc/remoteproc/remoteproc0",
		"/sys/class/remoteproc/remoteproc1": "->../../devices/platform/soc@0/a300000.remoteproc/remoteproc/remoteproc1",
		"/sys/devices/platform/soc@0/3000000.remoteproc/remoteproc/remoteproc0/name":     "3000000.remoteproc\n",
		"/sys/devices/platform/soc@0/3000000.remoteproc/remoteproc/remoteproc0/firmware": "qcom/qcm6490/adsp.mbn\n",
		"/sys/devices/platform/soc@0/a300000.remoteproc/remoteproc/remoteproc1/name":     "cdsp\n",
		"/sys/devices/platform/soc@0/a300000.remoteproc/remoteproc/remoteproc1/firmware": "qcom/qcm6490/cdsp.mbn\n",
		"/sys/devices/platform/soc@0/a300000.remoteproc/remoteproc/remoteproc1/state":    "running\n",
	}
}

func TestNPUSyntheticFastRPC(t *testing.T) {
	p, _ := npuProbe(t, tree(t, fastrpcTree()), "npu.qualcomm", Present)
	if len(p.NPUs) != 1 {
		t.Fatalf("NPUs: %+v", p.NPUs)
	}
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "qualcomm", Vendor: "Qualcomm", Name: "Qualcomm Hexagon DSP (FastRPC)", Driver: "fastrpc",
		Firmware: "qcom/qcm6490/cdsp.mbn", Nodes: []string{"/dev/fastrpc-cdsp", "/dev/fastrpc-cdsp-secure", "/dev/fastrpc-adsp"},
		Accessible: true, Sources: []string{"/dev/fastrpc-cdsp", "/sys/class/remoteproc/remoteproc1/firmware"},
	})
	if len(p.NPUs[0].Unknown) != 0 {
		t.Errorf("unknown fields on a complete device: %v", p.NPUs[0].Unknown)
	}
}

// The compute DSP's node cannot be opened but the audio DSP's can: the
// device is accessible and the note says which node is not; the DSP is not
// running.
func TestNPUSyntheticFastRPCPartlyAccessible(t *testing.T) {
	files := fastrpcTree()
	delete(files, "/dev/fastrpc-cdsp")
	files["/dev/fastrpc-cdsp/"] = ""
	files["/sys/devices/platform/soc@0/a300000.remoteproc/remoteproc/remoteproc1/state"] = "offline\n"
	p, _ := npuProbe(t, tree(t, files), "npu.qualcomm", Present)
	d := p.NPUs[0]
	if !d.Accessible || !strings.Contains(d.Unknown["accessible"], "not all nodes") || !strings.Contains(d.Unknown["accessible"], "/dev/fastrpc-cdsp:") {
		t.Errorf("accessible %v, note %q", d.Accessible, d.Unknown["accessible"])
	}
	if !strings.Contains(d.Unknown["state"], "offline") {
		t.Errorf("state note %q", d.Unknown["state"])
	}
}

// No node can be opened: not accessible, each node explained.
func TestNPUSyntheticFastRPCNotAccessible(t *testing.T) {
	denied := npuDenied(t)
	root := tree(t, map[string]string{"/dev/fastrpc-cdsp": "->" + denied, "/dev/fastrpc-adsp/": ""})
	p, _ := npuProbe(t, root, "npu.qualcomm", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "qualcomm", Vendor: "Qualcomm", Name: "Qualcomm Hexagon DSP (FastRPC)", Driver: "fastrpc",
		Nodes:   []string{"/dev/fastrpc-cdsp", "/dev/fastrpc-adsp"},
		Unknown: map[string]string{"accessible": "permission denied opening /dev/fastrpc-cdsp"},
	})
	if !strings.Contains(p.NPUs[0].Unknown["accessible"], "/dev/fastrpc-adsp: it is a directory") {
		t.Errorf("note %q", p.NPUs[0].Unknown["accessible"])
	}
}

// Downstream kernels: /dev/adsprpc-smd.
func TestNPUSyntheticADSPRPC(t *testing.T) {
	p, _ := npuProbe(t, tree(t, map[string]string{"/dev/adsprpc-smd": "<dev>"}), "npu.qualcomm", Present)
	npuCheckDevice(t, p.NPUs[0], npuWant{
		Kind: "qualcomm", Vendor: "Qualcomm", Name: "Qualcomm Hexagon DSP (FastRPC)", Driver: "adsprpc",
		Nodes: []string{"/dev/adsprpc-smd"}, Accessible: true,
	})
}
