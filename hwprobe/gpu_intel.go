package hwprobe

import (
	"context"
	"path"
)

func init() { register(intelCollector{}) }

// intelCollector finds Intel GPUs (PCI vendor 0x8086, display class) driven
// by i915 or xe: the name from a device-id table, local memory of discrete
// cards (xe: device/tile*/physical_vram_size_bytes; i915:
// lmem_total_bytes where the driver has it), the nodes /dev/dri/cardN and
// renderDN. Integrated GPUs share system memory: their memory is noted,
// never invented.
type intelCollector struct{}

func (intelCollector) Name() string { return "gpu.intel" }

// intelIntegratedAddress is where every Intel integrated GPU sits.
const intelIntegratedAddress = "0000:00:02.0"

func (intelCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	devs, drm, err := gpuVendorDevices(r, pciVendorIntel)
	if err != nil {
		return err
	}
	if len(devs) == 0 {
		return ErrNotPresent
	}
	for _, pd := range devs {
		d := Device{
			Kind: "intel", Vendor: "Intel", Bus: "pci", Address: pd.Address,
			VendorID: pd.VendorID(), DeviceID: pd.DeviceID(), Driver: pd.Driver,
			Sources: []string{pd.SysPath},
		}
		known := pd.Driver == "i915" || pd.Driver == "xe"
		if !known {
			note(&d.Unknown, "driver", gpuDriverNote(pd, "i915 or xe"))
		}
		var named bool
		d.Name, named = gpuIDName(intelNames, pd, "Intel ", "Intel Graphics")
		if !named {
			note(&d.Unknown, "name", "device id not in the table")
		}

		nodes := drm[pd.Address]
		integrated := pd.Address == intelIntegratedAddress
		switch mem, src := intelLocalMemory(r, pd, nodes); {
		case mem > 0:
			d.MemoryBytes = mem
			d.Sources = append(d.Sources, src)
		case integrated:
			note(&d.Unknown, "memory", "integrated GPU: shares system memory (no dedicated memory)")
		case !known:
			note(&d.Unknown, "memory", "unknown without the i915 or xe driver")
		default:
			note(&d.Unknown, "memory", "local memory size not exposed by "+pd.Driver+" in sysfs")
		}

		if known {
			if v, src := gpuModuleVersion(r, pd.Driver); v != "" {
				d.DriverVersion = v
				d.Sources = append(d.Sources, src)
			} else {
				note(&d.Unknown, "driver_version", pd.Driver+" is the kernel's own (no /sys/module/"+pd.Driver+"/version)")
			}
			d.Accessible = gpuDRMDeviceNodes(r, &d, nodes)
		}
		p.GPUs = append(p.GPUs, d)
	}
	return nil
}

// intelLocalMemory returns the device-local memory of a discrete Intel GPU
// and the file it came from; 0 when the driver does not say.
func intelLocalMemory(r *Root, pd PCIDevice, nodes gpuDRM) (int64, string) {
	// xe: one physical_vram_size_bytes per tile.
	tiles, _ := r.Glob(path.Join(pd.SysPath, "tile*"))
	var total int64
	var src string
	for _, t := range tiles {
		p := path.Join(t, "physical_vram_size_bytes")
		if v, err := r.ReadInt(p); err == nil && v > 0 && total <= 1<<62-v {
			total += v
			if src == "" {
				src = p
			}
		}
	}
	if total > 0 {
		return total, src
	}
	// i915 (backport and DKMS builds): lmem_total_bytes on the card or the device.
	cands := []string{path.Join(pd.SysPath, "lmem_total_bytes")}
	if nodes.card != "" {
		cands = append([]string{path.Join("/sys/class/drm", nodes.card, "lmem_total_bytes")}, cands...)
	}
	for _, p := range cands {
		if v, err := r.ReadInt(p); err == nil && v > 0 {
			return v, p
		}
	}
	return 0, ""
}
