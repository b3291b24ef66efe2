package hwprobe

import (
	"strings"
	"testing"
)

func TestAMDSyntheticRadeon(t *testing.T) {
	for _, c := range []struct {
		name          string
		productName   string
		moduleVersion string
		wantName      string
	}{
		{"named by table, DKMS driver", "", "6.7.0", "AMD Radeon RX 7900 XT/XTX"},
		{"product_name, in-kernel driver", "AMD Radeon RX 7900 XTX\n", "", "AMD Radeon RX 7900 XTX"},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"/dev/kfd": "<dev>"}
			dir := pciGPU(files, "0000:03:00.0", "0x1002", "0x744c", "0x030000", "amdgpu")
			pciGPU(files, "0000:03:00.1", "0x1002", "0xab30", "0x040300", "snd_hda_intel") // HDMI audio: not a GPU
			files[dir+"/mem_info_vram_total"] = "8589934592\n"
			files[dir+"/vbios_version"] = "113-D7020100-102\n"
			if c.productName != "" {
				files[dir+"/product_name"] = c.productName
			}
			if c.moduleVersion != "" {
				files["/sys/module/amdgpu/version"] = c.moduleVersion + "\n"
			}
			drmNodes(files, dir, "card1", "renderD128")
			p := gpuTestProbe(t, tree(t, files), Options{})
			checkState(t, p, "gpu.amd", Present)
			checkState(t, p, "gpu.nvidia", Absent)
			checkState(t, p, "gpu.intel", Absent)
			d := onlyGPU(t, p, "amd")
			if d.Name != c.wantName || d.Vendor != "AMD" || d.Driver != "amdgpu" || d.DriverVersion != c.moduleVersion {
				t.Errorf("GPU = %+v", d)
			}
			if d.MemoryBytes != 8<<30 || d.Firmware != "113-D7020100-102" || d.Address != "0000:03:00.0" || d.DeviceID != "744c" || d.Bus != "pci" {
				t.Errorf("GPU = %+v", d)
			}
			if got := strings.Join(d.Nodes, " "); got != "/dev/dri/card1 /dev/dri/renderD128 /dev/kfd" || !d.Accessible {
				t.Errorf("Nodes = %q, Accessible = %v", got, d.Accessible)
			}
			if c.moduleVersion == "" {
				wantNote(t, d, "driver_version", "no /sys/module/amdgpu/version")
			} else if len(d.Unknown) != 0 {
				t.Errorf("Unknown = %v, want none", d.Unknown)
			}
		})
	}
}

func TestAMDSyntheticUnboundAndInstinct(t *testing.T) {
	files := map[string]string{}
	pciGPU(files, "0000:0c:00.0", "0x1002", "0x1234", "0x038000", "")
	mi := pciGPU(files, "0000:0d:00.0", "0x1002", "0x74a1", "0x120000", "amdgpu") // MI300X: a processing accelerator
	files[mi+"/mem_info_vram_total"] = "206158430208\n"
	pciGPU(files, "0000:0e:00.0", "0x1022", "0x1502", "0x118000", "amdxdna") // an AMD NPU: not a GPU
	p := gpuTestProbe(t, tree(t, files), Options{Only: []string{"gpu.amd"}})
	checkState(t, p, "gpu.amd", Present)
	if len(p.GPUs) != 2 {
		t.Fatalf("GPUs = %+v, want 2", p.GPUs)
	}
	d := p.GPUs[0]
	if d.Name != "AMD GPU [0x1234]" || d.Driver != "" || d.Accessible || d.MemoryBytes != 0 || len(d.Nodes) != 0 {
		t.Errorf("GPU = %+v", d)
	}
	wantNote(t, d, "driver", "no kernel driver bound")
	wantNote(t, d, "memory", "without the amdgpu driver")
	wantNote(t, d, "name", "not in the table")
	if d := p.GPUs[1]; d.Name != "AMD Instinct MI300X" || d.MemoryBytes != 192<<30 || d.Driver != "amdgpu" {
		t.Errorf("GPU = %+v", d)
	}
}

func TestAMDSyntheticAmdgpuWithoutNodes(t *testing.T) {
	files := map[string]string{}
	pciGPU(files, "0000:03:00.0", "0x1002", "0x73bf", "0x030000", "amdgpu")
	p := gpuTestProbe(t, tree(t, files), Options{Only: []string{"gpu.amd"}})
	d := onlyGPU(t, p, "amd")
	if d.Accessible || d.Name != "AMD Radeon RX 6800/6800 XT/6900 XT" {
		t.Errorf("GPU = %+v", d)
	}
	wantNote(t, d, "memory", "mem_info_vram_total not found")
	wantNote(t, d, "nodes", "no DRM render node")
}
