package hwprobe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// gpuCollectorNames are the GPU collectors of this package.
var gpuCollectorNames = []string{"gpu.amd", "gpu.intel", "gpu.jetson", "gpu.mali", "gpu.nvidia"}

// gpuTestProbe probes root with opts (Root and Only filled in when empty).
func gpuTestProbe(t testing.TB, root string, opts Options) *Profile {
	t.Helper()
	opts.Root = root
	if len(opts.Only) == 0 {
		opts.Only = gpuCollectorNames
	}
	p, err := Probe(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Checks {
		if strings.Contains(c.Reason, "internal error") {
			t.Fatalf("collector %s panicked: %s", c.Collector, c.Reason)
		}
	}
	return p
}

// onlyGPU returns the single GPU of a profile, failing otherwise.
func onlyGPU(t testing.TB, p *Profile, kind string) Device {
	t.Helper()
	if len(p.GPUs) != 1 {
		t.Fatalf("found %d GPUs, want 1: %+v", len(p.GPUs), p.GPUs)
	}
	d := p.GPUs[0]
	if d.Kind != kind {
		t.Fatalf("GPU kind %q, want %q", d.Kind, kind)
	}
	return d
}

func wantNote(t testing.TB, d Device, field, contains string) {
	t.Helper()
	if got := d.Unknown[field]; !strings.Contains(got, contains) || got == "" {
		t.Errorf("Unknown[%q] = %q, want it to contain %q (Unknown: %v)", field, got, contains, d.Unknown)
	}
}

// pciGPU adds a PCI device laid out as sysfs does: the device directory under
// /sys/devices and a /sys/bus/pci/devices symlink to it.
func pciGPU(files map[string]string, addr, vendor, device, class, driver string) string {
	dir := "/sys/devices/pci0000:00/" + addr
	files["/sys/bus/pci/devices/"+addr] = "->../../../devices/pci0000:00/" + addr
	files[dir+"/vendor"] = vendor + "\n"
	files[dir+"/device"] = device + "\n"
	files[dir+"/class"] = class + "\n"
	ue := "PCI_SLOT_NAME=" + addr + "\n"
	if driver != "" {
		ue = "DRIVER=" + driver + "\n" + ue
	}
	files[dir+"/uevent"] = ue
	return dir
}

// drmNodes adds /sys/class/drm entries of a device directory (PCI or
// platform) and their /dev/dri nodes.
func drmNodes(files map[string]string, devDir string, nodes ...string) {
	rel := strings.TrimPrefix(devDir, "/sys/")
	for _, n := range nodes {
		files["/sys/class/drm/"+n] = "->../../" + rel + "/drm/" + n
		files[devDir+"/drm/"+n+"/device"] = "->../../../" + filepath.Base(devDir)
		files["/dev/dri/"+n] = "<dev>"
	}
}

type fakeRunner struct {
	out   []byte
	err   error
	calls atomic.Int32
}

func (f *fakeRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	f.calls.Add(1)
	if name != "nvidia-smi" || strings.Join(args, " ") != "-q -x" {
		return nil, errors.New("unexpected command " + name)
	}
	return f.out, f.err
}

const h100Memory = 81559 * 1024 * 1024

func TestNvidiaH100Fixture(t *testing.T) {
	root := fixture(t, "x86-h100-vm")
	for _, c := range []struct {
		name    string
		smi     bool
		mem     int64
		memNote string
	}{
		{"files only", false, 0, nvidiaMemoryNoSMI},
		{"with nvidia-smi", true, h100Memory, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := gpuTestProbe(t, root, Options{NvidiaSMI: c.smi})
			checkState(t, p, "gpu.nvidia", Present)
			for _, n := range []string{"gpu.amd", "gpu.intel", "gpu.jetson", "gpu.mali"} {
				checkState(t, p, n, Absent)
			}
			d := onlyGPU(t, p, "nvidia")
			for field, got := range map[string]string{
				"name": d.Name, "vendor": d.Vendor, "driver": d.Driver, "driver_version": d.DriverVersion,
				"address": d.Address, "bus": d.Bus, "compute_capability": d.ComputeCapability,
				"vendor_id": d.VendorID, "device_id": d.DeviceID, "firmware": d.Firmware,
			} {
				want := map[string]string{
					"name": "NVIDIA H100 80GB HBM3", "vendor": "NVIDIA", "driver": "nvidia", "driver_version": "580.159.04",
					"address": "0000:00:06.0", "bus": "pci", "compute_capability": "9.0",
					"vendor_id": "10de", "device_id": "2330", "firmware": "96.00.da.00.0c",
				}[field]
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			if d.MemoryBytes != c.mem {
				t.Errorf("MemoryBytes = %d, want %d", d.MemoryBytes, c.mem)
			}
			if d.Unknown["memory"] != c.memNote {
				t.Errorf("Unknown[memory] = %q, want %q", d.Unknown["memory"], c.memNote)
			}
			if c.smi != strings.Contains(strings.Join(d.Sources, " "), nvidiaSMICommand) {
				t.Errorf("Sources = %v (nvidia-smi source %v)", d.Sources, c.smi)
			}
			// The fixture holds no /dev: nodes are missing and noted.
			if d.Accessible || len(d.Nodes) != 0 {
				t.Errorf("Accessible = %v, Nodes = %v; the fixture has no /dev", d.Accessible, d.Nodes)
			}
			wantNote(t, d, "nodes", "/dev/nvidia0")
		})
	}
}

func TestNvidiaH100FixtureFailingSMI(t *testing.T) {
	root := fixture(t, "x86-h100-vm")
	for _, c := range []struct {
		name string
		run  *fakeRunner
		note string
	}{
		{"not installed", &fakeRunner{err: errors.New(`exec: "nvidia-smi": executable file not found in $PATH`)}, "not found"},
		{"timeout", &fakeRunner{err: context.DeadlineExceeded}, "deadline exceeded"},
		{"not XML", &fakeRunner{out: []byte("bash: nvidia-smi: command not found\n")}, "no nvidia_smi_log"},
		{"broken XML", &fakeRunner{out: []byte("<nvidia_smi_log><gpu id=\"00000000:00:06.0\"><fb_memory_usage>")}, "parse nvidia-smi XML"},
		{"other GPU", &fakeRunner{out: []byte(`<nvidia_smi_log><gpu id="00000000:00:07.0"><product_name>X</product_name><fb_memory_usage><total>1 MiB</total></fb_memory_usage></gpu></nvidia_smi_log>`)}, "did not list 0000:00:06.0"},
		{"memory N/A", &fakeRunner{out: []byte(`<nvidia_smi_log><gpu id="00000000:00:06.0"><fb_memory_usage><total>N/A</total></fb_memory_usage></gpu></nvidia_smi_log>`)}, "N/A"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := gpuTestProbe(t, root, Options{NvidiaSMI: true, Run: c.run, Only: []string{"gpu.nvidia"}})
			checkState(t, p, "gpu.nvidia", Present)
			if c.run.calls.Load() != 1 {
				t.Errorf("nvidia-smi ran %d times, want 1", c.run.calls.Load())
			}
			var d Device
			for _, g := range p.GPUs {
				if g.Address == "0000:00:06.0" {
					d = g
				}
			}
			if d.Name != "NVIDIA H100 80GB HBM3" || d.DriverVersion != "580.159.04" || d.ComputeCapability != "9.0" {
				t.Errorf("GPU = %+v", d)
			}
			if d.MemoryBytes != 0 {
				t.Errorf("MemoryBytes = %d, want 0", d.MemoryBytes)
			}
			wantNote(t, d, "memory", c.note)
		})
	}
}

