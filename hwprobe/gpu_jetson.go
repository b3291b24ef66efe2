package hwprobe

import (
	"context"
	"path"
	"regexp"
	"strings"
)

func init() { register(jetsonCollector{}) }

// jetsonCollector finds the integrated GPU of an NVIDIA Jetson (Tegra SoC):
// the device tree's compatible strings ("nvidia,tegra234" ...) name the SoC,
// its GPU and compute capability, and the module ("nvidia,p3701" -> AGX
// Orin); /etc/nv_tegra_release gives the L4T version (the driver stack's
// version); the GPU's platform device is /sys/devices/gpu.0,
// /sys/devices/platform/gpu.0, 17000000.ga10b ... or a devfreq device of the
// GPU; the nodes are /dev/nvhost-ctrl-gpu, /dev/nvhost-gpu,
// /dev/nvgpu/igpu0/ctrl and /dev/nvmap.
type jetsonCollector struct{}

func (jetsonCollector) Name() string { return "gpu.jetson" }

const tegraReleaseFile = "/etc/nv_tegra_release"

// jetsonGPUDirs are the places L4T releases put the GPU's platform device.
var jetsonGPUDirs = []string{
	"/sys/devices/gpu.0",
	"/sys/devices/platform/gpu.0",
	"/sys/devices/17000000.ga10b",
	"/sys/devices/platform/17000000.ga10b",
	"/sys/devices/platform/bus@0/17000000.gpu",
	"/sys/devices/17000000.gv11b",
	"/sys/devices/platform/17000000.gv11b",
	"/sys/devices/17000000.gp10b",
	"/sys/devices/57000000.gpu",
	"/sys/devices/platform/57000000.gpu",
}

// jetsonGPUNames are the devfreq/device names of Tegra GPUs.
var jetsonGPUNames = []string{"ga10b", "gv11b", "gp10b", "gm20b", "gk20a", "gb10b", "gpu"}

