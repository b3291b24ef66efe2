package hwprobe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func init() { register(nvidiaCollector{}) }

// nvidiaCollector finds NVIDIA GPUs on PCI: from PCI sysfs (vendor 0x10de,
// VGA or 3D class, whatever driver they are bound to), the NVIDIA driver's
// /proc/driver/nvidia/version and gpus/<pci>/information, the device nodes
// /dev/nvidiaN and /dev/nvidiactl, and, when Options.NvidiaSMI asks for it,
// `nvidia-smi -q -x` (memory, names, compute capability).
//
// Jetson's integrated GPU is not on PCI; gpu.jetson reports it.
type nvidiaCollector struct{}

func (nvidiaCollector) Name() string { return "gpu.nvidia" }

const (
	nvidiaProc        = "/proc/driver/nvidia"
	nvidiaSMICommand  = "nvidia-smi -q -x"
	nvidiaMemoryNoSMI = "not reported by /proc/driver/nvidia; enable the nvidia-smi source (--nvidia-smi)"
)

func (nvidiaCollector) Collect(ctx context.Context, env *Env, p *Profile) error {
	r := env.Root
	var found []*Device
	byAddr := map[string]*Device{}
	add := func(d *Device) {
		found = append(found, d)
		byAddr[d.Address] = d
	}

	// The driver: its version, when it is loaded.
	version, versionErr := "", error(nil)
	if b, err := r.ReadFile(nvidiaProc + "/version"); err == nil {
		version = ParseNvidiaVersion(b)
		if version == "" {
			versionErr = fmt.Errorf("%s/version: no version found in %q", nvidiaProc, gpuFirstLine(b))
		}
	} else if !IsNotExist(err) {
		versionErr = err
	}
	driverLoaded := version != "" || versionErr != nil

	// PCI: every NVIDIA display controller, whatever it is bound to.
	pci, pciErr := gpuPCIDevices(r, pciVendorNVIDIA)
	for _, d := range pci {
		if c := d.Class >> 8; c != ClassDisplayVGA && c != ClassDisplay3D {
			continue
		}
		dev := &Device{
			Kind: "nvidia", Vendor: "NVIDIA", Bus: "pci", Address: d.Address,
			VendorID: d.VendorID(), DeviceID: d.DeviceID(), Driver: d.Driver,
			ComputeCapability: nvidiaComputeCapability(d.Device),
			Sources:           []string{d.SysPath},
		}
		if d.Driver != "nvidia" {
			note(&dev.Unknown, "driver", gpuDriverNote(d, "nvidia")+": CUDA cannot use this GPU")
		}
		add(dev)
	}

	// The driver's view: one directory per GPU it drives.
	gpuDirs, err := r.ReadDir(nvidiaProc + "/gpus")
	if err != nil && !IsNotExist(err) {
		for _, d := range found {
			note(&d.Unknown, "name", describe(err))
		}
	}
	tegra := -1 // unknown yet
	for _, addr := range gpuDirs {
		dev := byAddr[addr]
		if dev == nil {
			if tegra < 0 {
				tegra = 0
				if gpuIsTegra(dtCompat(r)) {
					tegra = 1
				}
			}
			if tegra == 1 {
				continue // the SoC's display engine: gpu.jetson reports the GPU
			}
			dev = &Device{Kind: "nvidia", Vendor: "NVIDIA", Bus: "pci", Address: addr, Driver: "nvidia"}
			note(&dev.Unknown, "device_id", "not in PCI sysfs")
			add(dev)
		}
		info := path.Join(nvidiaProc, "gpus", addr, "information")
		b, err := r.ReadFile(info)
		if err != nil {
			reason := "cannot read " + info + ": " + describe(err)
			note(&dev.Unknown, "name", reason)
			note(&dev.Unknown, "firmware", reason)
			continue
		}
		dev.Sources = append(dev.Sources, info)
		m := ParseNvidiaInformation(b)
		dev.Name = m["Model"]
		dev.Firmware = m["Video BIOS"]
		dev.UUID = m["GPU UUID"]
		if minor, err := strconv.Atoi(m["Device Minor"]); err == nil && minor >= 0 && minor < 255 {
			nvidiaNodes(r, dev, minor)
		} else {
			note(&dev.Unknown, "nodes", "no Device Minor in "+info)
		}
	}

	if len(found) == 0 && !driverLoaded {
		if pciErr != nil {
			return pciErr
		}
		return ErrNotPresent
	}

	for _, d := range found {
		if d.Driver != "nvidia" {
			continue
		}
		if version != "" {
			d.DriverVersion = version
			d.Sources = append(d.Sources, nvidiaProc+"/version")
		} else if versionErr != nil {
			note(&d.Unknown, "driver_version", describe(versionErr))
		} else {
			note(&d.Unknown, "driver_version", nvidiaProc+"/version not found")
		}
		if d.Name == "" && d.Unknown["name"] == "" {
			note(&d.Unknown, "name", "not listed in "+nvidiaProc+"/gpus")
		}
		if len(d.Nodes) == 0 && d.Unknown["nodes"] == "" {
			note(&d.Unknown, "nodes", "device minor unknown (no "+nvidiaProc+"/gpus entry)")
		}
	}

	// The optional nvidia-smi source: memory, and what the files lacked.
	if env.Options.NvidiaSMI {
		found = nvidiaFromSMI(ctx, env, found, byAddr)
	}

	for _, d := range found {
		if d.Name == "" && d.DeviceID != "" {
			id, _ := strconv.ParseUint(d.DeviceID, 16, 16)
			if n, ok := nvidiaNames[uint16(id)]; ok {
				d.Name = "NVIDIA " + n
			} else {
				d.Name = "NVIDIA GPU [0x" + d.DeviceID + "]"
			}
			if why := d.Unknown["name"]; why != "" {
				note(&d.Unknown, "name", "named by PCI device id; the driver's model name is unknown: "+why)
			}
		}
		if d.MemoryBytes == 0 && d.Unknown["memory"] == "" {
			if d.Driver == "nvidia" {
				note(&d.Unknown, "memory", nvidiaMemoryNoSMI)
			} else {
				note(&d.Unknown, "memory", "unknown without the NVIDIA driver")
			}
		}
		if d.ComputeCapability == "" && d.Unknown["compute_capability"] == "" {
			note(&d.Unknown, "compute_capability", "device id not in the table; the nvidia-smi source may know the architecture")
		}
	}

	if len(found) == 0 {
		if tegra == 1 || gpuIsTegra(dtCompat(r)) {
			return ErrNotPresent // a Jetson's display driver; gpu.jetson reports the GPU
		}
		if pciErr != nil {
			return pciErr
		}
		return fmt.Errorf("the NVIDIA driver %s is loaded but no NVIDIA GPU was found on PCI or in %s/gpus", version, nvidiaProc)
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Address < found[j].Address })
	for _, d := range found {
		p.GPUs = append(p.GPUs, *d)
	}
	return nil
}

