package hwprobe

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// This file holds the small tables the GPU collectors name devices by, and
// the helpers they share (PCI display devices, DRM nodes, device-tree
// compatible strings, PCI address normalization).

// PCI vendor ids of the GPU families.
const (
	pciVendorNVIDIA = 0x10de
	pciVendorAMD    = 0x1002
	pciVendorIntel  = 0x8086
)

// nvidiaCCRange gives the CUDA compute capability of a run of NVIDIA PCI
// device ids that all belong to chips of one family.
type nvidiaCCRange struct {
	lo, hi uint16
	cc     string
}

// nvidiaCCRanges was derived from the pci.ids database: every GPU device id
// was mapped to its chip (GK104 -> 3.0, GH100 -> 9.0, GB20B -> 12.1, ...) and
// consecutive ids of the same compute capability were merged. A run stops at
// any GPU id of another or unknown family, so an id inside a run is either
// listed there or lies between two ids of the same family. Sorted by lo.
var nvidiaCCRanges = []nvidiaCCRange{
	{0x0fc0, 0x0fff, "3.0"},  // GK107/GK106
	{0x1001, 0x102a, "3.5"},  // GK110
	{0x102d, 0x102d, "3.7"},  // GK210 (Tesla K80)
	{0x102e, 0x103f, "3.5"},  // GK110/GK180
	{0x1180, 0x11ff, "3.0"},  // GK104/GK106
	{0x1280, 0x130b, "3.5"},  // GK208
	{0x1340, 0x139d, "5.0"},  // GM107/GM108
	{0x13ad, 0x13ae, "5.2"},  // GM204
	{0x13b0, 0x13bd, "5.0"},  // GM107
	{0x13be, 0x1436, "5.2"},  // GM204/GM206
	{0x15c2, 0x15ff, "6.0"},  // GP100
	{0x1613, 0x1676, "5.2"},  // GM20x
	{0x1725, 0x172f, "6.0"},  // GP100
	{0x174d, 0x179c, "5.0"},  // GM108/GM107
	{0x17c2, 0x17fd, "5.2"},  // GM200
	{0x1b00, 0x1d56, "6.1"},  // GP102..GP108
	{0x1d81, 0x1df6, "7.0"},  // GV100
	{0x1e02, 0x1ff9, "7.5"},  // TU102..TU117
	{0x2080, 0x20ff, "8.0"},  // GA100
	{0x2182, 0x21d1, "7.5"},  // TU116
	{0x2200, 0x223f, "8.6"},  // GA102
	{0x2302, 0x23f0, "9.0"},  // GH100
	{0x2414, 0x25fb, "8.6"},  // GA103..GA107
	{0x2681, 0x28f8, "8.9"},  // AD102..AD107
	{0x2900, 0x29f1, "10.0"}, // GB100/GB102
	{0x2b85, 0x2c19, "12.0"}, // GB202/GB203
	{0x2c31, 0x2d19, "12.0"}, // GB203/GB206
	{0x2d30, 0x2df9, "12.0"}, // GB206/GB207
	{0x2e03, 0x2e2a, "12.1"}, // GB20B (GB10)
	{0x2f04, 0x2f58, "12.0"}, // GB205
	{0x3180, 0x31fe, "10.3"}, // GB110
}

// nvidiaComputeCapability returns the compute capability of an NVIDIA PCI
// device id, or "" when the table does not know it.
func nvidiaComputeCapability(device uint16) string {
	i := sort.Search(len(nvidiaCCRanges), func(i int) bool { return nvidiaCCRanges[i].hi >= device })
	if i < len(nvidiaCCRanges) && nvidiaCCRanges[i].lo <= device {
		return nvidiaCCRanges[i].cc
	}
	return ""
}

// nvidiaArchCC maps nvidia-smi's product_architecture to the compute
// capability where the architecture has only one (Ampere, Blackwell and
// Kepler have several and are left to the device-id table).
var nvidiaArchCC = map[string]string{
	"volta":        "7.0",
	"turing":       "7.5",
	"ada lovelace": "8.9",
	"ada":          "8.9",
	"hopper":       "9.0",
}

