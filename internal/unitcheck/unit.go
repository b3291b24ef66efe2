// Package unitcheck reads the systemd files the project ships in systemd/ (a
// unit file, a sysusers.d file and a tmpfiles.d file) and checks that they
// agree with each other: the unit's user and groups exist, and its
// StateDirectory=, RuntimeDirectory= and ConfigurationDirectory= are the
// directories tmpfiles.d creates, with the same owners and modes. Its tests
// check the shipped files and `make install` / `make verify-systemd`.
package unitcheck

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// maxLine bounds one physical line of the files read here.
const maxLine = 64 << 10

// Assignment is one Key=Value line of a unit file.
type Assignment struct {
	Section string // without the brackets, e.g. "Service"
	Key     string
	Value   string // continuation lines joined with a space; may be empty
	Line    int    // 1-based line where the assignment starts
}

// Unit is a parsed unit file: its assignments in file order.
type Unit struct {
	Assignments []Assignment
}

// ParseUnit reads a unit file as systemd.syntax(7) describes it: [Section]
// headers, Key=Value assignments (a trailing backslash continues the value
// on the next line, whose comment lines are skipped), and comment lines
// starting with '#' or ';'. An assignment before any section, a line without
// '=', an empty key or a malformed header is an error naming the line.
func ParseUnit(r io.Reader) (*Unit, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLine)
	u := &Unit{}
	section := ""
	lineNo := 0
	var pending *Assignment // an assignment continued by a trailing backslash
	for sc.Scan() {
		lineNo++
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if pending != nil {
			if strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
				continue
			}
			more, cont := strings.CutSuffix(line, `\`)
			pending.Value = strings.TrimRight(pending.Value, " \t") + " " + more
			if !cont {
				u.Assignments = append(u.Assignments, finish(*pending))
				pending = nil
			}
			continue
		}
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			continue
		case strings.HasPrefix(line, "["):
			name, ok := strings.CutSuffix(line, "]")
			name = strings.TrimPrefix(name, "[")
			if !ok || name == "" || strings.ContainsAny(name, "[]") {
				return nil, fmt.Errorf("line %d: malformed section header %q", lineNo, line)
			}
			section = name
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not a Key=Value assignment", lineNo, line)
		}
		key = strings.TrimSpace(key)
		if key == "" {
			return nil, fmt.Errorf("line %d: assignment with an empty key: %q", lineNo, line)
		}
		if strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("line %d: key %q contains white space", lineNo, key)
		}
		if section == "" {
			return nil, fmt.Errorf("line %d: assignment %s= before any [Section] header", lineNo, key)
		}
		a := Assignment{Section: section, Key: key, Value: strings.TrimSpace(value), Line: lineNo}
		if v, cont := strings.CutSuffix(a.Value, `\`); cont {
			a.Value = v
			pending = &a
			continue
		}
		u.Assignments = append(u.Assignments, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	if pending != nil {
		u.Assignments = append(u.Assignments, finish(*pending))
	}
	return u, nil
}

// finish trims a continued assignment's value.
func finish(a Assignment) Assignment {
	a.Value = strings.TrimSpace(a.Value)
	return a
}

// All returns every value assigned to key in section, in file order, empty
// assignments included (for list settings, systemd reads an empty one as
// "reset the list"; for CapabilityBoundingSet= it means "no capabilities").
func (u *Unit) All(section, key string) []string {
	var out []string
	for _, a := range u.Assignments {
		if a.Section == section && a.Key == key {
			out = append(out, a.Value)
		}
	}
	return out
}

// Last returns the value systemd uses for a single-valued setting: the last
// assignment's.
func (u *Unit) Last(section, key string) (string, bool) {
	all := u.All(section, key)
	if len(all) == 0 {
		return "", false
	}
	return all[len(all)-1], true
}

// Words returns the white-space-separated words of all of key's assignments
// in section, as systemd reads a list setting: an empty assignment drops the
// words before it.
func (u *Unit) Words(section, key string) []string {
	var out []string
	for _, v := range u.All(section, key) {
		if v == "" {
			out = nil
			continue
		}
		out = append(out, strings.Fields(v)...)
	}
	return out
}