func TestGPUEpycFixtureHasNone(t *testing.T) {
	root := fixture(t, "x86-epyc-2core-vm")
	run := &fakeRunner{err: errors.New("must not run")}
	for _, smi := range []bool{false, true} {
		p := gpuTestProbe(t, root, Options{NvidiaSMI: smi, Run: run})
		for _, n := range gpuCollectorNames {
			checkState(t, p, n, Absent)
		}
		if len(p.GPUs) != 0 {
			t.Errorf("GPUs = %+v, want none", p.GPUs)
		}
	}
	if run.calls.Load() != 0 {
		t.Errorf("nvidia-smi ran %d times on a machine without an NVIDIA GPU", run.calls.Load())
	}
}

func TestNvidiaSyntheticWithoutDriver(t *testing.T) {
	for _, c := range []struct {
		driver, note string
	}{
		{"", "no kernel driver bound"},
		{"nouveau", "bound to nouveau"},
		{"vfio-pci", "passthrough"},
	} {
		t.Run("driver="+c.driver, func(t *testing.T) {
			files := map[string]string{}
			pciGPU(files, "0000:01:00.0", "0x10de", "0x27b8", "0x030200", c.driver)
			pciGPU(files, "0000:01:00.1", "0x10de", "0x22bc", "0x040300", "snd_hda_intel") // its audio function
			p := gpuTestProbe(t, tree(t, files), Options{})
			checkState(t, p, "gpu.nvidia", Present)
			d := onlyGPU(t, p, "nvidia")
			if d.Name != "NVIDIA L4" || d.ComputeCapability != "8.9" || d.Driver != c.driver || d.DriverVersion != "" {
				t.Errorf("GPU = %+v", d)
			}
			if d.Address != "0000:01:00.0" || d.DeviceID != "27b8" || d.Accessible {
				t.Errorf("GPU = %+v", d)
			}
			wantNote(t, d, "driver", c.note)
			wantNote(t, d, "memory", "without the NVIDIA driver")
		})
	}
}

