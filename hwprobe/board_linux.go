package hwprobe

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

func init() { register(boardCollector{}) }

// boardCollector identifies the machine: the device tree's model and
// compatible strings (/proc/device-tree, else
// /sys/firmware/devicetree/base) on ARM and RISC-V boards, DMI
// (/sys/class/dmi/id/{sys_vendor,product_name,board_vendor,board_name,
// bios_version}) on PCs and servers, and, when neither names a model,
// cpuinfo's "Model" line (Raspberry Pi kernels). It sets Board.Virtual
// when cpuinfo's flags have "hypervisor", DMI names a hypervisor, or the
// device tree is QEMU's virt machine. Nothing that identifies the board is
// ErrNotPresent (Virtual may still be set).
type boardCollector struct{}

func (boardCollector) Name() string { return "board" }

// dmiDir holds the DMI identity files.
const dmiDir = "/sys/class/dmi/id"

func (boardCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	b := &p.Board
	found := false
	var unreadable []error // files that exist but could not be read

	// Device tree.
	for _, dt := range []string{"/proc/device-tree", "/sys/firmware/devicetree/base"} {
		model, err := r.ReadString(dt + "/model")
		if err != nil && !IsNotExist(err) {
			unreadable = append(unreadable, err)
		}
		compat, errC := r.ReadFile(dt + "/compatible")
		if errC != nil && !IsNotExist(errC) {
			unreadable = append(unreadable, errC)
		}
		if err != nil && errC != nil {
			continue
		}
		if err == nil && model != "" {
			b.Model = tidyText(model)
			found = true
		}
		if errC == nil {
			b.Compatible = SplitNUL(compat)
			found = found || len(b.Compatible) > 0
		}
		break
	}

	// DMI.
	fields := []struct {
		file string
		dst  *string
	}{
		{"sys_vendor", &b.Vendor},
		{"product_name", &b.Product},
		{"board_name", &b.BoardName},
		{"bios_version", &b.BIOS},
	}
	for _, f := range fields {
		s, err := r.ReadString(dmiDir + "/" + f.file)
		if err != nil {
			if !IsNotExist(err) {
				unreadable = append(unreadable, err)
				env.Log.Debug("hwprobe: DMI field unreadable", "file", f.file, "err", err)
			}
			continue
		}
		if s = tidyText(s); s != "" && !placeholderDMI(s) {
			*f.dst = s
			found = true
		}
	}
	if b.Vendor == "" {
		if s, err := r.ReadString(dmiDir + "/board_vendor"); err == nil && !placeholderDMI(tidyText(s)) {
			b.Vendor = tidyText(s)
			found = found || b.Vendor != ""
		} else if err != nil && !IsNotExist(err) {
			unreadable = append(unreadable, err)
		}
	}
	if b.Model == "" {
		b.Model = b.Product
	}

	// Raspberry Pi kernels name the board in cpuinfo ("Model : Raspberry Pi 4 ...").
	flags := p.CPU.Flags
	if b.Model == "" || len(flags) == 0 {
		if raw, err := r.ReadFile("/proc/cpuinfo"); err == nil {
			info := parseCPUInfo(raw)
			if m := tidyText(info.Global["Model"]); b.Model == "" && m != "" {
				b.Model, found = m, true
			}
			if len(flags) == 0 {
				flags = strings.Fields(info.first("flags"))
			}
		}
	}

	b.Virtual = slices.Contains(flags, "hypervisor") || hypervisorDMI(b.Vendor, b.Product) ||
		slices.Contains(b.Compatible, "linux,dummy-virt")
	for _, err := range unreadable {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			note(&b.Unknown, path.Base(pe.Path), describe(err))
		}
	}
	if !found {
		if len(unreadable) > 0 {
			reasons := make([]string, len(unreadable))
			for i, err := range unreadable {
				reasons[i] = describe(err)
			}
			return fmt.Errorf("board identity unreadable: %s", strings.Join(reasons, "; "))
		}
		return ErrNotPresent
	}
	return nil
}

// tidyText trims white space and NULs and drops control characters.
func tidyText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// placeholderDMI reports the filler values firmware leaves in DMI fields.
func placeholderDMI(s string) bool {
	switch strings.ToLower(s) {
	case "", "to be filled by o.e.m.", "default string", "system product name",
		"system manufacturer", "not applicable", "not specified", "none", "o.e.m.", "oem":
		return true
	}
	return false
}

// hypervisorDMI reports whether DMI names a virtual machine.
func hypervisorDMI(vendor, product string) bool {
	v, pr := strings.ToLower(vendor), strings.ToLower(product)
	for _, h := range []string{"qemu", "vmware", "xen", "innotek", "parallels", "bochs", "bhyve", "openstack", "amazon ec2"} {
		if strings.Contains(v, h) {
			return !strings.HasSuffix(pr, ".metal") // EC2 bare-metal instances
		}
	}
	for _, h := range []string{"kvm", "qemu", "virtualbox", "vmware", "virtual machine", "google compute engine", "hvm domu", "openstack nova", "cloud hypervisor"} {
		if strings.Contains(pr, h) {
			return true
		}
	}
	return false
}
