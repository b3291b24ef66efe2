package hwprobe

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// npuCollectorNames are the NPU collectors of this package.
var npuCollectorNames = []string{"npu.edgetpu", "npu.hailo", "npu.rknpu", "npu.accel", "npu.ethos-u", "npu.vivante", "npu.qualcomm"}

// npuDenied returns the absolute path of a file that this process cannot
// read (nor open for reading and writing): a file with mode 0 when not
// root, and as root a kernel file that refuses reads even to root (a
// write-only sysctl). Synthetic trees link to it to simulate permission
// denied.
func npuDenied(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		p := filepath.Join(t.TempDir(), "denied")
		if err := os.WriteFile(p, []byte("secret\n"), 0); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, p := range []string{"/proc/sys/vm/drop_caches", "/proc/sys/vm/compact_memory"} {
		_, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrPermission) && unix.Access(p, unix.R_OK|unix.W_OK) != nil {
			return p
		}
	}
	t.Skip("no file refuses reads to root here: cannot simulate permission denied")
	return ""
}

// npuPCI adds a PCI device to a synthetic tree: its directory under
// /sys/devices with vendor, device, class and uevent, the
// /sys/bus/pci/devices link, the subsystem link and, when driver is not
// empty, the driver link. It returns the device's directory.
func npuPCI(files map[string]string, addr, vendor, device, class, driver string) string {
	dir := "/sys/devices/pci0000:00/0000:00:1c.0/" + addr
	files[dir+"/vendor"] = "0x" + vendor + "\n"
	files[dir+"/device"] = "0x" + device + "\n"
	files[dir+"/class"] = "0x" + class + "\n"
	ue := "PCI_CLASS=" + strings.TrimLeft(class, "0") + "\nPCI_ID=" + strings.ToUpper(vendor+":"+device) + "\nPCI_SLOT_NAME=" + addr + "\nMODALIAS=pci:v0000" + strings.ToUpper(vendor) + "\n"
	if driver != "" {
		ue = "DRIVER=" + driver + "\n" + ue
		files[dir+"/driver"] = "->../../../../bus/pci/drivers/" + driver
		files["/sys/bus/pci/drivers/"+driver+"/"] = ""
	}
	files[dir+"/uevent"] = ue
	files[dir+"/subsystem"] = "->../../../../bus/pci"
	files["/sys/bus/pci/devices/"+addr] = "->../../../devices/pci0000:00/0000:00:1c.0/" + addr
	return dir
}

// npuProbe probes a root with one NPU collector and returns the profile
// and that collector's check, which must have state want.
func npuProbe(t *testing.T, root, name string, want State) (*Profile, Check) {
	t.Helper()
	p := probeTree(t, root, name)
	return p, checkState(t, p, name, want)
}

// npuWant checks the fields of a device that a test names.
type npuWant struct {
	Kind, Vendor, Name, Driver, DriverVersion, Firmware, Bus, Address, VendorID, DeviceID string
	Nodes                                                                                 []string
	Accessible                                                                            bool
	// Unknown lists fields that must be explained, each with a piece of
	// text its explanation must contain ("" for any).
	Unknown map[string]string
	// Sources lists sources that must be among the device's.
	Sources []string
}

func npuCheckDevice(t *testing.T, d Device, w npuWant) {
	t.Helper()
	for _, c := range []struct{ field, got, want string }{
		{"kind", d.Kind, w.Kind}, {"vendor", d.Vendor, w.Vendor}, {"name", d.Name, w.Name},
		{"driver", d.Driver, w.Driver}, {"driver_version", d.DriverVersion, w.DriverVersion},
		{"firmware", d.Firmware, w.Firmware}, {"bus", d.Bus, w.Bus}, {"address", d.Address, w.Address},
		{"vendor_id", d.VendorID, w.VendorID}, {"device_id", d.DeviceID, w.DeviceID},
	} {
		if c.got != c.want {
			t.Errorf("%s %s: %s = %q, want %q", d.Kind, d.Address, c.field, c.got, c.want)
		}
	}
	if strings.Join(d.Nodes, ",") != strings.Join(w.Nodes, ",") {
		t.Errorf("%s %s: nodes %q, want %q", d.Kind, d.Address, d.Nodes, w.Nodes)
	}
	if d.Accessible != w.Accessible {
		t.Errorf("%s %s: accessible %v, want %v (unknown: %v)", d.Kind, d.Address, d.Accessible, w.Accessible, d.Unknown)
	}
	for f, text := range w.Unknown {
		got, ok := d.Unknown[f]
		if !ok || !strings.Contains(got, text) {
			t.Errorf("%s %s: unknown[%s] = %q, want it to mention %q (all: %v)", d.Kind, d.Address, f, got, text, d.Unknown)
		}
	}
	if !w.Accessible && len(w.Nodes) > 0 {
		if _, ok := d.Unknown["accessible"]; !ok {
			t.Errorf("%s %s: not accessible but no reason given", d.Kind, d.Address)
		}
	}
	for _, s := range w.Sources {
		found := false
		for _, have := range d.Sources {
			found = found || have == s
		}
		if !found {
			t.Errorf("%s %s: sources %q lack %q", d.Kind, d.Address, d.Sources, s)
		}
	}
}