// nvidiaNames names common NVIDIA GPUs by PCI device id (from pci.ids), for
// GPUs whose driver does not tell (no /proc/driver/nvidia).
var nvidiaNames = map[uint16]string{
	0x1db1: "Tesla V100 SXM2 16GB", 0x1db4: "Tesla V100 PCIe 16GB", 0x1db5: "Tesla V100 SXM2 32GB",
	0x1db6: "Tesla V100 PCIe 32GB", 0x1df6: "Tesla V100S PCIe 32GB",
	0x1eb8: "Tesla T4",
	0x20b0: "A100 SXM4 40GB", 0x20b1: "A100 PCIe 40GB", 0x20b2: "A100 SXM4 80GB", 0x20b5: "A100 PCIe 80GB",
	0x20f1: "A100 PCIe 40GB", 0x20b7: "A30 PCIe",
	0x2204: "GeForce RTX 3090", 0x2230: "RTX A6000", 0x2235: "A40", 0x2236: "A10", 0x2237: "A10G",
	0x25b6: "A2 / A16",
	0x2321: "H100L 94GB", 0x2322: "H800 PCIe", 0x2324: "H800", 0x2330: "H100 SXM5 80GB", 0x2331: "H100 PCIe",
	0x2335: "H200 SXM 141GB", 0x2336: "H100", 0x2337: "H100 SXM5 64GB", 0x2338: "H100 SXM5 96GB",
	0x2339: "H100 SXM5 94GB", 0x233b: "H200 NVL", 0x233d: "H100 96GB", 0x2342: "GH200 120GB / 480GB",
	0x2348: "GH200 144G HBM3e",
	0x2684: "GeForce RTX 4090", 0x26b1: "RTX 6000 Ada Generation", 0x26b5: "L40", 0x26b9: "L40S", 0x27b8: "L4",
	0x2901: "B200", 0x2b85: "GeForce RTX 5090", 0x2bb5: "RTX PRO 6000 Blackwell Server Edition", 0x2e12: "GB10",
}

// amdNames names common AMD GPUs by PCI device id, for cards whose amdgpu
// driver has no product_name.
var amdNames = map[uint16]string{
	0x15dd: "Radeon Vega (Raven Ridge)", 0x1636: "Radeon Vega (Renoir)", 0x1638: "Radeon Vega (Cezanne)",
	0x1681: "Radeon 680M", 0x15bf: "Radeon 780M (Phoenix)", 0x164e: "Radeon Graphics (Raphael)",
	0x150e: "Radeon 880M / 890M", 0x1586: "Radeon 8060S (Strix Halo)",
	0x73a5: "Radeon RX 6950 XT", 0x73bf: "Radeon RX 6800/6800 XT/6900 XT", 0x73df: "Radeon RX 6700 XT",
	0x73ff: "Radeon RX 6600/6600 XT", 0x7448: "Radeon Pro W7900", 0x744c: "Radeon RX 7900 XT/XTX",
	0x7480: "Radeon RX 7600", 0x7550: "Radeon RX 9070/9070 XT", 0x7590: "Radeon RX 9060 XT",
	0x738c: "Instinct MI100", 0x7408: "Instinct MI250X", 0x740c: "Instinct MI250X/MI250", 0x740f: "Instinct MI210",
	0x74a1: "Instinct MI300X", 0x74a5: "Instinct MI325X",
}

