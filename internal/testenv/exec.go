package testenv

import (
	"context"
	"os"
	"os/exec"
	"runtime"

	"golang.org/x/sys/unix"
)

// hostArch returns the kernel's architecture as a GOARCH name ("" when
// unknown).
func hostArch() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	switch unix.ByteSliceToString(u.Machine[:]) {
	case "x86_64":
		return "amd64"
	case "aarch64", "arm64":
		return "arm64"
	case "armv7l", "armv8l", "armv6l":
		return "arm"
	}
	return ""
}

// qemuFor names the qemu-user emulator and binfmt_misc entry of a GOARCH.
var qemuFor = map[string][2]string{"arm64": {"qemu-aarch64-static", "qemu-aarch64"}, "arm": {"qemu-arm-static", "qemu-arm"}}

// CommandContext returns a command running a binary built for this test
// binary's GOARCH (the test binary itself, say): directly, or through
// qemu-user when the tests run under qemu-user on another host (make
// test-qemu) and the kernel has no binfmt_misc entry to run it.
func CommandContext(ctx context.Context, name string, args ...string) *exec.Cmd {
	if h := hostArch(); h != "" && h != runtime.GOARCH {
		if q, ok := qemuFor[runtime.GOARCH]; ok {
			if _, err := os.Stat("/proc/sys/fs/binfmt_misc/" + q[1]); err != nil {
				if path, err := exec.LookPath(q[0]); err == nil {
					return exec.CommandContext(ctx, path, append([]string{name}, args...)...)
				}
			}
		}
	}
	return exec.CommandContext(ctx, name, args...)
}
