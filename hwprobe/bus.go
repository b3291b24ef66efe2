package hwprobe

import (
	"bufio"
	"path"
	"slices"
	"strconv"
	"strings"
)

// PCIDevice is one device of /sys/bus/pci/devices.
type PCIDevice struct {
	Address  string // 0000:00:06.0
	Vendor   uint16
	Device   uint16
	Class    uint32 // 0x030200: 3D controller
	Driver   string // bound kernel driver, from uevent DRIVER=
	Revision uint8
	SysPath  string // /sys/bus/pci/devices/0000:00:06.0 (inside the root)
}

// VendorID returns the vendor as 4 hex digits, e.g. "10de".
func (d PCIDevice) VendorID() string { return hex16(d.Vendor) }

// DeviceID returns the device as 4 hex digits.
func (d PCIDevice) DeviceID() string { return hex16(d.Device) }

func hex16(v uint16) string {
	s := strconv.FormatUint(uint64(v), 16)
	return strings.Repeat("0", 4-len(s)) + s
}

// PCI class codes (base class << 16 | subclass << 8).
const (
	ClassDisplayVGA   = 0x0300
	ClassDisplay3D    = 0x0302
	ClassDisplayOther = 0x0380
	ClassAccelerator  = 0x1200 // processing accelerators (NPUs)
	ClassSystemOther  = 0x0880
)

// PCIDevices lists the PCI devices under the root; with vendors given, only
// theirs (the other devices cost one read each). A missing PCI bus gives no
// devices and no error.
func PCIDevices(r *Root, vendors ...uint16) ([]PCIDevice, error) {
	names, err := r.ReadDir("/sys/bus/pci/devices")
	if err != nil {
		if IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []PCIDevice
	for _, addr := range names {
		dir := path.Join("/sys/bus/pci/devices", addr)
		d := PCIDevice{Address: addr, SysPath: dir}
		if v, err := r.ReadInt(dir + "/vendor"); err == nil && v >= 0 && v <= 0xffff {
			d.Vendor = uint16(v)
		}
		if len(vendors) > 0 && !slices.Contains(vendors, d.Vendor) {
			continue
		}
		if v, err := r.ReadInt(dir + "/device"); err == nil && v >= 0 && v <= 0xffff {
			d.Device = uint16(v)
		}
		if v, err := r.ReadInt(dir + "/class"); err == nil && v >= 0 && v <= 0xffffff {
			d.Class = uint32(v)
		}
		if v, err := r.ReadInt(dir + "/revision"); err == nil && v >= 0 && v <= 0xff {
			d.Revision = uint8(v)
		}
		if ue, err := r.ReadFile(dir + "/uevent"); err == nil {
			d.Driver = ParseUevent(ue)["DRIVER"]
		}
		if d.Driver == "" {
			if t, err := r.Readlink(dir + "/driver"); err == nil {
				d.Driver = path.Base(t)
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// ParseUevent parses KEY=VALUE lines of a sysfs uevent file.
func ParseUevent(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(make([]byte, 0, 4096), maxFileSize)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && k != "" {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// USBDevice is one device of /sys/bus/usb/devices (interfaces excluded).
type USBDevice struct {
	Path         string // 1-1.2
	Vendor       uint16
	Product      uint16
	Manufacturer string
	ProductName  string
	Serial       string
	Speed        string // Mb/s
	SysPath      string
}

// VendorID returns the vendor as 4 hex digits.
func (d USBDevice) VendorID() string { return hex16(d.Vendor) }

// ProductID returns the product as 4 hex digits.
func (d USBDevice) ProductID() string { return hex16(d.Product) }

// USBDevices lists the USB devices under the root. A missing USB bus gives
// no devices and no error.
func USBDevices(r *Root) ([]USBDevice, error) {
	names, err := r.ReadDir("/sys/bus/usb/devices")
	if err != nil {
		if IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []USBDevice
	for _, name := range names {
		if strings.Contains(name, ":") {
			continue // an interface, not a device
		}
		dir := path.Join("/sys/bus/usb/devices", name)
		vs, err1 := r.ReadString(dir + "/idVendor")
		ps, err2 := r.ReadString(dir + "/idProduct")
		if err1 != nil || err2 != nil {
			continue
		}
		v, err1 := strconv.ParseUint(vs, 16, 16)
		p, err2 := strconv.ParseUint(ps, 16, 16)
		if err1 != nil || err2 != nil {
			continue
		}
		d := USBDevice{Path: name, Vendor: uint16(v), Product: uint16(p), SysPath: dir}
		d.Manufacturer, _ = r.ReadString(dir + "/manufacturer")
		d.ProductName, _ = r.ReadString(dir + "/product")
		d.Serial, _ = r.ReadString(dir + "/serial")
		d.Speed, _ = r.ReadString(dir + "/speed")
		out = append(out, d)
	}
	return out, nil
}

// DevNodes returns the device files under /dev matching pattern (for
// example "/dev/apex_*" or "/dev/accel/accel*").
func DevNodes(r *Root, pattern string) ([]string, error) {
	return r.Glob(pattern)
}

// ParseCPUList parses a kernel CPU list such as "0-3,8,10-11" into CPU
// numbers. It refuses lists that would expand to more than 65536 CPUs.
func ParseCPUList(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, &listError{s}
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, &listError{s}
			}
		}
		if b-a+len(out) >= 65536 {
			return nil, &listError{s}
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	return out, nil
}

type listError struct{ s string }

func (e *listError) Error() string { return "invalid CPU list " + strconv.Quote(e.s) }

// SplitNUL splits a device-tree string list (NUL-separated, as in
// /proc/device-tree/compatible) into its non-empty strings, trimmed and
// without control characters; at most 64.
func SplitNUL(b []byte) []string {
	var out []string
	for _, part := range strings.Split(string(b), "\x00") {
		if t := tidyText(part); t != "" {
			out = append(out, t)
		}
		if len(out) >= 64 {
			break
		}
	}
	return out
}

// DeviceTreeCompatible reads the board's device-tree compatible strings and
// the file they came from; a machine without a device tree (x86) gives nil.
func DeviceTreeCompatible(r *Root) (compat []string, source string) {
	for _, p := range []string{"/proc/device-tree/compatible", "/sys/firmware/devicetree/base/compatible"} {
		if b, err := r.ReadFile(p); err == nil {
			return SplitNUL(b), p
		}
	}
	return nil, ""
}
