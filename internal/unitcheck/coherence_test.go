package unitcheck

import (
	"strings"
	"testing"
)

const (
	coherentUnit = `[Service]
User=svc
Group=svc
SupplementaryGroups=video render
StateDirectory=svc
StateDirectoryMode=0750
RuntimeDirectory=svc
RuntimeDirectoryMode=0750
ConfigurationDirectory=svc
`
	coherentSysusers = "u svc -\ng video -\ng render -\n"
	coherentTmpfiles = `d /var/lib/svc 0750 svc svc -
d /run/svc 0750 svc svc -
d /etc/svc 0755 root root -
`
)

func coherence(t *testing.T, unit, sysusers, tmpfiles string) error {
	t.Helper()
	u, err := ParseUnit(strings.NewReader(unit))
	if err != nil {
		t.Fatal(err)
	}
	su, err := ParseSysusers(sysusers)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := ParseTmpfiles(tmpfiles)
	if err != nil {
		t.Fatal(err)
	}
	return Coherence(u, su, tf)
}

func TestCoherenceAccepts(t *testing.T) {
	if err := coherence(t, coherentUnit, coherentSysusers, coherentTmpfiles); err != nil {
		t.Fatal(err)
	}
	// Without *DirectoryMode= systemd uses 0755.
	unit := strings.ReplaceAll(strings.ReplaceAll(coherentUnit, "StateDirectoryMode=0750\n", ""), "RuntimeDirectoryMode=0750\n", "")
	tmpfiles := strings.ReplaceAll(coherentTmpfiles, "0750", "0755")
	if err := coherence(t, unit, coherentSysusers, tmpfiles); err != nil {
		t.Fatal(err)
	}
}

func TestCoherenceFindsDisagreements(t *testing.T) {
	for _, c := range []struct {
		name                     string
		unit, sysusers, tmpfiles string
		want                     string
	}{
		{"unknown user", strings.Replace(coherentUnit, "User=svc", "User=nobody2", 1), coherentSysusers, coherentTmpfiles,
			"User=nobody2 has no u line"},
		{"unknown group", strings.Replace(coherentUnit, "Group=svc", "Group=staff", 1), coherentSysusers, coherentTmpfiles,
			"Group=staff is not created"},
		{"supplementary group", coherentUnit, "u svc -\ng video -\n", coherentTmpfiles,
			"SupplementaryGroups= names render"},
		{"state mode", coherentUnit, coherentSysusers, strings.Replace(coherentTmpfiles, "/var/lib/svc 0750", "/var/lib/svc 0755", 1),
			`gives /var/lib/svc mode "0755", the unit 0750`},
		{"runtime owner", coherentUnit, coherentSysusers, strings.Replace(coherentTmpfiles, "/run/svc 0750 svc svc", "/run/svc 0750 root svc", 1),
			"gives /run/svc to root:svc, the unit to svc:svc"},
		{"runtime missing", coherentUnit, coherentSysusers, "d /var/lib/svc 0750 svc svc -\nd /etc/svc 0755 - -\n",
			"tmpfiles.d has no d line for /run/svc"},
		{"config owned by the user", coherentUnit, coherentSysusers, strings.Replace(coherentTmpfiles, "/etc/svc 0755 root root", "/etc/svc 0755 svc svc", 1),
			"gives /etc/svc to svc:svc, the unit to root:root"},
		{"mode unset", coherentUnit, coherentSysusers, strings.Replace(coherentTmpfiles, "/run/svc 0750", "/run/svc -", 1),
			`gives /run/svc mode ""`},
		{"bad unit mode", strings.Replace(coherentUnit, "StateDirectoryMode=0750", "StateDirectoryMode=rwx", 1), coherentSysusers, coherentTmpfiles,
			`StateDirectoryMode=: mode "rwx"`},
		{"absolute directory", strings.Replace(coherentUnit, "StateDirectory=svc", "StateDirectory=/srv/svc", 1), coherentSysusers, coherentTmpfiles,
			"StateDirectory=/srv/svc: not a relative path"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := coherence(t, c.unit, c.sysusers, c.tmpfiles)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
