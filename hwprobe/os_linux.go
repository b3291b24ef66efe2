package hwprobe

import (
	"context"
	"strings"

	"golang.org/x/sys/unix"
)

func init() { register(osCollector{}) }

// osCollector reads the kernel release (/proc/version), the distribution
// (/etc/os-release) and, on a live system, the machine architecture (uname).
type osCollector struct{}

func (osCollector) Name() string { return "os" }

func (osCollector) Collect(_ context.Context, env *Env, p *Profile) error {
	r := env.Root
	v, err := r.ReadString("/proc/version")
	if err != nil {
		return err
	}
	// "Linux version 6.1.0-18-arm64 (debian-kernel@...) ..."
	if f := strings.Fields(v); len(f) >= 3 && f[0] == "Linux" && f[1] == "version" {
		p.OS.Kernel = f[2]
	}
	if b, err := r.ReadFile("/etc/os-release"); err == nil {
		rel := ParseOSRelease(b)
		p.OS.PrettyName, p.OS.ID, p.OS.VersionID = rel["PRETTY_NAME"], rel["ID"], rel["VERSION_ID"]
	}
	if !r.Fixture() {
		var u unix.Utsname
		if unix.Uname(&u) == nil {
			if a := GoArch(unix.ByteSliceToString(u.Machine[:])); a != "" {
				p.Arch = a
			}
		}
	}
	return nil
}

// ParseOSRelease parses /etc/os-release (KEY=value, values optionally quoted).
func ParseOSRelease(b []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		m[strings.TrimSpace(k)] = v
	}
	return m
}

// GoArch maps a kernel machine name (uname -m) to Go's architecture name.
func GoArch(machine string) string {
	switch {
	case machine == "x86_64" || machine == "amd64":
		return "amd64"
	case machine == "aarch64" || machine == "arm64" || machine == "armv8b" || machine == "aarch64_be":
		return "arm64"
	case strings.HasPrefix(machine, "armv") || machine == "arm":
		return "arm"
	case machine == "i386" || machine == "i486" || machine == "i586" || machine == "i686" || machine == "x86":
		return "386"
	case machine == "riscv64":
		return "riscv64"
	case machine == "ppc64le", machine == "s390x", machine == "mips64", machine == "loong64":
		return machine
	}
	return ""
}
