package hwprobe

import (
	"strings"
	"testing"
)

const orinRelease = "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023\n# KERNEL_VARIANT: oot\nTARGET_USERSPACE_LIB_DIR=nvidia\nTARGET_USERSPACE_LIB_DIR_PATH=usr/lib/aarch64-linux-gnu/nvidia\n"

func TestJetsonSyntheticOrin(t *testing.T) {
	for _, c := range []struct {
		name     string
		files    map[string]string
		wantName string
		version  string
		address  string
		driver   string
		nodes    string
	}{
		{
			name: "AGX Orin, L4T 35",
			files: map[string]string{
				"/etc/nv_tegra_release":            orinRelease,
				"/proc/device-tree/compatible":     "nvidia,p3737-0000+p3701-0005\x00nvidia,p3701-0005\x00nvidia,tegra234\x00",
				"/sys/devices/gpu.0/load":          "0\n",
				"/sys/devices/gpu.0/driver":        "->../../bus/platform/drivers/gk20a",
				"/sys/bus/platform/drivers/gk20a/": "",
				"/dev/nvhost-ctrl-gpu":             "<dev>",
				"/dev/nvhost-gpu":                  "<dev>",
				"/dev/nvmap":                       "<dev>",
			},
			wantName: "NVIDIA Jetson AGX Orin GPU (Ampere ga10b)", version: "35.4.1", address: "gpu.0", driver: "gk20a",
			nodes: "/dev/nvhost-ctrl-gpu /dev/nvhost-gpu /dev/nvmap",
		},
		{
			name: "Orin Nano, L4T 36",
			files: map[string]string{
				"/etc/nv_tegra_release":                     "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64, DATE: Wed Jan  8 01:49:37 UTC 2025\n",
				"/proc/device-tree/compatible":              "nvidia,p3768-0000+p3767-0005\x00nvidia,p3767-0005\x00nvidia,tegra234\x00",
				"/sys/devices/platform/bus@0/17000000.gpu/": "",
				"/proc/driver/nvidia/version":               "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  540.4.0  Release Build\n",
				"/dev/nvgpu/igpu0/ctrl":                     "<dev>",
				"/dev/nvmap":                                "<dev>",
			},
			wantName: "NVIDIA Jetson Orin Nano GPU (Ampere ga10b)", version: "36.4.3", address: "17000000.gpu", driver: "nvgpu",
			nodes: "/dev/nvgpu/igpu0/ctrl /dev/nvmap",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := gpuTestProbe(t, tree(t, c.files), Options{})
			checkState(t, p, "gpu.jetson", Present)
			for _, n := range []string{"gpu.amd", "gpu.intel", "gpu.nvidia", "gpu.mali"} {
				checkState(t, p, n, Absent)
			}
			d := onlyGPU(t, p, "jetson")
			if d.Name != c.wantName || d.Vendor != "NVIDIA" || d.ComputeCapability != "8.7" || d.DriverVersion != c.version {
				t.Errorf("GPU = %+v", d)
			}
			if d.Address != c.address || d.Driver != c.driver || d.Bus != "platform" || d.MemoryBytes != 0 {
				t.Errorf("GPU = %+v", d)
			}
			if got := strings.Join(d.Nodes, " "); got != c.nodes || !d.Accessible {
				t.Errorf("Nodes = %q, Accessible = %v", got, d.Accessible)
			}
			wantNote(t, d, "memory", "shares system memory")
		})
	}
}

func TestJetsonSyntheticPartial(t *testing.T) {
	for _, c := range []struct {
		name     string
		files    map[string]string
		state    State
		wantName string
		cc       string
		note     [2]string
	}{
		{"Nano without release file", map[string]string{"/proc/device-tree/compatible": "nvidia,p3450-0000\x00nvidia,p3448-0000\x00nvidia,tegra210\x00"},
			Present, "NVIDIA Jetson Nano GPU (Maxwell gm20b)", "5.3", [2]string{"driver_version", "L4T version unknown"}},
		{"release file only", map[string]string{"/etc/nv_tegra_release": orinRelease},
			Present, "NVIDIA Jetson GPU", "", [2]string{"compute_capability", "unknown without"}},
		{"unknown Tegra", map[string]string{"/proc/device-tree/compatible": "nvidia,tegra999\x00", "/sys/devices/gpu.0/": ""},
			Present, "NVIDIA Tegra GPU (tegra999)", "", [2]string{"compute_capability", "not in the table"}},
		{"Tegra without a CUDA GPU", map[string]string{"/proc/device-tree/compatible": "nvidia,tegra30\x00"}, Absent, "", "", [2]string{}},
		{"Mali named gpu.0", map[string]string{"/sys/devices/platform/gpu.0/driver": "->../../../bus/platform/drivers/mali", "/sys/bus/platform/drivers/mali/": ""}, Absent, "", "", [2]string{}},
		{"Raspberry Pi", map[string]string{"/proc/device-tree/compatible": "raspberrypi,5-model-b\x00brcm,bcm2712\x00"}, Absent, "", "", [2]string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := gpuTestProbe(t, tree(t, c.files), Options{Only: []string{"gpu.jetson"}})
			checkState(t, p, "gpu.jetson", c.state)
			if c.state != Present {
				if len(p.GPUs) != 0 {
					t.Errorf("GPUs = %+v", p.GPUs)
				}
				return
			}
			d := onlyGPU(t, p, "jetson")
			if d.Name != c.wantName || d.ComputeCapability != c.cc {
				t.Errorf("GPU = %+v", d)
			}
			wantNote(t, d, c.note[0], c.note[1])
		})
	}
}

func TestParseTegraRelease(t *testing.T) {
	for in, want := range map[string]TegraRelease{
		orinRelease: {"35", "4.1", "t186ref", "35.4.1"},
		"# R32 (release), REVISION: 7.4, GCID: 33514132, BOARD: t210ref, EABI: aarch64, DATE: Fri Jun  9 04:25:08 UTC 2023\n": {"32", "7.4", "t210ref", "32.7.4"},
		"# R36 (release), REVISION: 4, BOARD: generic": {"36", "4", "generic", "36.4"},
		"# R36 (release), REVISION: x.y":               {"36", "x.y", "", "36"},
		"garbage\n# R":                                 {},
		"":                                             {},
	} {
		if got := ParseTegraRelease([]byte(in)); got != want {
			t.Errorf("ParseTegraRelease(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func FuzzParseTegraRelease(f *testing.F) {
	f.Add([]byte(orinRelease))
	f.Add([]byte("# R1,REVISION:,BOARD:"))
	f.Add([]byte("#R99999999999999999999 (release), REVISION: 1.2.3"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := ParseTegraRelease(b)
		if r.Version != "" && !strings.HasPrefix(r.Version, r.Release) {
			t.Fatalf("version %q does not start with release %q", r.Version, r.Release)
		}
	})
}