func (jetsonCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	d := Device{Kind: "jetson", Vendor: "NVIDIA", Bus: "platform"}

	compat := dtCompat(r)
	socKey := ""
	for _, c := range compat {
		if k, ok := strings.CutPrefix(c, "nvidia,"); ok && strings.HasPrefix(k, "tegra") {
			socKey = k
			break
		}
	}
	soc, knownSoC := tegraSoCs[socKey]

	rel, relErr := TegraRelease{}, error(nil)
	if b, err := r.ReadFile(tegraReleaseFile); err == nil {
		rel = ParseTegraRelease(b)
		d.Sources = append(d.Sources, tegraReleaseFile)
	} else {
		relErr = err
	}

	gpuDir := ""
	for _, dir := range jetsonGPUDirs {
		if ok, _ := r.Exists(dir); ok {
			gpuDir = dir
			break
		}
	}
	if gpuDir == "" && socKey != "" {
		// A devfreq device of the GPU leads to it on other layouts.
		names, _ := r.ReadDir("/sys/class/devfreq")
		for _, n := range names {
			if jetsonGPUName(n) {
				gpuDir = path.Join("/sys/class/devfreq", n, "device")
				d.Sources = append(d.Sources, path.Join("/sys/class/devfreq", n))
				break
			}
		}
	}

	// A Jetson needs a GPU-bearing Tegra SoC, an L4T release or the GPU device.
	if gpuDir != "" && socKey == "" && relErr != nil && maliDevice(r, gpuDir) {
		gpuDir = "" // a Mali platform device named gpu.0: gpu.mali reports it
	}
	if !knownSoC && relErr != nil && gpuDir == "" {
		if !IsNotExist(relErr) {
			return relErr
		}
		return ErrNotPresent
	}

	if gpuDir != "" {
		d.Address = gpuDeviceName(r, gpuDir)
		if d.Address == "" || d.Address == "device" {
			d.Address = path.Base(gpuDir)
		}
		d.Driver = gpuDriverName(r, gpuDir)
		d.Sources = append(d.Sources, gpuDir)
	} else {
		note(&d.Unknown, "address", "the GPU's platform device (gpu.0, 17000000.ga10b ...) was not found in sysfs")
	}
	if d.Driver == "" {
		d.Driver = "nvgpu"
	}

	module := soc.module
	for _, m := range tegraModules {
		if jetsonHasPrefix(compat, m.prefix) {
			module = m.module
			break
		}
	}
	switch {
	case knownSoC:
		d.Name = "NVIDIA " + module + " GPU (" + soc.arch + " " + soc.gpu + ")"
		d.ComputeCapability = soc.cc
		if soc.cc == "" {
			note(&d.Unknown, "compute_capability", "not in the table for "+socKey)
		}
		d.Sources = append(d.Sources, "/proc/device-tree/compatible")
	case socKey != "":
		d.Name = "NVIDIA Tegra GPU (" + socKey + ")"
		note(&d.Unknown, "compute_capability", "SoC "+socKey+" not in the table")
	default:
		d.Name = "NVIDIA Jetson GPU"
		note(&d.Unknown, "name", "no nvidia,tegra compatible string in the device tree")
		note(&d.Unknown, "compute_capability", "unknown without the SoC's compatible string")
	}

	switch {
	case rel.Version != "":
		d.DriverVersion = rel.Version
	case relErr != nil:
		note(&d.Unknown, "driver_version", "L4T version unknown: "+describe(relErr))
	default:
		note(&d.Unknown, "driver_version", "no release in "+tegraReleaseFile)
	}
	note(&d.Unknown, "memory", "integrated GPU: shares system memory with the CPU")

	// The nodes CUDA opens: nvhost-ctrl-gpu (L4T <= 35) or nvgpu/igpu0/ctrl.
	ctrl := ""
	for _, n := range []string{"/dev/nvhost-ctrl-gpu", "/dev/nvgpu/igpu0/ctrl"} {
		if ok, _ := r.Exists(n); ok {
			ctrl = n
			break
		}
	}
	if ctrl != "" {
		d.Accessible = gpuNodes(r, &d, ctrl)
		gpuNodes(r, &d, "/dev/nvhost-gpu", "/dev/nvmap")
		if !d.Accessible {
			note(&d.Unknown, "accessible", "this process may not open "+ctrl+" (often: not in the video group)")
		}
	} else {
		note(&d.Unknown, "nodes", "neither /dev/nvhost-ctrl-gpu nor /dev/nvgpu/igpu0/ctrl was found")
	}
	p.GPUs = append(p.GPUs, d)
	return nil
}

func jetsonGPUName(devfreq string) bool {
	l := strings.ToLower(devfreq)
	for _, n := range jetsonGPUNames {
		if strings.HasSuffix(l, "."+n) || l == n {
			return true
		}
	}
	return false
}

func jetsonHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TegraRelease is what /etc/nv_tegra_release says about the L4T release.
type TegraRelease struct {
	Release  string // "35" (from "# R35 (release)")
	Revision string // "4.1"
	Board    string // "t186ref"
	// Version is the L4T version, Release.Revision: "35.4.1".
	Version string
}

var tegraReleaseRe = regexp.MustCompile(`^#\s*R([0-9]+)\b`)

// ParseTegraRelease parses /etc/nv_tegra_release, whose first line reads
// "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI:
// aarch64, DATE: ...".
func ParseTegraRelease(b []byte) TegraRelease {
	var t TegraRelease
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		m := tegraReleaseRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		t.Release = m[1]
		for _, part := range strings.Split(line, ",") {
			k, v, ok := strings.Cut(part, ":")
			if !ok {
				continue
			}
			switch strings.ToUpper(strings.TrimSpace(k)) {
			case "REVISION":
				t.Revision = strings.TrimSpace(v)
			case "BOARD":
				t.Board = strings.TrimSpace(v)
			}
		}
		t.Version = t.Release
		if gpuVersionRe.MatchString(t.Revision) || jetsonDigits(t.Revision) {
			t.Version += "." + t.Revision
		}
		break
	}
	return t
}

func jetsonDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