// nvidiaNodes records /dev/nvidiaN, /dev/nvidiactl and /dev/nvidia-uvm:
// a GPU is accessible when its node and nvidiactl may be opened.
func nvidiaNodes(r *Root, d *Device, minor int) {
	node := fmt.Sprintf("/dev/nvidia%d", minor)
	d.Accessible = gpuNodes(r, d, node, "/dev/nvidiactl")
	gpuNodes(r, d, "/dev/nvidia-uvm")
	switch {
	case len(d.Nodes) == 0:
		note(&d.Unknown, "nodes", node+" and /dev/nvidiactl not found")
	case !d.Accessible:
		note(&d.Unknown, "accessible", "this process may not open "+node+" or /dev/nvidiactl (or one is missing)")
	}
}

// nvidiaFromSMI runs `nvidia-smi -q -x` and merges what it says into the
// GPUs found, by PCI address. A GPU it lists that the files did not show
// is added. Its failure is noted on every GPU, never returned.
func nvidiaFromSMI(ctx context.Context, env *Env, found []*Device, byAddr map[string]*Device) []*Device {
	run := env.Options.Run
	if run == nil {
		timeout := env.Options.CommandTimeout
		if timeout <= 0 {
			timeout = 5 * time.Second
		}
		run = ExecRunner{Timeout: timeout}
	}
	fail := func(reason string) []*Device {
		for _, d := range found {
			note(&d.Unknown, "memory", reason)
		}
		return found
	}
	out, err := run.Run(ctx, "nvidia-smi", "-q", "-x")
	if err != nil {
		return fail(fmt.Sprintf("%s failed: %v", nvidiaSMICommand, err))
	}
	log, err := ParseNvidiaSMI(out)
	if err != nil {
		return fail(fmt.Sprintf("%s: %v", nvidiaSMICommand, err))
	}
	for _, g := range log.GPUs {
		addr := g.Address()
		d := byAddr[addr]
		if d == nil {
			d = &Device{Kind: "nvidia", Vendor: "NVIDIA", Bus: "pci", Address: addr, Driver: "nvidia"}
			note(&d.Unknown, "device_id", "reported by nvidia-smi only, not in PCI sysfs")
			found = append(found, d)
			byAddr[addr] = d
		}
		d.Sources = append(d.Sources, nvidiaSMICommand)
		if d.Name == "" {
			d.Name = g.ProductName
			delete(d.Unknown, "name")
		}
		if d.DriverVersion == "" && log.DriverVersion != "" && d.Driver == "nvidia" {
			d.DriverVersion = log.DriverVersion
			delete(d.Unknown, "driver_version")
		}
		if d.UUID == "" {
			d.UUID = g.UUID
		}
		if log.CUDAVersion != "" && d.Driver == "nvidia" {
			d.Runtime = "CUDA " + log.CUDAVersion
		}
		if d.Firmware == "" && g.VBIOS != "" {
			d.Firmware = strings.ToLower(g.VBIOS)
			delete(d.Unknown, "firmware")
		}
		if n, err := strconv.Atoi(g.MinorNumber); err == nil && len(d.Nodes) == 0 && n >= 0 && n < 255 {
			delete(d.Unknown, "nodes")
			nvidiaNodes(env.Root, d, n)
		}
		if mem := g.MemoryBytes(); mem > 0 {
			d.MemoryBytes = mem
			delete(d.Unknown, "memory")
		} else {
			note(&d.Unknown, "memory", fmt.Sprintf("%s: fb_memory_usage/total is %q", nvidiaSMICommand, g.FBTotal))
		}
		switch cc := g.ComputeCapability(); {
		case strings.TrimSpace(g.ComputeCap) != "" && cc != "":
			d.ComputeCapability = cc // nvidia-smi's own figure wins over the table
		case d.ComputeCapability == "" && cc != "":
			d.ComputeCapability = cc
		}
	}
	for _, d := range found {
		if d.MemoryBytes == 0 && d.Unknown["memory"] == "" {
			note(&d.Unknown, "memory", fmt.Sprintf("%s did not list %s", nvidiaSMICommand, d.Address))
		}
	}
	return found
}

