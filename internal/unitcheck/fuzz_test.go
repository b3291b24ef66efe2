package unitcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// seedShipped adds the shipped file name to a fuzz corpus.
func seedShipped(f *testing.F, name string) {
	b, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(f), "systemd", name))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
}

func FuzzParseUnit(f *testing.F) {
	seedShipped(f, "edge-agent.service")
	f.Add("[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true \\\n  # c\n  arg\n")
	f.Add("[Service]\nSupplementaryGroups=\nDeviceAllow=char-drm rw\n;comment\n")
	f.Add("Type=notify\n")
	f.Add("[Service\n")
	f.Fuzz(func(t *testing.T, text string) {
		u, err := ParseUnit(strings.NewReader(text))
		if err != nil {
			if u != nil {
				t.Fatal("ParseUnit returned a unit with an error")
			}
			return
		}
		last := 0
		for _, a := range u.Assignments {
			if a.Section == "" || a.Key == "" || strings.ContainsAny(a.Key, " \t=\n") {
				t.Fatalf("bad assignment %+v", a)
			}
			if strings.Contains(a.Value, "\n") || a.Value != strings.TrimSpace(a.Value) {
				t.Fatalf("value %q not one trimmed line", a.Value)
			}
			if a.Line <= last {
				t.Fatalf("line numbers not increasing: %d after %d", a.Line, last)
			}
			last = a.Line
			all := u.All(a.Section, a.Key)
			if v, ok := u.Last(a.Section, a.Key); !ok || v != all[len(all)-1] {
				t.Fatalf("Last(%s, %s) = %q, %v", a.Section, a.Key, v, ok)
			}
		}
	})
}

func FuzzParseSysusers(f *testing.F) {
	seedShipped(f, "edge-agent.sysusers")
	f.Add("u svc 990:svc \"Service user\" /var/lib/svc /usr/sbin/nologin\nm svc dialout\nr - 500-900\n")
	f.Add("g 'a b' -\nu\n")
	f.Fuzz(func(t *testing.T, text string) {
		entries, err := ParseSysusers(text)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Type != "r" && e.Name == "" {
				t.Fatalf("entry without a name: %+v", e)
			}
		}
		groups := Groups(entries)
		for _, e := range entries {
			if e.Type == "g" && !groups[e.Name] {
				t.Fatalf("Groups lacks g line %q", e.Name)
			}
		}
	})
}

func FuzzParseTmpfiles(f *testing.F) {
	seedShipped(f, "edge-agent.tmpfiles")
	f.Add("L+ /run/link - - - - /target\nf /etc/x 0644 root root - hello world\nz /a ~0640 - - -\n")
	f.Add("d \"/run/quoted dir\" 0750\nd run/x\n")
	f.Fuzz(func(t *testing.T, text string) {
		entries, err := ParseTmpfiles(text)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Type == "" || e.Path == "" {
				t.Fatalf("entry without a type or path: %+v", e)
			}
			if e.Mode != "" {
				if m, err := ParseMode(e.Mode); err != nil || m > 0o7777 {
					t.Fatalf("accepted mode %q: %o, %v", e.Mode, m, err)
				}
			}
		}
	})
}
