package unitcheck

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// shipped reads one of the files in systemd/.
func shipped(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "systemd", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func shippedUnit(t *testing.T) *Unit {
	t.Helper()
	u, err := ParseUnit(strings.NewReader(shipped(t, "edge-agent.service")))
	if err != nil {
		t.Fatalf("edge-agent.service: %v", err)
	}
	return u
}

func TestShippedUnitDirectives(t *testing.T) {
	u := shippedUnit(t)
	exact := []struct{ section, key, want string }{
		{"Service", "Type", "notify"},
		{"Service", "NotifyAccess", "main"},
		{"Service", "ExecStart", "/usr/bin/edge-agent run --config /etc/edge-agent/config.yaml"},
		{"Service", "ExecReload", "/bin/kill -HUP $MAINPID"},
		{"Service", "WatchdogSec", "30s"},
		{"Service", "Restart", "on-failure"},
		// 75 is agent.ExitRestart (agent/selfupdate.go): a self-update's
		// restart, a success that restarts.
		{"Service", "SuccessExitStatus", "75"},
		{"Service", "RestartForceExitStatus", "75"},
		{"Service", "RestartSec", "2s"},
		{"Service", "TimeoutStopSec", "30s"},
		{"Service", "User", "edge-agent"},
		{"Service", "Group", "edge-agent"},
		{"Service", "StateDirectory", "edge-agent"},
		{"Service", "StateDirectoryMode", "0750"},
		{"Service", "RuntimeDirectory", "edge-agent"},
		{"Service", "RuntimeDirectoryMode", "0750"},
		{"Service", "ConfigurationDirectory", "edge-agent"},
		{"Service", "NoNewPrivileges", "yes"},
		{"Service", "ProtectSystem", "strict"},
		{"Service", "ProtectHome", "yes"},
		{"Service", "PrivateTmp", "yes"},
		{"Service", "ProtectKernelTunables", "yes"},
		{"Service", "ProtectKernelModules", "yes"},
		{"Service", "ProtectControlGroups", "yes"},
		{"Service", "RestrictNamespaces", "yes"},
		{"Service", "LockPersonality", "yes"},
		{"Service", "MemoryDenyWriteExecute", "yes"},
		{"Service", "RestrictRealtime", "yes"},
		{"Service", "SystemCallArchitectures", "native"},
		{"Service", "CapabilityBoundingSet", ""},
		{"Service", "DevicePolicy", "closed"},
		{"Install", "WantedBy", "multi-user.target"},
	}
	for _, c := range exact {
		got, ok := u.Last(c.section, c.key)
		if !ok {
			t.Errorf("[%s] %s= missing", c.section, c.key)
			continue
		}
		if got != c.want {
			t.Errorf("[%s] %s=%s, want %s", c.section, c.key, got, c.want)
		}
	}
	for _, key := range []string{"StartLimitIntervalSec", "StartLimitBurst"} {
		if _, ok := u.Last("Unit", key); !ok {
			t.Errorf("[Unit] %s= missing (start-limit settings belong in [Unit])", key)
		}
	}

	groups := u.Words("Service", "SupplementaryGroups")
	for _, g := range []string{"video", "render"} {
		if !slices.Contains(groups, g) {
			t.Errorf("SupplementaryGroups=%s lacks %s", strings.Join(groups, " "), g)
		}
	}
	families := u.Words("Service", "RestrictAddressFamilies")
	if want := []string{"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"}; !slices.Equal(families, want) {
		t.Errorf("RestrictAddressFamilies=%v, want %v", families, want)
	}

	allow := u.All("Service", "DeviceAllow")
	for _, want := range []string{"char-apex rw", "char-hailo* rw", "char-drm rw", "char-accel rw", "char-nvidia* rw", "char-iio r"} {
		if !slices.Contains(allow, want) {
			t.Errorf("DeviceAllow=%s missing (have %q)", want, allow)
		}
	}
	for _, a := range allow {
		if strings.HasPrefix(a, "/dev/") {
			t.Errorf("DeviceAllow=%s: a node path warns at every start on machines without it; use the driver's char- group", a)
		}
	}
	// Settings that would break the agent.
	for _, key := range []string{"PrivateDevices", "PrivateUsers", "PrivateNetwork", "ProcSubset"} {
		if v, ok := u.Last("Service", key); ok {
			t.Errorf("%s=%s set: it hides accelerators, device groups, the broker or /proc/cpuinfo", key, v)
		}
	}
}

func TestShippedFilesAgree(t *testing.T) {
	u := shippedUnit(t)
	users, err := ParseSysusers(shipped(t, "edge-agent.sysusers"))
	if err != nil {
		t.Fatal(err)
	}
	tmpfiles, err := ParseTmpfiles(shipped(t, "edge-agent.tmpfiles"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Coherence(u, users, tmpfiles); err != nil {
		t.Fatalf("systemd/ files disagree:\n%v", err)
	}

	// The API socket's groups (socket.group, socket.admin_group defaults).
	groups := Groups(users)
	for _, g := range []string{"edge-agent", "edge-agent-admin"} {
		if !groups[g] {
			t.Errorf("sysusers.d does not create the %s group", g)
		}
	}
	// The config file: readable by the service's group, not writable by it.
	e, ok := Entry(tmpfiles, "/etc/edge-agent/config.yaml", "zZ")
	if !ok {
		t.Fatal("tmpfiles.d does not set the config file's owner and mode")
	}
	if e.Mode != "0640" || e.User != "root" || e.Group != "edge-agent" {
		t.Errorf("config.yaml: %s %s:%s, want 0640 root:edge-agent", e.Mode, e.User, e.Group)
	}
	// The user's home is its state directory.
	user, _ := User(users, "edge-agent")
	if user.Home != "/var/lib/edge-agent" {
		t.Errorf("edge-agent's home is %q, want /var/lib/edge-agent", user.Home)
	}
}

// TestShippedSelfUpdateDropIn checks the self-update drop-in: it resets
// ExecStart to the state-directory copy, which ExecStartPre seeds (as root)
// only when it is missing, owned by the service user.
func TestShippedSelfUpdateDropIn(t *testing.T) {
	u, err := ParseUnit(strings.NewReader(shipped(t, "self-update.conf")))
	if err != nil {
		t.Fatalf("self-update.conf: %v", err)
	}
	starts := u.All("Service", "ExecStart")
	if len(starts) != 2 || starts[0] != "" || starts[1] != "/var/lib/edge-agent/bin/edge-agent run --config /etc/edge-agent/config.yaml" {
		t.Fatalf("ExecStart lines %q: want a reset, then the state-directory copy", starts)
	}
	pre, ok := u.Last("Service", "ExecStartPre")
	if !ok || !strings.HasPrefix(pre, "+/bin/sh -c ") || !strings.Contains(pre, "test -x /var/lib/edge-agent/bin/edge-agent ||") ||
		!strings.Contains(pre, "-o edge-agent -g edge-agent") {
		t.Fatalf("ExecStartPre=%s", pre)
	}
	main := shippedUnit(t)
	if dir, _ := main.Last("Service", "StateDirectory"); dir != "edge-agent" {
		t.Fatalf("the drop-in's copy lives in StateDirectory=edge-agent, the unit has %q", dir)
	}
}