// intelNames names common Intel GPUs by PCI device id.
var intelNames = map[uint16]string{
	0x3184: "UHD Graphics 605", 0x3185: "UHD Graphics 600",
	0x3e91: "UHD Graphics 630", 0x3e92: "UHD Graphics 630", 0x3e9b: "UHD Graphics 630", 0x9bc5: "UHD Graphics 630",
	0x3ea0: "UHD Graphics 620", 0x5917: "UHD Graphics 620", 0x5916: "HD Graphics 620", 0x591b: "HD Graphics 630",
	0x4e55: "UHD Graphics (Jasper Lake)", 0x4e61: "UHD Graphics (Jasper Lake)",
	0x8a52: "Iris Plus Graphics G7", 0x9a40: "Iris Xe Graphics", 0x9a49: "Iris Xe Graphics",
	0x9a60: "UHD Graphics (Tiger Lake-H)", 0x9a68: "UHD Graphics (Tiger Lake-H)", 0x9a78: "UHD Graphics G4",
	0x4c8a: "UHD Graphics 750",
	0x4626: "UHD Graphics (Alder Lake-P)", 0x46a3: "UHD Graphics (Alder Lake-P)",
	0x46a6: "Iris Xe Graphics", 0x46a8: "Iris Xe Graphics",
	0x4680: "UHD Graphics 770", 0x4690: "UHD Graphics 770", 0x4692: "UHD Graphics 730",
	0x46d0: "UHD Graphics (Alder Lake-N)", 0x46d1: "UHD Graphics (Alder Lake-N)", 0x46d2: "UHD Graphics (Alder Lake-N)",
	0xa720: "UHD Graphics (Raptor Lake-P)", 0xa780: "UHD Graphics 770", 0xa788: "UHD Graphics (Raptor Lake-S)",
	0xa7a0: "Iris Xe Graphics", 0xa7a1: "Iris Xe Graphics",
	0x7d45: "Graphics (Meteor Lake)", 0x7d55: "Arc Graphics (Meteor Lake)", 0x7dd5: "Graphics (Meteor Lake)",
	0x7d67: "Graphics (Arrow Lake-S)", 0x64a0: "Arc Graphics 130V/140V",
	0x4905: "Iris Xe MAX Graphics (DG1)",
	0x5690: "Arc A770M", 0x56a0: "Arc A770", 0x56a1: "Arc A750", 0x56a5: "Arc A380", 0x56a6: "Arc A310",
	0x56c0: "Data Center GPU Flex 170", 0x56c1: "Data Center GPU Flex 140",
	0x0bd5: "Data Center GPU Max 1550",
	0xe20b: "Arc B580", 0xe20c: "Arc B570",
}

// tegraSoC describes the integrated GPU of an NVIDIA Tegra SoC.
type tegraSoC struct {
	module string // Jetson module family
	gpu    string // GPU (nvgpu) name
	arch   string
	cc     string // CUDA compute capability
}

// tegraSoCs maps a device-tree compatible "nvidia,tegraXXX" to its GPU.
var tegraSoCs = map[string]tegraSoC{
	"tegra124": {"Jetson TK1", "gk20a", "Kepler", "3.2"},
	"tegra210": {"Jetson Nano/TX1", "gm20b", "Maxwell", "5.3"},
	"tegra186": {"Jetson TX2", "gp10b", "Pascal", "6.2"},
	"tegra194": {"Jetson Xavier", "gv11b", "Volta", "7.2"},
	"tegra234": {"Jetson Orin", "ga10b", "Ampere", "8.7"},
	"tegra264": {"Jetson Thor", "gb10b", "Blackwell", ""},
}

// tegraModules refines the module name by the carrier/module compatible
// strings ("nvidia,p3701-0000" ...). Checked in order.
var tegraModules = []struct{ prefix, module string }{
	{"nvidia,p3701", "Jetson AGX Orin"},
	{"nvidia,p3767-0000", "Jetson Orin NX"},
	{"nvidia,p3767-0001", "Jetson Orin NX"},
	{"nvidia,p3767", "Jetson Orin Nano"},
	{"nvidia,p2888", "Jetson AGX Xavier"},
	{"nvidia,p3668", "Jetson Xavier NX"},
	{"nvidia,p3448", "Jetson Nano"},
	{"nvidia,p3541", "Jetson Nano 2GB"},
	{"nvidia,p2180", "Jetson TX1"},
	{"nvidia,p2371", "Jetson TX1"},
	{"nvidia,p3310", "Jetson TX2"},
	{"nvidia,p3489", "Jetson TX2i/TX2 4GB"},
	{"nvidia,p3636", "Jetson TX2 NX"},
	{"nvidia,p3834", "Jetson AGX Thor"},
}

