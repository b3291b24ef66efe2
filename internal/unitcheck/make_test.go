package unitcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// runMake runs a make target in the module root, outside any make that runs
// the tests (its jobserver and flags are not passed on).
func runMake(t *testing.T, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not found")
	}
	cmd := exec.Command("make", append([]string{"-s", "--no-print-directory"}, args...)...)
	cmd.Dir = testenv.ModuleRoot(t)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MAKELEVEL" && k != "MFLAGS" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// needSystemdTools skips without systemd-analyze, except under CI, where
// .ci/run installs it.
func needSystemdTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"systemd-analyze", "systemd-sysusers", "systemd-tmpfiles"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found (CI installs Debian's systemd package)", tool)
			}
			t.Skipf("%s not found (apt-get install systemd)", tool)
		}
	}
}

func TestVerifySystemdAcceptsShippedFiles(t *testing.T) {
	needSystemdTools(t)
	out, err := runMake(t, "verify-systemd")
	if err != nil {
		t.Fatalf("make verify-systemd: %v\n%s", err, out)
	}
	if !strings.Contains(out, "verify-systemd: ok") {
		t.Fatalf("make verify-systemd did not report ok:\n%s", out)
	}
}

// TestVerifySystemdRejectsBrokenUnits is the proof that make verify-systemd
// fails on real unit errors, including those systemd-analyze only warns about.
func TestVerifySystemdRejectsBrokenUnits(t *testing.T) {
	needSystemdTools(t)
	good := shipped(t, "edge-agent.service")
	for _, c := range []struct{ name, old, new, want string }{
		{"misspelt key", "\nWatchdogSec=30s\n", "\nWatchdogSecs=30s\n", "Unknown key 'WatchdogSecs'"},
		{"bad value", "\nType=notify\n", "\nType=notifyy\n", "notifyy"},
		{"bad restart", "\nRestart=on-failure\n", "\nRestart=sometimes\n", "sometimes"},
		{"missing reload binary", "\nExecReload=/bin/kill ", "\nExecReload=/nonexistent/kill ", "/nonexistent/kill"},
		{"bad device rights", "\nDeviceAllow=char-drm rw\n", "\nDeviceAllow=char-drm rwz\n", "rwz"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.old) {
				t.Fatalf("the shipped unit has no %q to break", c.old)
			}
			broken := filepath.Join(t.TempDir(), "edge-agent.service")
			if err := os.WriteFile(broken, []byte(strings.Replace(good, c.old, c.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := runMake(t, "verify-systemd", "UNIT_SRC="+broken)
			if err == nil {
				t.Fatalf("make verify-systemd accepted a unit with %s:\n%s", c.name, out)
			}
			if !strings.Contains(out, "verify-systemd: FAIL") || !strings.Contains(out, c.want) {
				t.Fatalf("make verify-systemd output does not name the error %q:\n%s", c.want, out)
			}
		})
	}
}

func TestVerifySystemdSkipsOrFailsWithoutSystemdAnalyze(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		out, err := runMake(t, "verify-systemd", "SYSTEMD_ANALYZE=no-such-systemd-analyze")
		if ci == "true" {
			if err == nil || !strings.Contains(out, "verify-systemd: FAIL: not found: no-such-systemd-analyze") {
				t.Fatalf("CI=true, systemd-analyze missing: err %v, output:\n%s", err, out)
			}
			continue
		}
		if err != nil || !strings.Contains(out, "verify-systemd: skipped") {
			t.Fatalf("systemd-analyze missing: err %v, want a skip line, output:\n%s", err, out)
		}
	}
}

func TestInstallLayout(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("device: {id: test}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ prefix, bin string }{{"/usr", "/usr/bin"}, {"/usr/local", "/usr/local/bin"}} {
		t.Run(c.prefix, func(t *testing.T) {
			dest := t.TempDir()
			out, err := runMake(t, "install-systemd", "install-config", "DESTDIR="+dest, "PREFIX="+c.prefix, "CONFIG_SRC="+config)
			if err != nil {
				t.Fatalf("make install: %v\n%s", err, out)
			}
			files := map[string]os.FileMode{
				c.prefix + "/lib/systemd/system/edge-agent.service": 0o644,
				c.prefix + "/lib/sysusers.d/edge-agent.conf":        0o644,
				c.prefix + "/lib/tmpfiles.d/edge-agent.conf":        0o644,
				"/etc/edge-agent/config.yaml":                       0o640,
			}
			for p, mode := range files {
				fi, err := os.Stat(filepath.Join(dest, p))
				if err != nil {
					t.Errorf("not installed: %v", err)
					continue
				}
				if fi.Mode().Perm() != mode {
					t.Errorf("%s has mode %04o, want %04o", p, fi.Mode().Perm(), mode)
				}
			}
			unit, err := os.ReadFile(filepath.Join(dest, c.prefix, "lib/systemd/system/edge-agent.service"))
			if err != nil {
				t.Fatal(err)
			}
			want := "\nExecStart=" + c.bin + "/edge-agent run --config /etc/edge-agent/config.yaml\n"
			if !strings.Contains(string(unit), want) {
				t.Fatalf("installed unit lacks %q", strings.TrimSpace(want))
			}
			// The rest of the unit is installed as shipped.
			shippedText := shipped(t, "edge-agent.service")
			if got := strings.Replace(string(unit), c.bin+"/edge-agent run", "/usr/bin/edge-agent run", 1); got != shippedText {
				t.Fatal("the installed unit differs from systemd/edge-agent.service beyond ExecStart")
			}

			// A second install keeps the user's config.
			cfg := filepath.Join(dest, "etc/edge-agent/config.yaml")
			if err := os.WriteFile(cfg, []byte("mine\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err = runMake(t, "install-config", "DESTDIR="+dest, "CONFIG_SRC="+config)
			if err != nil {
				t.Fatalf("second make install-config: %v\n%s", err, out)
			}
			if b, _ := os.ReadFile(cfg); string(b) != "mine\n" {
				t.Fatalf("make install overwrote an existing config: now %q", b)
			}
			if !strings.Contains(out, "keeping") {
				t.Fatalf("second install did not say it kept the config:\n%s", out)
			}
		})
	}
}

func TestInstallConfigNamesAMissingSource(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	out, err := runMake(t, "install-config", "DESTDIR="+t.TempDir(), "CONFIG_SRC="+missing)
	if err == nil || !strings.Contains(out, missing) {
		t.Fatalf("install-config from a missing file: err %v, output:\n%s", err, out)
	}
}
