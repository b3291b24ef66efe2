package hwprobe

// Helpers shared by the NPU collectors (npu_*.go). Every name here starts
// with "npu" so that it cannot clash with the helpers of other collectors of
// the package.

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unicode"
)

// npuMaxString bounds the strings the NPU collectors copy from sysfs into
// the profile (names, versions): a broken or hostile tree cannot make them
// publish kilobytes.
const npuMaxString = 128

// npuUevent is what the NPU collectors use of a sysfs uevent file.
type npuUevent struct {
	Driver     string   // DRIVER=
	PCISlot    string   // PCI_SLOT_NAME=0000:01:00.0
	Vendor     uint16   // from PCI_ID=1AC1:089A
	Device     uint16   //
	HasPCIID   bool     // PCI_ID was present and valid
	OFName     string   // OF_NAME=npu
	Compatible []string // OF_COMPATIBLE_0.. in order
	DevName    string   // DEVNAME=bus/usb/001/004 (USB, char devices)
}

// npuParseUevent parses a uevent file (KEY=VALUE lines) into the fields the
// NPU collectors need. Arbitrary bytes give a zero or partial result, never
// a panic.
func npuParseUevent(b []byte) npuUevent {
	m := ParseUevent(b)
	u := npuUevent{
		Driver:  npuClean(m["DRIVER"]),
		PCISlot: npuClean(m["PCI_SLOT_NAME"]),
		OFName:  npuClean(m["OF_NAME"]),
		DevName: npuClean(m["DEVNAME"]),
	}
	if v, d, ok := npuParsePCIID(m["PCI_ID"]); ok {
		u.Vendor, u.Device, u.HasPCIID = v, d, true
	}
	n, _ := strconv.Atoi(m["OF_COMPATIBLE_N"])
	if n < 0 || n > 64 {
		n = 64
	}
	for i := 0; i < n; i++ {
		if c := npuClean(m["OF_COMPATIBLE_"+strconv.Itoa(i)]); c != "" {
			u.Compatible = append(u.Compatible, c)
		}
	}
	return u
}

// npuParsePCIID parses a uevent PCI_ID value such as "1AC1:089A".
func npuParsePCIID(s string) (vendor, device uint16, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found {
		return 0, 0, false
	}
	v, ok1 := npuParseHexID(a)
	d, ok2 := npuParseHexID(b)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return v, d, true
}

// npuParseHexID parses a 16-bit id as sysfs writes it: "0x1ac1" (PCI
// vendor/device files) or "1a6e" (USB idVendor/idProduct), surrounded by
// white space or NUL bytes.
func npuParseHexID(s string) (uint16, bool) {
	s = strings.Trim(s, " \t\r\n\x00")
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	if s == "" || len(s) > 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 16)
	if err != nil {
		return 0, false
	}
	return uint16(v), true
}