// gpuPCIDevices returns one vendor's PCI devices of the display class (base
// class 0x03) or of the other base classes given (0x12, processing
// accelerators, for AMD Instinct). The error is PCIDevices' (a missing bus
// is no error).
func gpuPCIDevices(r *Root, vendor uint16, baseClasses ...uint32) ([]PCIDevice, error) {
	all, err := PCIDevices(r, vendor)
	if err != nil {
		return nil, fmt.Errorf("list PCI devices: %w", err)
	}
	var out []PCIDevice
	for _, d := range all {
		if d.Vendor == vendor && gpuClassOK(d.Class, baseClasses) {
			out = append(out, d)
		}
	}
	return out, nil
}

func gpuClassOK(class uint32, extra []uint32) bool {
	if class>>16 == 0x03 {
		return true
	}
	for _, c := range extra {
		if class>>16 == c {
			return true
		}
	}
	return false
}

// gpuDRM is the DRM nodes of one device.
type gpuDRM struct {
	card   string // card0
	render string // renderD128
}

var gpuDRMRe = regexp.MustCompile(`^(card|renderD)[0-9]+$`)

// gpuDRMNodes maps a device's name (PCI address or platform device name) to
// its DRM nodes, from /sys/class/drm. A missing class gives an empty map.
func gpuDRMNodes(r *Root) map[string]gpuDRM {
	out := map[string]gpuDRM{}
	names, err := r.ReadDir("/sys/class/drm")
	if err != nil {
		return out
	}
	for _, n := range names {
		if !gpuDRMRe.MatchString(n) {
			continue
		}
		dev := gpuDeviceName(r, path.Join("/sys/class/drm", n, "device"))
		if dev == "" {
			continue
		}
		d := out[dev]
		if strings.HasPrefix(n, "card") {
			if d.card == "" || gpuNodeNum(n) < gpuNodeNum(d.card) {
				d.card = n
			}
		} else if d.render == "" || gpuNodeNum(n) < gpuNodeNum(d.render) {
			d.render = n
		}
		out[dev] = d
	}
	return out
}

// gpuDeviceName returns the name of the device a sysfs "device" link points
// to: its PCI address or platform device name; "" when it cannot be read.
func gpuDeviceName(r *Root, link string) string {
	if t, err := r.Readlink(link); err == nil {
		return path.Base(t)
	}
	// Fixture trees whose parent directory is itself a link file: the uevent
	// still says which PCI device it is.
	if b, err := r.ReadFile(link + "/uevent"); err == nil {
		if a := ParseUevent(b)["PCI_SLOT_NAME"]; a != "" {
			return a
		}
	}
	return ""
}

func gpuNodeNum(name string) int {
	i := strings.IndexAny(name, "0123456789")
	if i < 0 {
		return 0
	}
	n, _ := strconv.Atoi(name[i:])
	return n
}

// gpuNodes adds the device nodes that exist to d.Nodes and reports whether
// all of want exist and may be opened.
func gpuNodes(r *Root, d *Device, want ...string) bool {
	ok := len(want) > 0
	for _, n := range want {
		exists, _ := r.Exists(n)
		if !exists {
			ok = false
			continue
		}
		d.Nodes = append(d.Nodes, n)
		if !r.Accessible(n) {
			ok = false
		}
	}
	return ok
}

// gpuNormPCIAddress turns nvidia-smi's "00000000:00:06.0" (or "00:06.0") into
// sysfs's "0000:00:06.0", lower case. Unrecognized input comes back lower-cased.
func gpuNormPCIAddress(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 2:
		return "0000:" + s
	case 3:
		dom := strings.TrimLeft(parts[0], "0")
		if len(dom) > 4 {
			return s
		}
		return strings.Repeat("0", 4-len(dom)) + dom + ":" + parts[1] + ":" + parts[2]
	}
	return s
}

