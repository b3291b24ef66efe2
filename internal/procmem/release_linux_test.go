package procmem

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestExecutableRegions(t *testing.T) {
	maps := `00400000-00b0e000 r-xp 00000000 fe:00 9979822                            /opt/edge-agent
00b0e000-0124c000 r--p 0070e000 fe:00 9979822                            /opt/edge-agent
0124c000-012bb000 rw-p 00e4c000 fe:00 9979822                            /opt/edge-agent
012bb000-03300000 rw-p 00000000 00:00 0
7f2ff6200000-7f2ff65cc000 r--s 00000000 fe:00 9979822                    /opt/edge-agent
7f2ff6600000-7f2ff66cc000 r--p 00000000 fe:00 4242                       /models/m.tflite
7f2ff6700000-7f2ff67cc000 r--p 00000000 fe:01 9979822                    /other-disk
7ffc1000-7ffc2000 r-xp 00000000 00:00 0                                  [vdso]
`
	got, err := executableRegions([]byte(maps), 0xfe00, 9979822)
	if err != nil {
		t.Fatal(err)
	}
	want := []region{{0x400000, 0xb0e000}, {0xb0e000, 0x124c000}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	if _, err := executableRegions([]byte("zz-yy r-xp 0 fe:00 9979822 /x\n"), 0xfe00, 9979822); err == nil {
		t.Fatal("a bad address range was accepted")
	}
	if !sameDevice("103:02", "103:2") || sameDevice("fe:00", "fe:01") {
		t.Fatal("sameDevice")
	}
}

// TestReleaseExecutablePages releases this test binary's start-up pages
// for real: its file-backed RSS must drop, and the process must go on
// running code (which maps pages back) afterwards.
func TestReleaseExecutablePages(t *testing.T) {
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &st); err != nil {
		t.Skipf("no /proc/self/exe: %v", err)
	}
	// Under qemu-user (make test-qemu) /proc/self/maps describes the
	// guest's mappings but the RSS is the emulator's, which keeps its own
	// copy of the translated code.
	if status, err := os.ReadFile("/proc/self/status"); err == nil && strings.HasPrefix(string(status), "Name:\tqemu-") {
		t.Skip("running under qemu-user: the RSS is the emulator's")
	}
	before, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := ReleaseExecutablePages()
	if err != nil {
		t.Fatal(err)
	}
	after, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RSS %d -> %d KiB (file %d -> %d KiB), reported released %d KiB",
		before.RSS>>10, after.RSS>>10, before.File>>10, after.File>>10, rel.Released()>>10)
	if rel.Released() <= 0 || after.File >= before.File || rel.After.File >= rel.Before.File {
		t.Fatalf("nothing released: before %+v after %+v (reported %+v)", before, after, rel)
	}
	// The kernel's VmHWM may lag; Release.Peak must not.
	if p := rel.Peak(after); p < before.RSS || p < before.Peak {
		t.Fatalf("peak %d below the RSS before the release %+v", p, before)
	}
	// Code and read-only data come back on use.
	if s := fmt.Sprintf("%x-%v", 255, os.Args[0] != ""); s != "ff-true" {
		t.Fatalf("after release: %q", s)
	}
}