// npuClean makes a string read from sysfs fit for the profile: its first
// line, trimmed, without control or invalid characters, at most
// npuMaxString bytes.
func npuClean(s string) string {
	s = strings.Trim(s, " \t\r\n\x00")
	if i := strings.IndexAny(s, "\r\n\x00"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	var b strings.Builder
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			continue
		}
		if b.Len()+len(string(r)) > npuMaxString {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// npuSysDev is what the NPU collectors learn of one sysfs device directory,
// such as /sys/class/apex/apex_0/device.
type npuSysDev struct {
	Dir        string // the directory inside the root
	Address    string // PCI address (0000:01:00.0) or platform name (fdab0000.npu)
	Bus        string // pci, platform, usb ... (from the subsystem link)
	Driver     string // bound kernel driver
	Vendor     uint16 // PCI ids, when HasIDs
	Device     uint16
	HasIDs     bool
	Compatible []string // OF_COMPATIBLE_N of platform devices
	Sources    []string
	Unknown    map[string]string
}

// npuReadSysDev reads the identity of a device directory: where its link
// points (the address), its subsystem, driver, PCI ids and device-tree
// compatible strings. Unreadable parts are explained in Unknown.
func npuReadSysDev(r *Root, dir string) npuSysDev {
	d := npuSysDev{Dir: dir}
	if t, err := r.Readlink(dir); err == nil {
		d.Address = npuClean(path.Base(t))
	}
	if t, err := r.Readlink(dir + "/subsystem"); err == nil {
		d.Bus = npuClean(path.Base(t))
	}
	if b, err := r.ReadFile(dir + "/uevent"); err == nil {
		u := npuParseUevent(b)
		d.Driver, d.Compatible = u.Driver, u.Compatible
		if u.PCISlot != "" {
			d.Address = u.PCISlot
			if d.Bus == "" {
				d.Bus = "pci"
			}
		}
		if u.HasPCIID {
			d.Vendor, d.Device, d.HasIDs = u.Vendor, u.Device, true
		}
		d.Sources = append(d.Sources, dir+"/uevent")
	} else if !IsNotExist(err) {
		note(&d.Unknown, "driver", describe(err))
	}
	if d.Driver == "" {
		if t, err := r.Readlink(dir + "/driver"); err == nil {
			d.Driver = npuClean(path.Base(t))
		}
	}
	if !d.HasIDs {
		vs, err1 := r.ReadString(dir + "/vendor")
		ds, err2 := r.ReadString(dir + "/device")
		v, ok1 := npuParseHexID(vs)
		dv, ok2 := npuParseHexID(ds)
		switch {
		case err1 == nil && err2 == nil && ok1 && ok2:
			d.Vendor, d.Device, d.HasIDs = v, dv, true
			d.Sources = append(d.Sources, dir+"/vendor", dir+"/device")
		case err1 != nil && !IsNotExist(err1):
			note(&d.Unknown, "vendor_id", describe(err1))
		case err2 != nil && !IsNotExist(err2):
			note(&d.Unknown, "device_id", describe(err2))
		}
	}
	if d.Bus == "" && d.HasIDs && npuIsPCIAddress(d.Address) {
		d.Bus = "pci"
	}
	return d
}

// npuIsPCIAddress reports whether s looks like a PCI address, 0000:01:00.0.
func npuIsPCIAddress(s string) bool {
	if len(s) != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.' {
		return false
	}
	for i, c := range s {
		if i == 4 || i == 7 || i == 10 {
			continue
		}
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// npuFill copies what a sysfs device directory said into a Device.
func npuFill(dev *Device, sd npuSysDev) {
	if dev.Address == "" {
		dev.Address = sd.Address
	}
	if dev.Bus == "" {
		dev.Bus = sd.Bus
	}
	if dev.Driver == "" {
		dev.Driver = sd.Driver
	}
	if sd.HasIDs {
		dev.VendorID, dev.DeviceID = hex16(sd.Vendor), hex16(sd.Device)
	}
	for k, v := range sd.Unknown {
		note(&dev.Unknown, k, v)
	}
	npuSource(dev, sd.Sources...)
}

// npuSource adds sources to a device, once each.
func npuSource(dev *Device, srcs ...string) {
	for _, s := range srcs {
		if s != "" && !slices.Contains(dev.Sources, s) {
			dev.Sources = append(dev.Sources, s)
		}
	}
}

// npuReadOpt reads an optional attribute: ok is false when it is absent
// (nothing to note) or unreadable (the reason is noted under field).
func npuReadOpt(r *Root, dev *Device, field, p string) (string, bool) {
	b, err := r.ReadFile(p)
	if err != nil {
		if !IsNotExist(err) {
			note(&dev.Unknown, field, describe(err))
		}
		return "", false
	}
	s := npuClean(string(b))
	if s == "" {
		return "", false
	}
	npuSource(dev, p)
	return s, true
}

// npuModuleVersion sets dev.DriverVersion from /sys/module/<mod>/version of
// the first module that has one. It returns false when none had one (the
// caller decides whether that deserves a note); an unreadable version file
// is noted.
func npuModuleVersion(r *Root, dev *Device, modules ...string) bool {
	for _, m := range modules {
		if v, ok := npuReadOpt(r, dev, "driver_version", "/sys/module/"+m+"/version"); ok {
			dev.DriverVersion = v
			delete(dev.Unknown, "driver_version")
			return true
		}
	}
	return false
}

// npuPlatformBound lists the devices bound to a platform driver
// (/sys/bus/platform/drivers/<driver>/<device> links), for each spelling of
// the driver's name. It returns the device names and the driver directory
// that exists, if any.
func npuPlatformBound(r *Root, drivers ...string) (devices []string, driverDir string, err error) {
	for _, drv := range drivers {
		dir := "/sys/bus/platform/drivers/" + drv
		names, e := r.ReadDir(dir)
		if e != nil {
			if !IsNotExist(e) && err == nil {
				err = e
			}
			continue
		}
		driverDir = dir
		for _, n := range names {
			switch n {
			case "bind", "unbind", "uevent", "new_id", "remove_id", "module", "driver_override":
				continue
			}
			devices = append(devices, n)
		}
		return devices, driverDir, nil
	}
	return nil, "", err
}

// npuNodeIndex returns the number at the end of a node or class name
// (apex_12 -> 12), or -1.
func npuNodeIndex(name string) int {
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	if i == len(name) || len(name)-i > 6 {
		return -1
	}
	n, _ := strconv.Atoi(name[i:])
	return n
}

// npuSortNames sorts node or class names by their prefix and then their
// number, so that apex_2 comes before apex_10.
func npuSortNames(names []string) {
	sort.SliceStable(names, func(i, j int) bool {
		a, b := path.Base(names[i]), path.Base(names[j])
		ia, ib := npuNodeIndex(a), npuNodeIndex(b)
		pa := strings.TrimRight(a, "0123456789")
		pb := strings.TrimRight(b, "0123456789")
		if pa != pb || ia < 0 || ib < 0 {
			return names[i] < names[j]
		}
		return ia < ib
	})
}

// npuNodeError explains why a device node is unusable (Root.CheckNode).
func npuNodeError(r *Root, node string) error { return r.CheckNode(node) }

// npuNodeAccess sets dev.Accessible from its nodes: true when at least one
// can be opened. Each node that cannot is explained under "accessible";
// hint is what to advise when a node belongs to root's group (the
// family's udev rule).
func npuNodeAccess(r *Root, dev *Device, hint string) {
	var reasons []string
	dev.Accessible = false
	for _, n := range dev.Nodes {
		err := npuNodeError(r, n)
		if err == nil {
			dev.Accessible = true
			continue
		}
		group := ""
		if errors.Is(err, syscall.EACCES) {
			group = npuNodeGroup(r, n)
		}
		reasons = append(reasons, npuDenyReason(n, err, group, hint))
	}
	if len(dev.Nodes) == 0 {
		return // the caller explains why there is no node
	}
	if len(reasons) > 0 {
		note(&dev.Unknown, "accessible", strings.Join(reasons, "; "))
	}
}

// npuNodeGroup returns the name of the group owning a node, from the
// root's /etc/group, or "" when it cannot tell.
func npuNodeGroup(r *Root, node string) string {
	fi, err := r.Stat(node)
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	b, err := r.ReadFile("/etc/group")
	if err != nil {
		return ""
	}
	return npuGroupName(b, int64(st.Gid))
}

// npuGroupName finds the name of group gid in an /etc/group file.
func npuGroupName(b []byte, gid int64) string {
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) < 3 || f[0] == "" || strings.HasPrefix(f[0], "#") {
			continue
		}
		if g, err := strconv.ParseInt(f[2], 10, 64); err == nil && g == gid {
			return npuClean(f[0])
		}
	}
	return ""
}

// npuDenyReason phrases why node cannot be used, with what to do about it.
func npuDenyReason(node string, err error, group, hint string) string {
	switch {
	case errors.Is(err, syscall.EPERM): // also a permission error to Go: test it first
		return fmt.Sprintf("operation not permitted opening %s (a security policy denies it)", node)
	case IsPermission(err):
		if group != "" && group != "root" {
			return fmt.Sprintf("permission denied opening %s: add the user to the %s group", node, group)
		}
		if hint == "" {
			hint = "give the user's group read-write access to it with a udev rule"
		}
		return fmt.Sprintf("permission denied opening %s: %s", node, hint)
	case IsNotExist(err):
		return fmt.Sprintf("device node %s not found", node)
	case errors.Is(err, syscall.EISDIR):
		return fmt.Sprintf("cannot open %s: it is a directory, not a device node", node)
	case errors.Is(err, errNotDeviceNode):
		return fmt.Sprintf("cannot open %s: not a device node", node)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("cannot open %s: %v", node, pe.Err)
	}
	return fmt.Sprintf("cannot open %s: %v", node, err)
}

// npuResult ends a collector: the found devices are appended to the
// profile; with none, a hard error (an unreadable directory that might have
// held one) makes the check unknown, and otherwise the family is absent.
func npuResult(p *Profile, found []Device, hard error) error {
	if len(found) > 0 {
		p.NPUs = append(p.NPUs, found...)
		return nil
	}
	if hard != nil {
		return hard
	}
	return ErrNotPresent
}

// npuFirstErr keeps the first error that is not "not found".
func npuFirstErr(keep *error, err error) {
	if err != nil && *keep == nil && !IsNotExist(err) {
		*keep = err
	}
}

// npuSoC names the SoC from device-tree compatible strings using a table
// of compatible prefixes ("rockchip,rk3588") to names ("RK3588"). The
// longest matching key wins, so rk3588s is not taken for rk3588.
func npuSoC(compat []string, table map[string]string) string {
	best, name := "", ""
	for _, c := range compat {
		for k, v := range table {
			if (c == k || strings.HasPrefix(c, k+"-")) && len(k) > len(best) {
				best, name = k, v
			}
		}
		if name != "" {
			return name // the most specific compatible comes first
		}
	}
	return name
}

// npuPCIScan lists the PCI devices of the given vendors.
func npuPCIScan(r *Root, vendors ...uint16) ([]PCIDevice, error) { return PCIDevices(r, vendors...) }

// npuDeviceNames lists a driver's devices by name: the entries of its sysfs
// class directory, then device nodes matching nodeGlob that have no class
// entry (sysfs hidden, /dev passed into a container), each kept when valid
// accepts it, sorted. The first read error (other than absence) goes to hard.
func npuDeviceNames(r *Root, classDir, nodeGlob string, valid func(string) bool, hard *error) []string {
	classes, err := r.ReadDir(classDir)
	npuFirstErr(hard, err)
	var names []string
	for _, n := range classes {
		if valid(n) {
			names = append(names, n)
		}
	}
	nodes, err := DevNodes(r, nodeGlob)
	npuFirstErr(hard, err)
	for _, n := range nodes {
		if b := path.Base(n); valid(b) && !slices.Contains(names, b) {
			names = append(names, b)
		}
	}
	npuSortNames(names)
	return names
}
