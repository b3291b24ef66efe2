package hwprobe

import (
	"strconv"
	"strings"
	"testing"
)

func TestIntelSyntheticIntegrated(t *testing.T) {
	files := map[string]string{}
	dir := pciGPU(files, "0000:00:02.0", "0x8086", "0x46a6", "0x030000", "i915")
	pciGPU(files, "0000:00:1f.3", "0x8086", "0x51c8", "0x040380", "snd_hda_intel")
	drmNodes(files, dir, "card0", "renderD128")
	p := gpuTestProbe(t, tree(t, files), Options{})
	checkState(t, p, "gpu.intel", Present)
	for _, n := range []string{"gpu.amd", "gpu.nvidia", "gpu.mali", "gpu.jetson"} {
		checkState(t, p, n, Absent)
	}
	d := onlyGPU(t, p, "intel")
	if d.Name != "Intel Iris Xe Graphics" || d.Vendor != "Intel" || d.Driver != "i915" || d.Address != "0000:00:02.0" || d.DeviceID != "46a6" {
		t.Errorf("GPU = %+v", d)
	}
	if d.MemoryBytes != 0 {
		t.Errorf("an integrated GPU got MemoryBytes %d", d.MemoryBytes)
	}
	wantNote(t, d, "memory", "integrated GPU: shares system memory")
	wantNote(t, d, "driver_version", "kernel's own")
	if got := strings.Join(d.Nodes, " "); got != "/dev/dri/card0 /dev/dri/renderD128" || !d.Accessible {
		t.Errorf("Nodes = %q, Accessible = %v", got, d.Accessible)
	}
}

func TestIntelSyntheticDiscrete(t *testing.T) {
	for _, c := range []struct {
		name, driver, device, memFile, wantName string
		mem                                     int64
		note                                    string
	}{
		{"xe Battlemage", "xe", "0xe20b", "tile0/physical_vram_size_bytes", "Intel Arc B580", 12 << 30, ""},
		{"i915 DKMS Arc", "i915", "0x56a0", "lmem_total_bytes", "Intel Arc A770", 16 << 30, ""},
		{"i915 without lmem file", "i915", "0x9999", "", "Intel Graphics [0x9999]", 0, "not exposed by i915"},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{}
			dir := pciGPU(files, "0000:03:00.0", "0x8086", c.device, "0x030000", c.driver)
			if c.memFile != "" {
				files[dir+"/"+c.memFile] = strconv.FormatInt(c.mem, 10) + "\n" // both drivers print decimal
			}
			drmNodes(files, dir, "card1", "renderD129")
			p := gpuTestProbe(t, tree(t, files), Options{Only: []string{"gpu.intel"}})
			d := onlyGPU(t, p, "intel")
			if d.Name != c.wantName || d.Driver != c.driver || d.MemoryBytes != c.mem || !d.Accessible {
				t.Errorf("GPU = %+v", d)
			}
			if c.note != "" {
				wantNote(t, d, "memory", c.note)
			} else if d.Unknown["memory"] != "" {
				t.Errorf("memory note %q", d.Unknown["memory"])
			}
		})
	}
}
