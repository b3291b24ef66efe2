package hwprobe

import (
	"context"
	"path"
)

func init() { register(amdCollector{}) }

// amdCollector finds AMD GPUs (PCI vendor 0x1002, display or processing
// accelerator class): the amdgpu
// driver's sysfs files in the PCI device directory (the same directory as
// /sys/class/drm/cardN/device): product_name, mem_info_vram_total,
// vbios_version; the driver version from /sys/module/amdgpu/version (DKMS
// builds only); the nodes /dev/dri/cardN, /dev/dri/renderDN and /dev/kfd.
// A GPU bound to another driver (radeon, vfio-pci) or to none is reported
// with a note.
type amdCollector struct{}

func (amdCollector) Name() string { return "gpu.amd" }

func (amdCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	devs, drm, err := gpuVendorDevices(r, pciVendorAMD, 0x12) // Instinct MI300 is a processing accelerator
	if err != nil {
		return err
	}
	if len(devs) == 0 {
		return ErrNotPresent
	}
	version, versionPath := gpuModuleVersion(r, "amdgpu")
	for _, pd := range devs {
		d := Device{
			Kind: "amd", Vendor: "AMD", Bus: "pci", Address: pd.Address,
			VendorID: pd.VendorID(), DeviceID: pd.DeviceID(), Driver: pd.Driver,
			Sources: []string{pd.SysPath},
		}
		amdgpu := pd.Driver == "amdgpu"
		if !amdgpu {
			note(&d.Unknown, "driver", gpuDriverNote(pd, "amdgpu")+": ROCm and Vulkan compute cannot use this GPU")
		}

		if name, err := r.ReadString(path.Join(pd.SysPath, "product_name")); err == nil && name != "" {
			d.Name = name
		} else {
			var known bool
			d.Name, known = gpuIDName(amdNames, pd, "AMD ", "AMD GPU")
			if !known {
				note(&d.Unknown, "name", "no product_name in sysfs and device id not in the table")
			}
		}

		switch vram, err := r.ReadInt(path.Join(pd.SysPath, "mem_info_vram_total")); {
		case err == nil && vram > 0:
			d.MemoryBytes = vram
		case !amdgpu:
			note(&d.Unknown, "memory", "unknown without the amdgpu driver")
		case err != nil:
			note(&d.Unknown, "memory", describe(err))
		default:
			note(&d.Unknown, "memory", "mem_info_vram_total is 0")
		}
		if v, err := r.ReadString(path.Join(pd.SysPath, "vbios_version")); err == nil && v != "" {
			d.Firmware = v
		}

		if amdgpu {
			if version != "" {
				d.DriverVersion = version
				d.Sources = append(d.Sources, versionPath)
			} else {
				note(&d.Unknown, "driver_version", "amdgpu is the kernel's own (no /sys/module/amdgpu/version)")
			}
			render := gpuDRMDeviceNodes(r, &d, drm[pd.Address])
			kfd := true
			if exists, _ := r.Exists("/dev/kfd"); exists {
				kfd = gpuNodes(r, &d, "/dev/kfd")
				if !kfd {
					note(&d.Unknown, "accessible", "this process may not open /dev/kfd (ROCm)")
				}
			}
			d.Accessible = render && kfd
		}
		p.GPUs = append(p.GPUs, d)
	}
	return nil
}