func gpuIsTegra(compatible []string) bool {
	for _, c := range compatible {
		if strings.HasPrefix(c, "nvidia,tegra") {
			return true
		}
	}
	return false
}

var gpuVersionRe = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+)*$`)

// ParseNvidiaVersion returns the driver version of /proc/driver/nvidia/version,
// e.g. "580.159.04" from "NVRM version: NVIDIA UNIX Open Kernel Module for
// x86_64  580.159.04  Release Build ...", or "" when it holds none.
func ParseNvidiaVersion(b []byte) string {
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "NVRM version:")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(rest) {
			if gpuVersionRe.MatchString(f) {
				return f
			}
		}
	}
	return ""
}

// ParseNvidiaInformation parses /proc/driver/nvidia/gpus/<pci>/information:
// "Key: value" lines ("Model", "Bus Location", "GPU UUID", "Video BIOS",
// "Device Minor", "GPU Firmware" ...). The first occurrence of a key wins.
func ParseNvidiaInformation(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxFileSize)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			continue
		}
		if _, dup := m[k]; !dup {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// NvidiaSMILog is the part of `nvidia-smi -q -x` the probe uses.
type NvidiaSMILog struct {
	XMLName       xml.Name       `xml:"nvidia_smi_log"`
	DriverVersion string         `xml:"driver_version"`
	CUDAVersion   string         `xml:"cuda_version"`
	GPUs          []NvidiaSMIGPU `xml:"gpu"`
}

// NvidiaSMIGPU is one <gpu> of `nvidia-smi -q -x`.
type NvidiaSMIGPU struct {
	ID           string `xml:"id,attr"` // 00000000:00:06.0
	ProductName  string `xml:"product_name"`
	Architecture string `xml:"product_architecture"` // Hopper
	UUID         string `xml:"uuid"`
	MinorNumber  string `xml:"minor_number"`
	VBIOS        string `xml:"vbios_version"`
	PCIBusID     string `xml:"pci>pci_bus_id"`
	// ComputeCap is not in today's nvidia-smi XML (only in --query-gpu);
	// it is read should a version add it.
	ComputeCap string `xml:"compute_cap"`
	FBTotal    string `xml:"fb_memory_usage>total"` // "81559 MiB"
}

// ParseNvidiaSMI parses the XML of `nvidia-smi -q -x`.
func ParseNvidiaSMI(b []byte) (*NvidiaSMILog, error) {
	var l NvidiaSMILog
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	if err := d.Decode(&l); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("no nvidia_smi_log element in the output (%q)", gpuFirstLine(b))
		}
		return nil, fmt.Errorf("parse nvidia-smi XML: %w", err)
	}
	for i := range l.GPUs {
		g := &l.GPUs[i]
		for _, s := range []*string{&g.ID, &g.ProductName, &g.Architecture, &g.UUID, &g.MinorNumber, &g.VBIOS, &g.PCIBusID, &g.ComputeCap, &g.FBTotal} {
			*s = strings.TrimSpace(*s)
		}
	}
	l.DriverVersion, l.CUDAVersion = strings.TrimSpace(l.DriverVersion), strings.TrimSpace(l.CUDAVersion)
	return &l, nil
}

// Address returns the GPU's PCI address in sysfs form (0000:00:06.0).
func (g NvidiaSMIGPU) Address() string {
	if g.PCIBusID != "" {
		return gpuNormPCIAddress(g.PCIBusID)
	}
	return gpuNormPCIAddress(g.ID)
}

// MemoryBytes returns fb_memory_usage/total in bytes; 0 when absent or N/A.
func (g NvidiaSMIGPU) MemoryBytes() int64 {
	n, _ := gpuParseSize(g.FBTotal)
	return n
}

// ComputeCapability returns compute_cap when nvidia-smi gives it, else the
// capability of its architecture when that has only one.
func (g NvidiaSMIGPU) ComputeCapability() string {
	if cc := strings.TrimSpace(g.ComputeCap); gpuVersionRe.MatchString(cc) {
		return cc
	}
	return nvidiaArchCC[strings.ToLower(strings.TrimSpace(g.Architecture))]
}

// gpuParseSize parses "81559 MiB", "16 GiB", "512 KiB", "1024 B" or a bare
// number of bytes.
func gpuParseSize(s string) (int64, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return 0, fmt.Errorf("size %q: %w", s, errors.ErrUnsupported)
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: not a number", s)
	}
	mult := int64(1)
	if len(f) == 2 {
		switch strings.ToLower(f[1]) {
		case "b":
		case "kib", "kb":
			mult = 1 << 10
		case "mib", "mb":
			mult = 1 << 20
		case "gib", "gb":
			mult = 1 << 30
		case "tib", "tb":
			mult = 1 << 40
		default:
			return 0, fmt.Errorf("size %q: unknown unit", s)
		}
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return n * mult, nil
}

// gpuFirstLine returns the first line of b, at most 80 bytes, for messages.
func gpuFirstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}