func TestNvidiaSyntheticUnreadableInformation(t *testing.T) {
	files := map[string]string{
		"/proc/driver/nvidia/version": "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03  Thu Oct 19 18:56:32 UTC 2023\nGCC version:  gcc version 12.2.0\n",
		// A directory where the file should be: reading it fails even as root.
		"/proc/driver/nvidia/gpus/0000:01:00.0/information/": "",
		"/dev/nvidiactl": "<dev>",
	}
	pciGPU(files, "0000:01:00.0", "0x10de", "0x20b2", "0x030200", "nvidia")
	p := gpuTestProbe(t, tree(t, files), Options{})
	checkState(t, p, "gpu.nvidia", Present)
	d := onlyGPU(t, p, "nvidia")
	if d.Name != "NVIDIA A100 SXM4 80GB" || d.DriverVersion != "535.129.03" || d.ComputeCapability != "8.0" || d.Firmware != "" {
		t.Errorf("GPU = %+v", d)
	}
	wantNote(t, d, "name", "cannot read /proc/driver/nvidia/gpus/0000:01:00.0/information")
	wantNote(t, d, "firmware", "cannot read")
	wantNote(t, d, "nodes", "device minor unknown")
	wantNote(t, d, "memory", "--nvidia-smi")
}

func TestNvidiaSyntheticNodesAndProcOnly(t *testing.T) {
	info := "Model: \t\t NVIDIA GeForce RTX 4090\nBus Location: \t 0000:0a:00.0\nDevice Minor: \t 1\nVideo BIOS: \t 95.02.18.80.5f\n"
	files := map[string]string{
		"/proc/driver/nvidia/version":                       "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.15  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Jan 23 23:07:13 UTC 2025\n",
		"/proc/driver/nvidia/gpus/0000:0a:00.0/information": info,
		"/dev/nvidia1":    "<dev>",
		"/dev/nvidiactl":  "<dev>",
		"/dev/nvidia-uvm": "<dev>",
	}
	// No PCI sysfs: a container that sees /proc but not /sys/bus/pci.
	p := gpuTestProbe(t, tree(t, files), Options{})
	checkState(t, p, "gpu.nvidia", Present)
	d := onlyGPU(t, p, "nvidia")
	if d.Name != "NVIDIA GeForce RTX 4090" || d.DriverVersion != "570.86.15" || d.Address != "0000:0a:00.0" || d.Firmware != "95.02.18.80.5f" {
		t.Errorf("GPU = %+v", d)
	}
	if !d.Accessible || strings.Join(d.Nodes, " ") != "/dev/nvidia1 /dev/nvidiactl /dev/nvidia-uvm" {
		t.Errorf("Accessible = %v, Nodes = %v", d.Accessible, d.Nodes)
	}
	wantNote(t, d, "device_id", "not in PCI sysfs")
	wantNote(t, d, "compute_capability", "not in the table")
}

func TestNvidiaSyntheticSMIOnly(t *testing.T) {
	// The driver is loaded but /proc lists no GPU: nvidia-smi finds it.
	files := map[string]string{"/proc/driver/nvidia/version": "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14\n"}
	root := tree(t, files)
	p := gpuTestProbe(t, root, Options{Only: []string{"gpu.nvidia"}})
	c := checkState(t, p, "gpu.nvidia", Unknown)
	if !strings.Contains(c.Reason, "550.54.14 is loaded but no NVIDIA GPU") {
		t.Errorf("reason %q", c.Reason)
	}
	run := &fakeRunner{out: []byte(`<?xml version="1.0" ?><nvidia_smi_log><driver_version>550.54.14</driver_version>
<gpu id="00000000:3B:00.0"><product_name>Tesla T4</product_name><product_architecture>Turing</product_architecture>
<minor_number>0</minor_number><pci><pci_bus_id>00000000:3B:00.0</pci_bus_id></pci>
<fb_memory_usage><total>15360 MiB</total></fb_memory_usage></gpu></nvidia_smi_log>`)}
	p = gpuTestProbe(t, root, Options{Only: []string{"gpu.nvidia"}, NvidiaSMI: true, Run: run})
	checkState(t, p, "gpu.nvidia", Present)
	d := onlyGPU(t, p, "nvidia")
	if d.Name != "Tesla T4" || d.Address != "0000:3b:00.0" || d.MemoryBytes != 15360<<20 || d.ComputeCapability != "7.5" || d.DriverVersion != "550.54.14" {
		t.Errorf("GPU = %+v", d)
	}
}

