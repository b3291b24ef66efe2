package hwprobe

import (
	"slices"
	"strings"
	"testing"
)

func TestBoardSyntheticDeviceTree(t *testing.T) {
	p := probeTree(t, rk3588CPUTree(t), "cpu", "board")
	checkState(t, p, "board", Present)
	b := p.Board
	if b.Model != "Radxa ROCK 5B" || !slices.Equal(b.Compatible, []string{"radxa,rock-5b", "rockchip,rk3588"}) || b.Virtual {
		t.Errorf("%+v", b)
	}
	// The same through /sys/firmware/devicetree/base.
	p = probeTree(t, tree(t, map[string]string{
		"/sys/firmware/devicetree/base/model":      "NVIDIA Jetson Orin Nano Developer Kit\x00",
		"/sys/firmware/devicetree/base/compatible": "nvidia,p3768-0000+p3767-0005\x00nvidia,p3767-0005\x00nvidia,tegra234\x00",
	}), "board")
	checkState(t, p, "board", Present)
	if p.Board.Model != "NVIDIA Jetson Orin Nano Developer Kit" || len(p.Board.Compatible) != 3 || p.Board.Compatible[2] != "nvidia,tegra234" {
		t.Errorf("%+v", p.Board)
	}
	// QEMU's arm64 virt machine is virtual.
	p = probeTree(t, tree(t, map[string]string{
		"/proc/device-tree/compatible": "linux,dummy-virt\x00",
	}), "board")
	if !p.Board.Virtual || p.Board.Model != "" {
		t.Errorf("virt machine: %+v", p.Board)
	}
}

func TestBoardSyntheticDMI(t *testing.T) {
	for _, c := range []struct {
		name    string
		files   map[string]string
		want    Board
		virtual bool
	}{
		{"workstation", map[string]string{
			"/sys/class/dmi/id/sys_vendor":   "Dell Inc.\n",
			"/sys/class/dmi/id/product_name": "OptiPlex 7090\n",
			"/sys/class/dmi/id/board_vendor": "Dell Inc.\n",
			"/sys/class/dmi/id/board_name":   "0K240Y\n",
			"/sys/class/dmi/id/bios_version": "1.21.0\n",
		}, Board{Model: "OptiPlex 7090", Vendor: "Dell Inc.", Product: "OptiPlex 7090", BoardName: "0K240Y", BIOS: "1.21.0"}, false},
		{"qemu vm", map[string]string{
			"/sys/class/dmi/id/sys_vendor":   "QEMU\n",
			"/sys/class/dmi/id/product_name": "Standard PC (Q35 + ICH9, 2009)\n",
			"/sys/class/dmi/id/bios_version": "1.16.3-debian-1.16.3-2\n",
		}, Board{Model: "Standard PC (Q35 + ICH9, 2009)", Vendor: "QEMU", Product: "Standard PC (Q35 + ICH9, 2009)", BIOS: "1.16.3-debian-1.16.3-2", Virtual: true}, true},
		{"placeholders and board vendor", map[string]string{
			"/sys/class/dmi/id/sys_vendor":   "To Be Filled By O.E.M.\n",
			"/sys/class/dmi/id/product_name": "To Be Filled By O.E.M.\n",
			"/sys/class/dmi/id/board_vendor": "ASRock\n",
			"/sys/class/dmi/id/board_name":   "B550M Steel Legend\n",
		}, Board{Vendor: "ASRock", BoardName: "B550M Steel Legend"}, false},
		{"hyper-v", map[string]string{
			"/sys/class/dmi/id/sys_vendor":   "Microsoft Corporation\n",
			"/sys/class/dmi/id/product_name": "Virtual Machine\n",
		}, Board{Model: "Virtual Machine", Vendor: "Microsoft Corporation", Product: "Virtual Machine", Virtual: true}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := probeTree(t, tree(t, c.files), "board")
			checkState(t, p, "board", Present)
			if !boardEqual(p.Board, c.want) {
				t.Errorf("got  %+v\nwant %+v", p.Board, c.want)
			}
		})
	}
}

func boardEqual(a, b Board) bool {
	return a.Model == b.Model && slices.Equal(a.Compatible, b.Compatible) && a.Vendor == b.Vendor &&
		a.Product == b.Product && a.BoardName == b.BoardName && a.BIOS == b.BIOS && a.Virtual == b.Virtual
}

func TestBoardSyntheticCPUInfoModelAndHypervisor(t *testing.T) {
	// No device tree: the Raspberry Pi kernel's cpuinfo "Model" line.
	p := probeTree(t, tree(t, map[string]string{"/proc/cpuinfo": piCPUInfo}), "cpu", "board")
	checkState(t, p, "board", Present)
	if p.Board.Model != "Raspberry Pi 3 Model B Rev 1.2" || p.Board.Virtual {
		t.Errorf("%+v", p.Board)
	}
	// Only the hypervisor flag: nothing identifies the board, but it is virtual.
	p = probeTree(t, fixture(t, "x86-h100-vm"), "cpu", "board")
	checkState(t, p, "board", Absent)
	if !p.Board.Virtual {
		t.Error("the H100 VM's hypervisor flag does not make it virtual")
	}
	p = probeTree(t, fixture(t, "x86-epyc-2core-vm"), "board") // without the cpu collector's flags
	if !p.Board.Virtual {
		t.Error("the EPYC VM's hypervisor flag does not make it virtual")
	}
}

func TestBoardSyntheticUnreadable(t *testing.T) {
	root := tree(t, map[string]string{
		"/sys/class/dmi/id/sys_vendor":   "LENOVO\n",
		"/sys/class/dmi/id/product_name": "20XW0026US\n",
		"/sys/class/dmi/id/bios_version": "N32ET75W (1.51 )\n",
	})
	unreadableAt(t, root, "/sys/class/dmi/id/bios_version")
	p := probeTree(t, root, "board")
	checkState(t, p, "board", Present) // partly unreadable is still present
	if p.Board.Vendor != "LENOVO" || p.Board.Product != "20XW0026US" || p.Board.BIOS != "" {
		t.Errorf("%+v", p.Board)
	}

	root = tree(t, map[string]string{"/sys/class/dmi/id/product_name": "x", "/proc/device-tree/model": "y"})
	unreadableAt(t, root, "/sys/class/dmi/id/product_name")
	unreadableAt(t, root, "/proc/device-tree/model")
	c := checkState(t, probeTree(t, root, "board"), "board", Unknown)
	if !strings.Contains(c.Reason, "/sys/class/dmi/id/product_name") || !strings.Contains(c.Reason, "/proc/device-tree/model") {
		t.Errorf("reason %q does not name the unreadable files", c.Reason)
	}
}

func TestParseCompatible(t *testing.T) {
	got := SplitNUL([]byte("a,b\x00\x00c,d\x00 \x00e\x01f"))
	if !slices.Equal(got, []string{"a,b", "c,d", "ef"}) {
		t.Errorf("%q", got)
	}
	if SplitNUL(nil) != nil {
		t.Error("empty compatible")
	}
}
