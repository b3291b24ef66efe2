package procmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// ReleaseExecutablePages drops the process's resident pages of the
// read-only mappings of its own executable (see the package comment) and
// returns the memory before and after.
func ReleaseExecutablePages() (Release, error) {
	var rel Release
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &st); err != nil {
		return rel, fmt.Errorf("release executable pages: %w", err)
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return rel, fmt.Errorf("release executable pages: %w", err)
	}
	regions, err := executableRegions(maps, uint64(st.Dev), st.Ino)
	if err != nil {
		return rel, fmt.Errorf("release executable pages: /proc/self/maps: %w", err)
	}
	if rel.Before, err = Read(); err != nil {
		return rel, fmt.Errorf("release executable pages: %w", err)
	}
	for _, r := range regions {
		// The range is not Go memory: pass the addresses as integers.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, r.lo, r.hi-r.lo, unix.MADV_DONTNEED); errno != 0 {
			return rel, fmt.Errorf("release executable pages: madvise %#x-%#x: %w", r.lo, r.hi, errno)
		}
	}
	if rel.After, err = Read(); err != nil {
		return rel, fmt.Errorf("release executable pages: %w", err)
	}
	return rel, nil
}

// region is one mapping's address range [lo, hi).
type region struct{ lo, hi uintptr }

// executableRegions returns the mappings in a /proc/PID/maps listing that
// map the file with device dev and inode ino and are neither writable nor
// shared: the executable's text and read-only data. The device is matched
// as the kernel prints it (major:minor in hex).
func executableRegions(maps []byte, dev, ino uint64) ([]region, error) {
	want := fmt.Sprintf("%x:%x", unix.Major(dev), unix.Minor(dev))
	var out []region
	sc := bufio.NewScanner(bytes.NewReader(maps))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 6 {
			continue
		}
		perms, devf := f[1], f[3]
		if len(perms) != 4 || perms[1] == 'w' || perms[3] != 'p' {
			continue
		}
		i, err := strconv.ParseUint(string(f[4]), 10, 64)
		if err != nil || i != ino || !sameDevice(string(devf), want) {
			continue
		}
		lo, hi, ok := bytes.Cut(f[0], []byte("-"))
		if !ok {
			return nil, fmt.Errorf("line %q: bad address range", sc.Bytes())
		}
		l, err1 := strconv.ParseUint(string(lo), 16, 64)
		h, err2 := strconv.ParseUint(string(hi), 16, 64)
		if err1 != nil || err2 != nil || h <= l {
			return nil, fmt.Errorf("line %q: bad address range", sc.Bytes())
		}
		out = append(out, region{uintptr(l), uintptr(h)})
	}
	return out, sc.Err()
}

// sameDevice compares a maps device field ("fe:00", "103:02") with want,
// ignoring leading zeros in each half.
func sameDevice(got, want string) bool {
	norm := func(s string) string {
		a, b, ok := bytes.Cut([]byte(s), []byte(":"))
		if !ok {
			return s
		}
		x, err1 := strconv.ParseUint(string(a), 16, 32)
		y, err2 := strconv.ParseUint(string(b), 16, 32)
		if err1 != nil || err2 != nil {
			return s
		}
		return fmt.Sprintf("%x:%x", x, y)
	}
	return norm(got) == norm(want)
}