// gpuDriverNote explains a GPU bound to no driver or to another driver than
// the one that makes it usable for compute.
func gpuDriverNote(d PCIDevice, want string) string {
	switch {
	case d.Driver == "":
		return fmt.Sprintf("no kernel driver bound (the %s driver is not loaded)", want)
	case strings.HasPrefix(d.Driver, "vfio"):
		return fmt.Sprintf("bound to %s (reserved for passthrough to a virtual machine), not %s", d.Driver, want)
	}
	return fmt.Sprintf("bound to %s, not %s", d.Driver, want)
}

// gpuModuleVersion reads /sys/module/NAME/version; "" when absent (built-in or
// in-tree modules often have none).
func gpuModuleVersion(r *Root, names ...string) (string, string) {
	for _, n := range names {
		p := "/sys/module/" + n + "/version"
		if v, err := r.ReadString(p); err == nil && v != "" {
			return v, p
		}
	}
	return "", ""
}

// gpuVendorDevices returns one vendor's GPUs (see gpuPCIDevices): those of PCI sysfs,
// and those only /sys/class/drm shows (a PCI bus this process cannot list),
// with the DRM nodes of all devices. The error is returned only when
// nothing was found.
func gpuVendorDevices(r *Root, vendor uint16, baseClasses ...uint32) ([]PCIDevice, map[string]gpuDRM, error) {
	devs, err := gpuPCIDevices(r, vendor, baseClasses...)
	drm := gpuDRMNodes(r)
	seen := map[string]bool{}
	for _, d := range devs {
		seen[d.Address] = true
	}
	var extra []string
	for name, nodes := range drm {
		if !seen[name] && nodes.card != "" {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		dir := path.Join("/sys/class/drm", drm[name].card, "device")
		v, verr := r.ReadInt(dir + "/vendor")
		if verr != nil || uint16(v) != vendor {
			continue
		}
		d := PCIDevice{Address: name, Vendor: vendor, SysPath: dir}
		if x, err := r.ReadInt(dir + "/device"); err == nil {
			d.Device = uint16(x)
		}
		if x, err := r.ReadInt(dir + "/class"); err == nil {
			d.Class = uint32(x)
		}
		if !gpuClassOK(d.Class, baseClasses) {
			continue
		}
		if ue, err := r.ReadFile(dir + "/uevent"); err == nil {
			d.Driver = ParseUevent(ue)["DRIVER"]
		}
		devs = append(devs, d)
	}
	if len(devs) > 0 {
		err = nil
	}
	return devs, drm, err
}

// gpuDRMDeviceNodes adds a device's /dev/dri nodes to d and reports whether
// its render node (what compute APIs open) may be opened.
func gpuDRMDeviceNodes(r *Root, d *Device, nodes gpuDRM) bool {
	if nodes.card != "" {
		gpuNodes(r, d, "/dev/dri/"+nodes.card)
	}
	if nodes.render == "" {
		note(&d.Unknown, "nodes", "no DRM render node in /sys/class/drm for "+d.Address)
		return false
	}
	n := "/dev/dri/" + nodes.render
	ok := gpuNodes(r, d, n)
	if exists, _ := r.Exists(n); !exists {
		note(&d.Unknown, "nodes", n+" not found")
	} else if !ok {
		note(&d.Unknown, "accessible", "this process may not open "+n+" (often: not in the render or video group)")
	}
	return ok
}

// gpuIDName names a device from a table: prefix + name, else
// fallback + " [0xDEVICE]".
func gpuIDName(table map[uint16]string, d PCIDevice, prefix, fallback string) (string, bool) {
	if n, ok := table[d.Device]; ok {
		return prefix + n, true
	}
	return fallback + " [0x" + d.DeviceID() + "]", false
}

// dtCompat returns the device tree's compatible strings (nil without one).
func dtCompat(r *Root) []string {
	c, _ := DeviceTreeCompatible(r)
	return c
}