func TestNPUCollectorsRegistered(t *testing.T) {
	have := map[string]bool{}
	for _, n := range Collectors() {
		have[n] = true
	}
	for _, n := range npuCollectorNames {
		if !have[n] {
			t.Errorf("collector %s is not registered", n)
		}
	}
}

// The shared fixtures are real machines without an NPU.
func TestNPUFixturesAbsent(t *testing.T) {
	for _, fx := range []string{"x86-h100-vm", "x86-epyc-2core-vm"} {
		t.Run(fx, func(t *testing.T) {
			p := probeTree(t, fixture(t, fx), npuCollectorNames...)
			for _, n := range npuCollectorNames {
				checkState(t, p, n, Absent)
			}
			if len(p.NPUs) != 0 {
				t.Fatalf("NPUs on a machine without one: %+v", p.NPUs)
			}
		})
	}
}

// An empty tree has no NPU either.
func TestNPUSyntheticEmptyTreeAbsent(t *testing.T) {
	root := tree(t, map[string]string{"/proc/version": "Linux version 6.1.0 (x)\n", "/sys/": "", "/dev/": ""})
	p := probeTree(t, root, npuCollectorNames...)
	for _, n := range npuCollectorNames {
		checkState(t, p, n, Absent)
	}
}

// On this machine the collectors must work, whatever it has.
func TestNPURealRoot(t *testing.T) {
	start := time.Now()
	p, err := Probe(context.Background(), Options{Only: npuCollectorNames})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("NPU collectors took %v on this machine", el)
	}
	kinds := map[string]int{}
	for _, d := range p.NPUs {
		if d.Kind == "" || d.Name == "" {
			t.Errorf("device without kind or name: %+v", d)
		}
		kinds[d.Kind]++
	}
	for _, n := range npuCollectorNames {
		c, ok := p.Check(n)
		if !ok {
			t.Fatalf("%s did not run", n)
		}
		switch c.State {
		case Absent:
		case Present:
			if len(p.NPUs) == 0 {
				t.Errorf("%s present but no NPU reported", n)
			}
		case Unknown:
			if c.Reason == "" {
				t.Errorf("%s unknown without a reason", n)
			}
		default:
			t.Errorf("%s: state %q", n, c.State)
		}
		t.Logf("%s: %s %s", n, c.State, c.Reason)
	}
	t.Logf("NPUs: %+v", p.NPUs)
}

