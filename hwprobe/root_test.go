package hwprobe

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRootFollowsFixtureLinkFiles(t *testing.T) {
	root := tree(t, map[string]string{
		"/sys/devices/pci0000:00/0000:00:06.0/vendor": "0x10de\n",
		"/sys/bus/pci/devices/0000:00:06.0":           "../../../devices/pci0000:00/0000:00:06.0",
	})
	r := NewRoot(root)
	v, err := r.ReadInt("/sys/bus/pci/devices/0000:00:06.0/vendor")
	if err != nil || v != 0x10de {
		t.Fatalf("read through link file: %v, %v", v, err)
	}
	names, err := r.ReadDir("/sys/bus/pci/devices/0000:00:06.0")
	if err != nil || len(names) != 1 || names[0] != "vendor" {
		t.Fatalf("readdir through link file: %v, %v", names, err)
	}
	if tgt, err := r.Readlink("/sys/bus/pci/devices/0000:00:06.0"); err != nil || tgt != "../../../devices/pci0000:00/0000:00:06.0" {
		t.Fatalf("readlink of link file: %q, %v", tgt, err)
	}
}

func TestRootRealSymlinksAndErrors(t *testing.T) {
	root := tree(t, map[string]string{
		"/sys/class/drm/card0":                               "->../../devices/pci0000:00/0000:00:02.0/drm/card0",
		"/sys/devices/pci0000:00/0000:00:02.0/drm/card0/dev": "226:0\n",
		"/proc/secret":                                       "x",
	})
	r := NewRoot(root)
	if s, err := r.ReadString("/sys/class/drm/card0/dev"); err != nil || s != "226:0" {
		t.Fatalf("read through symlink: %q, %v", s, err)
	}
	if ok, err := r.Exists("/sys/class/drm/card1"); ok || err != nil {
		t.Fatalf("Exists(missing) = %v, %v", ok, err)
	}
	_, err := r.ReadFile("/nope/x")
	if !IsNotExist(err) || err.Error() != "read /nope/x: no such file or directory" {
		t.Fatalf("error %v does not name the path inside the root", err)
	}
	if os.Geteuid() != 0 { // root reads anything
		os.Chmod(filepath.Join(root, "proc", "secret"), 0)
		if _, err := r.ReadFile("/proc/secret"); !IsPermission(err) {
			t.Fatalf("unreadable file: %v", err)
		}
	}
	// Paths cannot escape the root.
	if _, err := r.ReadFile("/../../../../etc/hostname"); !IsNotExist(err) {
		t.Fatalf("escaping path: %v", err)
	}
}

func TestParseCPUList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{{"0-3", 4, true}, {"0-3,8,10-11", 7, true}, {"", 0, true}, {"5", 1, true}, {"3-1", 0, false}, {"a", 0, false}, {"0-99999999", 0, false}, {"-1", 0, false}} {
		got, err := ParseCPUList(c.in)
		if (err == nil) != c.ok || len(got) != c.want {
			t.Errorf("ParseCPUList(%q) = %v, %v", c.in, got, err)
		}
	}
}

func FuzzParsers(f *testing.F) {
	f.Add([]byte("0-3,5\n"), []byte("DRIVER=nvidia\nPCI_ID=10DE:2330\n"), []byte("NAME=\"Debian\"\nID=debian\n"))
	f.Fuzz(func(t *testing.T, cpus, uevent, osRelease []byte) {
		ParseCPUList(string(cpus))
		ParseUevent(uevent)
		ParseOSRelease(osRelease)
	})
}

func TestFormatCPUList(t *testing.T) {
	for _, c := range []struct {
		ids  []int
		want string
	}{{nil, ""}, {[]int{0}, "0"}, {[]int{0, 1, 2, 3}, "0-3"}, {[]int{0, 2, 3, 4, 8, 10, 11}, "0,2-4,8,10-11"}} {
		if got := FormatCPUList(c.ids); got != c.want {
			t.Errorf("FormatCPUList(%v) = %q, want %q", c.ids, got, c.want)
		}
		back, err := ParseCPUList(c.want)
		if err != nil || len(back) != len(c.ids) {
			t.Errorf("ParseCPUList(%q) = %v, %v", c.want, back, err)
		}
	}
}
