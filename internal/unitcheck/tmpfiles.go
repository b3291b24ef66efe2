package unitcheck

import (
	"fmt"
	"strconv"
	"strings"
)

// TmpfilesEntry is one line of a tmpfiles.d(5) file. "-" fields are "".
type TmpfilesEntry struct {
	Type     string // the type letter with its modifiers, e.g. "d", "z", "L+"
	Path     string
	Mode     string // as written, e.g. "0750" or "~0644"
	User     string
	Group    string
	Age      string
	Argument string
	Line     int
}

// tmpfilesTypes are the type letters tmpfiles.d knows.
const tmpfilesTypes = "fFwdDevqQpLcbCxXrRzZtThHaA"

// ParseTmpfiles reads a tmpfiles.d file. An unknown type, a missing or
// relative path, a mode that is not octal, or an unterminated quote is an
// error naming the line.
func ParseTmpfiles(text string) ([]TmpfilesEntry, error) {
	var out []TmpfilesEntry
	err := dataLines(text, func(line string, no int) error {
		f, err := splitFields(line, 7)
		if err != nil {
			return err
		}
		f = append(f, make([]string, 7-len(f))...)
		e := TmpfilesEntry{Type: f[0], Path: f[1], Mode: unset(f[2]), User: unset(f[3]),
			Group: unset(f[4]), Age: unset(f[5]), Argument: unset(f[6]), Line: no}
		if e.Type == "" || !strings.ContainsRune(tmpfilesTypes, rune(e.Type[0])) || strings.Trim(e.Type[1:], "+!-=~^$?") != "" {
			return fmt.Errorf("unknown line type %q", e.Type)
		}
		if e.Path == "" {
			return fmt.Errorf("%s line without a path", e.Type)
		}
		if !strings.HasPrefix(e.Path, "/") && !strings.HasPrefix(e.Path, "%") {
			return fmt.Errorf("path %q is not absolute", e.Path)
		}
		if e.Mode != "" {
			if _, err := ParseMode(e.Mode); err != nil {
				return err
			}
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tmpfiles.d: %w", err)
	}
	return out, nil
}

// ParseMode reads an octal file mode such as "0750" (tmpfiles.d's "~" and
// ":" prefixes are accepted and dropped).
func ParseMode(s string) (uint32, error) {
	digits := strings.TrimLeft(s, "~:")
	m, err := strconv.ParseUint(digits, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("mode %q is not an octal mode up to 07777", s)
	}
	return uint32(m), nil
}

// Entry returns the last line for path whose type letter is one of types
// (tmpfiles.d applies the lines for a path in order).
func Entry(entries []TmpfilesEntry, path, types string) (TmpfilesEntry, bool) {
	var found TmpfilesEntry
	ok := false
	for _, e := range entries {
		if e.Path == path && strings.ContainsRune(types, rune(e.Type[0])) {
			found, ok = e, true
		}
	}
	return found, ok
}
