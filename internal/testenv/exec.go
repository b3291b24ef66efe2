package testenv

import (
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"runtime"
)

// hostArch returns the architecture of the machine's own binaries as a
// GOARCH name ("" when unknown), from /bin/sh's ELF header: under
// qemu-user, uname and the CPU reports describe the emulated machine.
func hostArch() string {
	f, err := elf.Open("/bin/sh")
	if err != nil {
		return ""
	}
	defer f.Close()
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_ARM:
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

// Emulated reports whether the tests run under qemu-user as another
// architecture than the machine's (make test-qemu): what /proc says about
// this process then describes the emulator.
func Emulated() bool {
	h := hostArch()
	return h != "" && h != runtime.GOARCH
}