func TestNvidiaSyntheticTegraDisplayDriver(t *testing.T) {
	// L4T 36 loads the NVIDIA display driver on Orin: not a PCI GPU.
	files := map[string]string{
		"/proc/driver/nvidia/version":  "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  540.4.0  Release Build\n",
		"/proc/driver/nvidia/gpus/":    "",
		"/proc/device-tree/compatible": "nvidia,p3768-0000+p3767-0005\x00nvidia,p3767-0005\x00nvidia,tegra234\x00",
	}
	p := gpuTestProbe(t, tree(t, files), Options{})
	checkState(t, p, "gpu.nvidia", Absent)
	checkState(t, p, "gpu.jetson", Present)
}

func TestParseNvidiaVersion(t *testing.T) {
	for in, want := range map[string]string{
		"NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (nixbld@)  \nGCC version:  gcc\n": "580.159.04",
		"NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03  Thu Oct 19 18:56:32 UTC 2023\n":                           "535.129.03",
		"NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  540.4.0  Release Build\n":                                   "540.4.0",
		"GCC version: 12.2\n": "",
		"NVRM version:":       "",
		"":                    "",
	} {
		if got := ParseNvidiaVersion([]byte(in)); got != want {
			t.Errorf("ParseNvidiaVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseNvidiaInformation(t *testing.T) {
	m := ParseNvidiaInformation([]byte("Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   41\nGPU UUID: \t GPU-9f2b\n\nGPU Hardware Support:\n Video Memory Off:  Not Supported\nModel: other\nno colon\n"))
	for k, want := range map[string]string{"Model": "NVIDIA H100 80GB HBM3", "IRQ": "41", "GPU UUID": "GPU-9f2b", "GPU Hardware Support": "", "Video Memory Off": "Not Supported"} {
		if got, ok := m[k]; !ok || got != want {
			t.Errorf("%q = %q (%v), want %q", k, got, ok, want)
		}
	}
	if len(m) != 5 {
		t.Errorf("parsed %d keys: %v", len(m), m)
	}
}

func TestParseNvidiaSMIFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixture(t, "x86-h100-vm"), "_commands", "nvidia-smi-q.xml"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseNvidiaSMI(b)
	if err != nil {
		t.Fatal(err)
	}
	if l.DriverVersion != "580.159.04" || l.CUDAVersion != "13.0" || len(l.GPUs) != 1 {
		t.Fatalf("log = %+v", l)
	}
	g := l.GPUs[0]
	if g.Address() != "0000:00:06.0" || g.MemoryBytes() != h100Memory || g.ProductName != "NVIDIA H100 80GB HBM3" || g.ComputeCapability() != "9.0" || g.MinorNumber != "0" {
		t.Errorf("gpu = %+v", g)
	}
}

func TestNvidiaSMIComputeCap(t *testing.T) {
	l, err := ParseNvidiaSMI([]byte(`<nvidia_smi_log><gpu id="0000:01:00.0"><product_architecture>Ampere</product_architecture><compute_cap> 8.6 </compute_cap></gpu>
<gpu id="0000:02:00.0"><product_architecture>Ampere</product_architecture></gpu></nvidia_smi_log>`))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.GPUs[0].ComputeCapability(); got != "8.6" {
		t.Errorf("compute_cap: %q", got)
	}
	if got := l.GPUs[1].ComputeCapability(); got != "" {
		t.Errorf("Ampere has several capabilities, got %q", got)
	}
}

func TestNvidiaComputeCapabilityTable(t *testing.T) {
	for i := 1; i < len(nvidiaCCRanges); i++ {
		if a, b := nvidiaCCRanges[i-1], nvidiaCCRanges[i]; a.hi >= b.lo || b.lo > b.hi {
			t.Fatalf("ranges %v and %v overlap or are out of order", a, b)
		}
	}
	for id, want := range map[uint16]string{
		0x2330: "9.0", 0x2335: "9.0", 0x20b2: "8.0", 0x2236: "8.6", 0x2684: "8.9", 0x27b8: "8.9", 0x1eb8: "7.5",
		0x1db6: "7.0", 0x2901: "10.0", 0x2b85: "12.0", 0x2e12: "12.1", 0x102d: "3.7",
		0x0000: "", 0x0fbf: "", 0x2300: "", 0xffff: "",
	} {
		if got := nvidiaComputeCapability(id); got != want {
			t.Errorf("nvidiaComputeCapability(%#04x) = %q, want %q", id, got, want)
		}
	}
}

func TestGPUHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"00000000:00:06.0": "0000:00:06.0", "00000001:3B:00.0": "0001:3b:00.0", "0000:00:06.0": "0000:00:06.0",
		"3b:00.0": "0000:3b:00.0", "garbage": "garbage", "123456789:00:00.0": "123456789:00:00.0",
	} {
		if got := gpuNormPCIAddress(in); got != want {
			t.Errorf("gpuNormPCIAddress(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]int64{"81559 MiB": h100Memory, "16 GiB": 16 << 30, "512 KiB": 512 << 10, "7": 7, "N/A": 0, "": 0, "1 PiB": 0, "-1 MiB": 0, "9223372036854775807 GiB": 0} {
		if got, _ := gpuParseSize(in); got != want {
			t.Errorf("gpuParseSize(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestGPUCollectorsRealRoot runs the GPU collectors on this machine: they
// must not fail the probe, and whatever they report must be coherent.
func TestGPUCollectorsRealRoot(t *testing.T) {
	start := time.Now()
	p, err := Probe(context.Background(), Options{Only: gpuCollectorNames})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("GPU probe took %v", el)
	}
	if len(p.Checks) != len(gpuCollectorNames) {
		t.Fatalf("checks: %+v", p.Checks)
	}
	present := map[string]bool{}
	for _, c := range p.Checks {
		switch c.State {
		case Present:
			present[strings.TrimPrefix(c.Collector, "gpu.")] = true
		case Absent:
		case Unknown:
			if c.Reason == "" || strings.Contains(c.Reason, "internal error") {
				t.Errorf("%s: unknown with reason %q", c.Collector, c.Reason)
			}
		default:
			t.Errorf("%s: state %q", c.Collector, c.State)
		}
		t.Logf("%s: %s %s", c.Collector, c.State, c.Reason)
	}
	for _, d := range p.GPUs {
		t.Logf("GPU: %+v", d)
		if !present[d.Kind] || d.Name == "" || d.Vendor == "" {
			t.Errorf("incoherent GPU %+v", d)
		}
	}
}

func FuzzNvidiaParsers(f *testing.F) {
	f.Add([]byte("Model: \t\t NVIDIA H100 80GB HBM3\nDevice Minor: \t 0\n"),
		[]byte("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build\n"),
		[]byte(`<?xml version="1.0" ?><!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v13.dtd"><nvidia_smi_log><gpu id="00000000:00:06.0"><pci><pci_bus_id>00000000:00:06.0</pci_bus_id></pci><fb_memory_usage><total>81559 MiB</total></fb_memory_usage></gpu></nvidia_smi_log>`))
	f.Add([]byte(":\n:::\x00"), []byte("NVRM version: 1.2.3.4.5"), []byte("<nvidia_smi_log><gpu><fb_memory_usage><total>99999999999999999999 TiB</total>"))
	f.Add([]byte{}, []byte{}, []byte("bash: nvidia-smi: command not found\n"))
	f.Fuzz(func(t *testing.T, info, version, smi []byte) {
		ParseNvidiaInformation(info)
		ParseNvidiaVersion(version)
		if l, err := ParseNvidiaSMI(smi); err == nil {
			for _, g := range l.GPUs {
				if g.MemoryBytes() < 0 {
					t.Fatalf("negative memory from %q", g.FBTotal)
				}
				g.Address()
				g.ComputeCapability()
			}
		}
		gpuNormPCIAddress(string(version))
	})
}

// BenchmarkGPUCollectorsH100 measures the GPU collectors on the H100 fixture
// (files only; nvidia-smi would add its own run time).
func BenchmarkGPUCollectorsH100(b *testing.B) {
	root := fixture(b, "x86-h100-vm")
	for b.Loop() {
		if _, err := Probe(context.Background(), Options{Root: root, Only: gpuCollectorNames}); err != nil {
			b.Fatal(err)
		}
	}
}
