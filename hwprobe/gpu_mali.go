package hwprobe

import (
	"context"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func init() { register(maliCollector{}) }

// maliCollector finds an Arm Mali GPU: the kbase driver's /dev/mali0 and
// /sys/class/misc/mali0 (its device directory holds gpuinfo, e.g.
// "Mali-G610 4 cores r0p0 0xA867"), a devfreq device named after the GPU
// (/sys/class/devfreq/fb000000.gpu) whose driver or device-tree node is a
// Mali, or a DRM render node of the open panfrost/panthor drivers. The
// driver version comes from /sys/module/mali_kbase/version.
type maliCollector struct{}

func (maliCollector) Name() string { return "gpu.mali" }

// maliDrivers are the kernel drivers of Mali GPUs (kbase registers as "mali").
var maliDrivers = map[string]bool{"mali": true, "mali_kbase": true, "bifrost": true, "midgard": true, "panfrost": true, "panthor": true}

func (maliCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	d := Device{Kind: "mali", Vendor: "Arm", Bus: "platform"}
	devDir := "" // the GPU's platform device directory
	var firstErr error
	keep := func(err error) {
		if err != nil && !IsNotExist(err) && firstErr == nil {
			firstErr = err
		}
	}

	// kbase: the misc device and its node.
	kbaseNodes, err := DevNodes(r, "/dev/mali[0-9]*")
	keep(err)
	misc, err := r.Exists("/sys/class/misc/mali0")
	keep(err)
	if misc {
		devDir = "/sys/class/misc/mali0/device"
		d.Sources = append(d.Sources, "/sys/class/misc/mali0")
	}

	// devfreq: the GPU's frequency scaling device.
	freqs, err := r.ReadDir("/sys/class/devfreq")
	keep(err)
	for _, n := range freqs {
		l := strings.ToLower(n)
		if !strings.Contains(l, "gpu") && !strings.Contains(l, "mali") {
			continue
		}
		dir := path.Join("/sys/class/devfreq", n)
		if !strings.Contains(l, "mali") && !maliDevice(r, dir+"/device") {
			continue // another vendor's GPU (Tegra, Adreno, Vivante ...)
		}
		d.Sources = append(d.Sources, dir)
		if devDir == "" {
			devDir = dir + "/device"
		}
		break
	}

	// panfrost / panthor: a DRM device of a Mali driver.
	var drmNodes gpuDRM
	drm := gpuDRMNodes(r)
	names := make([]string, 0, len(drm))
	for name := range drm {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		nodes := drm[name]
		node := nodes.render
		if node == "" {
			node = nodes.card
		}
		drv := gpuDriverName(r, path.Join("/sys/class/drm", node, "device"))
		if !maliDrivers[drv] {
			continue
		}
		drmNodes = nodes
		if devDir == "" {
			devDir = path.Join("/sys/class/drm", node, "device")
			d.Address = name
		}
		break
	}

	if devDir == "" && len(kbaseNodes) == 0 {
		if firstErr != nil {
			return firstErr
		}
		return ErrNotPresent
	}

	if devDir != "" {
		if d.Address == "" {
			d.Address = gpuDeviceName(r, devDir)
		}
		d.Driver = gpuDriverName(r, devDir)
	}
	if d.Driver == "" && (misc || len(kbaseNodes) > 0) {
		d.Driver = "mali"
	}
	if d.Address == "" {
		note(&d.Unknown, "address", "the GPU's platform device was not found in sysfs")
	}

	// Identity: kbase's gpuinfo, else the device-tree compatible string.
	if devDir != "" {
		info := devDir + "/gpuinfo"
		if b, err := r.ReadString(info); err == nil {
			if g := ParseMaliGPUInfo(b); g.Name != "" {
				d.Name = g.Name
				if g.Cores > 0 {
					d.Name += " MP" + strconv.Itoa(g.Cores)
				}
				d.DeviceID = strings.TrimPrefix(strings.ToLower(g.ProductID), "0x")
				d.Sources = append(d.Sources, info)
			}
		}
		if d.Name == "" {
			for _, c := range SplitNUL(gpuReadOrNil(r, devDir+"/of_node/compatible")) {
				if m, ok := strings.CutPrefix(c, "arm,mali-"); ok {
					d.Name = "Mali (" + m + ")"
					break
				}
			}
			if d.Name != "" {
				note(&d.Unknown, "name", "no "+info+": model family from the device tree only")
			}
		}
	}
	if d.Name == "" {
		d.Name = "Mali"
		note(&d.Unknown, "name", "no gpuinfo and no arm,mali device-tree node")
	}

	if v, src := gpuModuleVersion(r, "mali_kbase", "bifrost_kbase", "midgard_kbase", "mali"); v != "" {
		d.DriverVersion = v
		d.Sources = append(d.Sources, src)
	} else {
		note(&d.Unknown, "driver_version", "no /sys/module/mali_kbase/version")
	}
	note(&d.Unknown, "memory", "integrated GPU: shares system memory (no dedicated memory)")

	// Nodes: kbase's /dev/mali0, or the DRM render node of panfrost/panthor.
	switch {
	case len(kbaseNodes) > 0:
		d.Accessible = gpuNodes(r, &d, kbaseNodes[0])
		if !d.Accessible {
			note(&d.Unknown, "accessible", "this process may not open "+kbaseNodes[0])
		}
	case drmNodes.render != "" || drmNodes.card != "":
		d.Accessible = gpuDRMDeviceNodes(r, &d, drmNodes)
	default:
		note(&d.Unknown, "nodes", "neither /dev/mali0 nor a DRM render node was found")
	}
	p.GPUs = append(p.GPUs, d)
	return nil
}

// maliDevice reports whether a sysfs device directory is a Mali GPU, by its
// driver or its device-tree compatible strings.
func maliDevice(r *Root, dev string) bool {
	if maliDrivers[gpuDriverName(r, dev)] {
		return true
	}
	for _, c := range SplitNUL(gpuReadOrNil(r, dev+"/of_node/compatible")) {
		if strings.HasPrefix(c, "arm,mali") || strings.HasSuffix(c, "-mali") {
			return true
		}
	}
	return false
}

// gpuDriverName returns the name of the driver bound to a sysfs device
// directory ("" when none or unreadable).
func gpuDriverName(r *Root, dev string) string {
	if t, err := r.Readlink(dev + "/driver"); err == nil {
		return path.Base(t)
	}
	if b, err := r.ReadFile(dev + "/uevent"); err == nil {
		return ParseUevent(b)["DRIVER"]
	}
	return ""
}

func gpuReadOrNil(r *Root, p string) []byte {
	b, _ := r.ReadFile(p)
	return b
}

// MaliGPUInfo is what kbase's gpuinfo says about the GPU.
type MaliGPUInfo struct {
	Name      string // Mali-G610
	Cores     int    // shader cores
	Revision  string // r0p0
	ProductID string // 0xA867
}

var (
	maliRevisionRe = regexp.MustCompile(`^r[0-9]+p[0-9]+$`)
	maliProductRe  = regexp.MustCompile(`^0[xX][0-9a-fA-F]{1,8}$`)
)

// ParseMaliGPUInfo parses the gpuinfo file of the Mali kbase driver:
// "<name> <N> cores r<major>p<minor> 0x<product id>", for example
// "Mali-G610 4 cores r0p0 0xA867". Missing parts stay empty.
func ParseMaliGPUInfo(s string) MaliGPUInfo {
	var g MaliGPUInfo
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	f := strings.Fields(line)
	end := len(f) // where the name ends
	for i, w := range f {
		switch {
		case w == "cores" || w == "core":
			if i > 0 {
				if n, err := strconv.Atoi(f[i-1]); err == nil && n > 0 && n < 1<<16 {
					g.Cores = n
					end = min(end, i-1)
				}
			}
		case maliRevisionRe.MatchString(w):
			g.Revision = w
			end = min(end, i)
		case maliProductRe.MatchString(w):
			g.ProductID = w
			end = min(end, i)
		}
	}
	g.Name = strings.Join(f[:end], " ")
	return g
}
