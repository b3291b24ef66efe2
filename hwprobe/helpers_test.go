package hwprobe

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// tree writes a synthetic /proc, /sys, /dev, /etc tree into a temporary
// directory and returns its root. Keys are absolute paths inside the root;
// a value starting with "->" makes a symlink to the rest of the value;
// a key ending in "/" makes an empty directory; "<dev>" makes an empty
// file standing in for a device node.
func tree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		host := filepath.Join(root, filepath.FromSlash(p))
		if p[len(p)-1] == '/' {
			if err := os.MkdirAll(host, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			t.Fatal(err)
		}
		if len(content) > 2 && content[:2] == "->" {
			if err := os.Symlink(content[2:], host); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if content == "<dev>" {
			content = ""
		}
		if err := os.WriteFile(host, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// probeTree probes a root with the given collectors only.
func probeTree(t testing.TB, root string, only ...string) *Profile {
	t.Helper()
	p, err := Probe(context.Background(), Options{Root: root, Only: only})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fixture returns the path of a shared fixture tree (../shared/fixtures/hwprobe/NAME).
func fixture(t testing.TB, name string) string {
	t.Helper()
	return testenv.Shared(t, "fixtures", "hwprobe", name)
}

// checkState fails the test unless the named collector reported want.
func checkState(t testing.TB, p *Profile, name string, want State) Check {
	t.Helper()
	c, ok := p.Check(name)
	if !ok {
		t.Fatalf("collector %s did not run (checks: %+v)", name, p.Checks)
	}
	if c.State != want {
		t.Fatalf("collector %s: state %s (%s), want %s", name, c.State, c.Reason, want)
	}
	return c
}
