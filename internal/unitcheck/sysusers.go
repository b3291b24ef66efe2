package unitcheck

import (
	"fmt"
	"strings"
)

// SysusersEntry is one line of a sysusers.d(5) file. "-" fields are "".
type SysusersEntry struct {
	Type  string // "u" (user and its group), "g" (group), "m" (membership), "r" (ID range); "u!" too
	Name  string // the user or group; for "m" the user
	ID    string // UID/GID, "uid:gid", a path, or for "m" the group
	GECOS string
	Home  string
	Shell string
	Line  int
}

// ParseSysusers reads a sysusers.d file. A line with an unknown type, a
// missing name, or an unterminated quote is an error naming the line.
func ParseSysusers(text string) ([]SysusersEntry, error) {
	var out []SysusersEntry
	err := dataLines(text, func(line string, no int) error {
		f, err := splitFields(line, 0)
		if err != nil {
			return err
		}
		if len(f) > 6 {
			return fmt.Errorf("%d fields, at most 6 (Type Name ID GECOS Home Shell)", len(f))
		}
		f = append(f, make([]string, 6-len(f))...)
		e := SysusersEntry{Type: f[0], Name: unset(f[1]), ID: unset(f[2]), GECOS: unset(f[3]),
			Home: unset(f[4]), Shell: unset(f[5]), Line: no}
		switch e.Type {
		case "u", "u!", "g", "m":
			if e.Name == "" {
				return fmt.Errorf("%s line without a name", e.Type)
			}
			if strings.ContainsAny(e.Name, ":/") {
				return fmt.Errorf("invalid user or group name %q", e.Name)
			}
			if e.Type == "m" && e.ID == "" {
				return fmt.Errorf("m line for %q without a group", e.Name)
			}
		case "r":
			if e.ID == "" {
				return fmt.Errorf("r line without an ID range")
			}
		default:
			return fmt.Errorf("unknown line type %q (want u, g, m or r)", e.Type)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sysusers.d: %w", err)
	}
	return out, nil
}

// User returns the "u" entry for name.
func User(entries []SysusersEntry, name string) (SysusersEntry, bool) {
	for _, e := range entries {
		if (e.Type == "u" || e.Type == "u!") && e.Name == name {
			return e, true
		}
	}
	return SysusersEntry{}, false
}

// Groups returns the groups the entries create: "g" lines, and the group of
// the same name each "u" line creates unless its ID names another group
// ("uid:group").
func Groups(entries []SysusersEntry) map[string]bool {
	out := map[string]bool{}
	for _, e := range entries {
		switch e.Type {
		case "g":
			out[e.Name] = true
		case "u", "u!":
			if _, gid, ok := strings.Cut(e.ID, ":"); ok && gid != "" {
				if !isNumber(gid) {
					out[gid] = true
				}
				continue
			}
			out[e.Name] = true
		}
	}
	return out
}

func isNumber(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
