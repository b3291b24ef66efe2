package unitcheck

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// execDirectory describes one of the unit's *Directory= settings: where its
// directories live and who owns them.
type execDirectory struct {
	key, modeKey, base string
	rootOwned          bool // ConfigurationDirectory= is root's, not User='s
}

var execDirectories = []execDirectory{
	{"RuntimeDirectory", "RuntimeDirectoryMode", "/run", false},
	{"StateDirectory", "StateDirectoryMode", "/var/lib", false},
	{"CacheDirectory", "CacheDirectoryMode", "/var/cache", false},
	{"LogsDirectory", "LogsDirectoryMode", "/var/log", false},
	{"ConfigurationDirectory", "ConfigurationDirectoryMode", "/etc", true},
}

// Coherence checks that a unit, its sysusers.d entries and its tmpfiles.d
// entries agree: the [Service] User=, Group= and SupplementaryGroups= exist
// in sysusers.d, and every RuntimeDirectory=, StateDirectory=,
// CacheDirectory=, LogsDirectory= and ConfigurationDirectory= is created by a
// tmpfiles.d "d"/"D" line with the unit's mode (systemd's default 0755 when
// no *DirectoryMode= is set) and owner (User= and Group=, root for the
// configuration directory). It returns every disagreement, joined.
func Coherence(u *Unit, users []SysusersEntry, tmpfiles []TmpfilesEntry) error {
	var errs []error
	user, _ := u.Last("Service", "User")
	group, _ := u.Last("Service", "Group")
	groups := Groups(users)
	if user != "" {
		if _, ok := User(users, user); !ok {
			errs = append(errs, fmt.Errorf("User=%s has no u line in sysusers.d", user))
		}
	}
	if group == "" {
		group = user
	}
	if group != "" && !groups[group] {
		errs = append(errs, fmt.Errorf("Group=%s is not created by sysusers.d", group))
	}
	for _, g := range u.Words("Service", "SupplementaryGroups") {
		if !groups[g] {
			errs = append(errs, fmt.Errorf("SupplementaryGroups= names %s, which sysusers.d does not declare", g))
		}
	}
	for _, d := range execDirectories {
		names := u.Words("Service", d.key)
		if len(names) == 0 {
			continue
		}
		mode := uint32(0o755)
		if m, ok := u.Last("Service", d.modeKey); ok {
			var err error
			if mode, err = ParseMode(m); err != nil {
				errs = append(errs, fmt.Errorf("%s=: %w", d.modeKey, err))
				continue
			}
		}
		owner, ownerGroup := user, group
		if d.rootOwned || user == "" {
			owner, ownerGroup = "root", "root"
		}
		for _, name := range names {
			if strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
				errs = append(errs, fmt.Errorf("%s=%s: not a relative path", d.key, name))
				continue
			}
			p := path.Join(d.base, name)
			e, ok := Entry(tmpfiles, p, "dD")
			if !ok {
				errs = append(errs, fmt.Errorf("%s=%s: tmpfiles.d has no d line for %s", d.key, name, p))
				continue
			}
			if m, err := ParseMode(e.Mode); e.Mode == "" || err != nil || m != mode {
				errs = append(errs, fmt.Errorf("%s=%s: tmpfiles.d line %d gives %s mode %q, the unit %04o", d.key, name, e.Line, p, e.Mode, mode))
			}
			if orDefault(e.User) != owner || orDefault(e.Group) != ownerGroup {
				errs = append(errs, fmt.Errorf("%s=%s: tmpfiles.d line %d gives %s to %s:%s, the unit to %s:%s",
					d.key, name, e.Line, p, orDefault(e.User), orDefault(e.Group), owner, ownerGroup))
			}
		}
	}
	return errors.Join(errs...)
}

// orDefault is tmpfiles.d's owner for an unset user or group field.
func orDefault(s string) string {
	if s == "" {
		return "root"
	}
	return s
}