func BenchmarkNPUCollectorsRealRoot(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Probe(context.Background(), Options{Only: npuCollectorNames}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNPUNodeErrors(t *testing.T) {
	root := tree(t, map[string]string{
		"/dev/ok":    "<dev>",
		"/dev/dir/":  "",
		"/etc/group": "root:x:0:\napex:x:1234:\n",
	})
	r := NewRoot(root)
	if err := npuNodeError(r, "/dev/ok"); err != nil {
		t.Errorf("stand-in node: %v", err)
	}
	if err := npuNodeError(r, "/dev/dir"); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("directory node: %v", err)
	}
	if err := npuNodeError(r, "/dev/missing"); !IsNotExist(err) {
		t.Errorf("missing node: %v", err)
	}
	// On a live root a regular file is not a device node.
	live := NewRoot("/")
	if err := npuNodeError(live, filepath.Join(root, "dev", "ok")); !errors.Is(err, errNotDeviceNode) {
		t.Errorf("regular file on a live root: %v", err)
	}
	if err := npuNodeError(live, "/dev/null"); err != nil {
		t.Errorf("/dev/null: %v", err)
	}
}

func TestNPUDenyReason(t *testing.T) {
	perm := &fs.PathError{Op: "open", Path: "/dev/apex_0", Err: syscall.EACCES}
	for _, c := range []struct {
		err         error
		group, hint string
		want        string
	}{
		{perm, "apex", "", "permission denied opening /dev/apex_0: add the user to the apex group"},
		{perm, "root", "install the udev rule", "permission denied opening /dev/apex_0: install the udev rule"},
		{perm, "", "", "permission denied opening /dev/apex_0: give the user's group read-write access to it with a udev rule"},
		{&fs.PathError{Op: "open", Path: "/dev/apex_0", Err: syscall.EPERM}, "", "", "operation not permitted opening /dev/apex_0"},
		{&fs.PathError{Op: "stat", Path: "/dev/apex_0", Err: syscall.ENOENT}, "", "", "device node /dev/apex_0 not found"},
		{&fs.PathError{Op: "open", Path: "/dev/apex_0", Err: syscall.EISDIR}, "", "", "it is a directory"},
		{&fs.PathError{Op: "open", Path: "/dev/apex_0", Err: syscall.EIO}, "", "", "cannot open /dev/apex_0: input/output error"},
	} {
		if got := npuDenyReason("/dev/apex_0", c.err, c.group, c.hint); !strings.Contains(got, c.want) {
			t.Errorf("npuDenyReason(%v, %q) = %q, want %q", c.err, c.group, got, c.want)
		}
	}
}

// A node this process may not open (as root: a link to a file that refuses
// even root) gives the group's name from /etc/group when it has one.
func TestNPUSyntheticNodePermissionDenied(t *testing.T) {
	denied := npuDenied(t)
	root := tree(t, map[string]string{"/dev/apex_0": "->" + denied, "/etc/group": "root:x:0:\n"})
	r := NewRoot(root)
	d := Device{Nodes: []string{"/dev/apex_0"}}
	npuNodeAccess(r, &d, "install the udev rule")
	if d.Accessible {
		t.Fatal("a node that cannot be opened is accessible")
	}
	if !strings.HasPrefix(d.Unknown["accessible"], "permission denied opening /dev/apex_0: ") {
		t.Fatalf("reason %q", d.Unknown["accessible"])
	}
}

func TestNPUParsers(t *testing.T) {
	u := npuParseUevent([]byte("DRIVER=apex\nPCI_CLASS=88000\nPCI_ID=1AC1:089A\nPCI_SLOT_NAME=0000:01:00.0\nOF_NAME=npu\nOF_COMPATIBLE_N=2\nOF_COMPATIBLE_0=rockchip,rk3588-rknpu\nOF_COMPATIBLE_1=rockchip,rknpu\n"))
	if u.Driver != "apex" || u.PCISlot != "0000:01:00.0" || !u.HasPCIID || u.Vendor != 0x1ac1 || u.Device != 0x089a || u.OFName != "npu" || len(u.Compatible) != 2 || u.Compatible[1] != "rockchip,rknpu" {
		t.Errorf("npuParseUevent: %+v", u)
	}
	if u := npuParseUevent([]byte("OF_COMPATIBLE_N=999999999\nPCI_ID=zz:1\n")); u.HasPCIID || len(u.Compatible) != 0 {
		t.Errorf("bad uevent: %+v", u)
	}
	for _, c := range []struct {
		in   string
		want uint16
		ok   bool
	}{{"0x1ac1\n", 0x1ac1, true}, {"1a6e", 0x1a6e, true}, {"089A\x00", 0x089a, true}, {"", 0, false}, {"0x", 0, false}, {"12345", 0, false}, {"xyz", 0, false}, {"-1", 0, false}} {
		if got, ok := npuParseHexID(c.in); got != c.want || ok != c.ok {
			t.Errorf("npuParseHexID(%q) = %x, %v", c.in, got, ok)
		}
	}
	if got := SplitNUL([]byte("radxa,rock-5b\x00rockchip,rk3588\x00")); strings.Join(got, "|") != "radxa,rock-5b|rockchip,rk3588" {
		t.Errorf("npuSplitNUL: %q", got)
	}
	if got := npuClean("  v1.2\x01.3\nsecond line"); got != "v1.2.3" {
		t.Errorf("npuClean: %q", got)
	}
	if got := npuClean(strings.Repeat("x", 1000)); len(got) != npuMaxString {
		t.Errorf("npuClean does not bound: %d", len(got))
	}
	if g := npuGroupName([]byte("# c\nroot:x:0:\nrender:x:109:alice\nbad\n"), 109); g != "render" {
		t.Errorf("npuGroupName: %q", g)
	}
	if !npuIsPCIAddress("0000:01:00.0") || npuIsPCIAddress("fdab0000.npu") || npuIsPCIAddress("0000:0g:00.0") {
		t.Error("npuIsPCIAddress")
	}
	names := []string{"/dev/apex_10", "/dev/apex_2", "/dev/apex_1"}
	npuSortNames(names)
	if strings.Join(names, ",") != "/dev/apex_1,/dev/apex_2,/dev/apex_10" {
		t.Errorf("npuSortNames: %v", names)
	}
}

// Fuzz the uevent parsing the NPU collectors do, and the helpers that read
// strings and ids out of sysfs files.
func FuzzNPUUevent(f *testing.F) {
	f.Add([]byte("DRIVER=apex\nPCI_ID=1AC1:089A\nPCI_SLOT_NAME=0000:01:00.0\n"))
	f.Add([]byte("OF_NAME=npu\nOF_COMPATIBLE_N=3\nOF_COMPATIBLE_0=rockchip,rk3588-rknpu\n"))
	f.Add([]byte("OF_COMPATIBLE_N=-5\nOF_COMPATIBLE_-1=x\nDEVNAME=bus/usb/001/004\n"))
	f.Add([]byte("PCI_ID=:\n=\n\x00\xff\xfe"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u := npuParseUevent(b)
		if len(u.Compatible) > 64 || len(u.Driver) > npuMaxString || len(u.PCISlot) > npuMaxString {
			t.Fatalf("unbounded result: %+v", u)
		}
		npuParsePCIID(string(b))
		npuIsPCIAddress(string(b))
		SplitNUL(b)
		npuGroupName(b, 0)
		npuNodeIndex(string(b))
		if s := npuClean(string(b)); len(s) > npuMaxString || strings.ContainsAny(s, "\n\x00") {
			t.Fatalf("npuClean(%q) = %q", b, s)
		}
	})
}

// Fuzz the collectors themselves: a tree with a device of every family
// whose uevent, version, id and compatible files hold arbitrary bytes. No
// collector may panic (Probe would turn a panic into an "internal error"
// check) and every device must have a kind and bounded strings. The tree is
// built once; each input rewrites its files.
func FuzzNPUCollectorsTree(f *testing.F) {
	f.Add([]byte("DRIVER=apex\nPCI_ID=1AC1:089A\n"), []byte("1.2\n"), "1a6e", []byte("rockchip,rk3588\x00"))
	f.Add([]byte("DRIVER=amdxdna\nOF_COMPATIBLE_N=2\nOF_COMPATIBLE_0=arm,ethos-u85\n"), []byte("RKNPU driver: v\xff"), "0x18d1\x00", []byte("fsl,imx8mp\x00"))
	f.Add([]byte("\x00=\n=="), []byte(""), "", []byte(""))

	files := map[string]string{}
	edge := npuPCI(files, "0000:01:00.0", "1ac1", "089a", "0000ff", "apex")
	files["/sys/class/apex/apex_0"] = "->../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/apex/apex_0"
	files[edge+"/apex/apex_0/device"] = "->../../../0000:01:00.0"
	hailo := npuPCI(files, "0000:02:00.0", "1e60", "2864", "128000", "")
	accel := accelDevice(files, "0", "0000:03:00.0", "1022", "1502", "amdxdna")
	usbTree(files, "1a6e", "089a", true)
	usb := "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1"
	for _, n := range []string{"/dev/apex_0", "/dev/hailo0", "/dev/rknpu", "/dev/ethosu0", "/dev/galcore", "/dev/fastrpc-cdsp"} {
		files[n] = "<dev>"
	}
	files["/sys/class/remoteproc/remoteproc0/name"] = "cdsp"
	// The files each input is written to.
	fuzzed := [4][]string{
		{edge + "/uevent", accel + "/uevent", usb + "/uevent", "/sys/class/ethosu/ethosu0/device/uevent", "/etc/group"},
		{edge + "/apex/apex_0/status", "/sys/module/apex/version", "/sys/class/hailo_chardev/hailo0/fw_version",
			accel + "/vbnv", accel + "/fw_version", "/sys/kernel/debug/rknpu/version", "/sys/kernel/debug/gc/version",
			"/sys/class/remoteproc/remoteproc0/firmware"},
		{hailo + "/vendor", "/sys/class/hailo_chardev/hailo0/device_id", usb + "/idProduct", usb + "/busnum", "/sys/class/devfreq/fdab0000.npu/cur_freq"},
		{"/proc/device-tree/compatible"},
	}
	for _, group := range fuzzed {
		for _, p := range group {
			files[p] = "seed"
		}
	}
	root := tree(f, files)

	f.Fuzz(func(t *testing.T, uevent, version []byte, id string, compat []byte) {
		for i, b := range [4][]byte{uevent, version, []byte(id), compat} {
			for _, p := range fuzzed[i] {
				if err := os.WriteFile(filepath.Join(root, p), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		p := probeTree(t, root, npuCollectorNames...)
		for _, c := range p.Checks {
			if strings.HasPrefix(c.Reason, "internal error") {
				t.Fatalf("%s: %s", c.Collector, c.Reason)
			}
		}
		for _, d := range p.NPUs {
			if d.Kind == "" || len(d.Name) > 3*npuMaxString || len(d.Firmware) > npuMaxString || len(d.DriverVersion) > npuMaxString {
				t.Fatalf("device %+v", d)
			}
		}
	})
}
