package unitcheck

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseUnit(t *testing.T) {
	u, err := ParseUnit(strings.NewReader(`# comment
; another comment
[Unit]
Description = edge agent

[Service]
Type=notify
ExecStart=/usr/bin/edge-agent run \
  # a comment inside a continuation is skipped
  --config /etc/edge-agent/config.yaml
CapabilityBoundingSet=
SupplementaryGroups=video
SupplementaryGroups=render dialout
Environment=A=1
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Assignment{
		{"Unit", "Description", "edge agent", 4},
		{"Service", "Type", "notify", 7},
		{"Service", "ExecStart", "/usr/bin/edge-agent run --config /etc/edge-agent/config.yaml", 8},
		{"Service", "CapabilityBoundingSet", "", 11},
		{"Service", "SupplementaryGroups", "video", 12},
		{"Service", "SupplementaryGroups", "render dialout", 13},
		{"Service", "Environment", "A=1", 14},
	}
	if !reflect.DeepEqual(u.Assignments, want) {
		t.Fatalf("got %#v\nwant %#v", u.Assignments, want)
	}
	if v, ok := u.Last("Service", "Type"); !ok || v != "notify" {
		t.Fatalf("Last(Type) = %q, %v", v, ok)
	}
	if _, ok := u.Last("Unit", "Type"); ok {
		t.Fatal("Last found Type in [Unit]")
	}
	if got := u.Words("Service", "SupplementaryGroups"); !reflect.DeepEqual(got, []string{"video", "render", "dialout"}) {
		t.Fatalf("Words(SupplementaryGroups) = %q", got)
	}
	if got := u.All("Service", "CapabilityBoundingSet"); !reflect.DeepEqual(got, []string{""}) {
		t.Fatalf("All(CapabilityBoundingSet) = %q, want one empty assignment", got)
	}
}

func TestUnitWordsEmptyAssignmentResets(t *testing.T) {
	u, err := ParseUnit(strings.NewReader("[Service]\nSupplementaryGroups=video\nSupplementaryGroups=\nSupplementaryGroups=render\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Words("Service", "SupplementaryGroups"); !reflect.DeepEqual(got, []string{"render"}) {
		t.Fatalf("Words = %q, want [render]", got)
	}
}

func TestParseUnitErrors(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"before section", "Type=notify\n", "line 1: assignment Type= before any [Section]"},
		{"no equals", "[Service]\nType notify\n", `line 2: "Type notify" is not a Key=Value`},
		{"empty key", "[Service]\n=notify\n", "line 2: assignment with an empty key"},
		{"space in key", "[Service]\nType Of=notify\n", `line 2: key "Type Of" contains white space`},
		{"bad header", "[Service\nType=notify\n", `line 1: malformed section header "[Service"`},
		{"empty header", "[]\n", "line 1: malformed section header"},
		{"long line", "[Service]\nX=" + strings.Repeat("a", maxLine+1) + "\n", "line 2:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseUnit(strings.NewReader(c.text))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestSplitFields(t *testing.T) {
	for _, c := range []struct {
		line string
		n    int
		want []string
	}{
		{`u edge-agent - "edge-agent inference agent" /var/lib/edge-agent`, 0,
			[]string{"u", "edge-agent", "-", "edge-agent inference agent", "/var/lib/edge-agent"}},
		{`g 'a b'  c\ d`, 0, []string{"g", "a b", "c d"}},
		{"f /p 0644 - - - hello  world ", 7, []string{"f", "/p", "0644", "-", "-", "-", "hello  world"}},
		{"d /run/x", 7, []string{"d", "/run/x"}},
	} {
		got, err := splitFields(c.line, c.n)
		if err != nil {
			t.Fatalf("%q: %v", c.line, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Fatalf("%q: got %q, want %q", c.line, got, c.want)
		}
	}
	for _, bad := range []string{`u "unterminated`, `u it\`} {
		if _, err := splitFields(bad, 0); err == nil {
			t.Fatalf("%q: no error", bad)
		}
	}
}

func TestParseSysusers(t *testing.T) {
	entries, err := ParseSysusers(`# comment
u edge-agent - "edge-agent inference agent" /var/lib/edge-agent
u other 990:wheel
g edge-agent-admin -
m edge-agent dialout
r - 500-900
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []SysusersEntry{
		{Type: "u", Name: "edge-agent", GECOS: "edge-agent inference agent", Home: "/var/lib/edge-agent", Line: 2},
		{Type: "u", Name: "other", ID: "990:wheel", Line: 3},
		{Type: "g", Name: "edge-agent-admin", Line: 4},
		{Type: "m", Name: "edge-agent", ID: "dialout", Line: 5},
		{Type: "r", Name: "", ID: "500-900", Line: 6},
	}
	if !reflect.DeepEqual(entries, want) {
		t.Fatalf("got %#v\nwant %#v", entries, want)
	}
	if _, ok := User(entries, "edge-agent"); !ok {
		t.Fatal("User(edge-agent) not found")
	}
	if _, ok := User(entries, "edge-agent-admin"); ok {
		t.Fatal("User found a group")
	}
	groups := Groups(entries)
	for _, g := range []string{"edge-agent", "edge-agent-admin", "wheel"} {
		if !groups[g] {
			t.Errorf("Groups lacks %s: %v", g, groups)
		}
	}
	if groups["other"] || groups["dialout"] {
		t.Errorf("Groups has a group no line creates: %v", groups)
	}
}

func TestParseSysusersErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"x edge-agent -\n", `line 1: unknown line type "x"`},
		{"# c\nu\n", "line 2: u line without a name"},
		{"g a/b\n", `invalid user or group name "a/b"`},
		{"m edge-agent\n", "m line for \"edge-agent\" without a group"},
		{"r -\n", "r line without an ID range"},
		{"u a - b c d e f\n", "8 fields, at most 6"},
		{`u a - "open` + "\n", "unterminated"},
	} {
		_, err := ParseSysusers(c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}

func TestParseTmpfiles(t *testing.T) {
	entries, err := ParseTmpfiles(`#Type Path Mode User Group Age Argument
d /var/lib/edge-agent 0750 edge-agent edge-agent -
z /etc/edge-agent/config.yaml ~0640 root edge-agent - -
L+ /run/link - - - - /target with space
d "/run/quoted dir"
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []TmpfilesEntry{
		{Type: "d", Path: "/var/lib/edge-agent", Mode: "0750", User: "edge-agent", Group: "edge-agent", Line: 2},
		{Type: "z", Path: "/etc/edge-agent/config.yaml", Mode: "~0640", User: "root", Group: "edge-agent", Line: 3},
		{Type: "L+", Path: "/run/link", Argument: "/target with space", Line: 4},
		{Type: "d", Path: "/run/quoted dir", Line: 5},
	}
	if !reflect.DeepEqual(entries, want) {
		t.Fatalf("got %#v\nwant %#v", entries, want)
	}
	if e, ok := Entry(entries, "/var/lib/edge-agent", "dD"); !ok || e.Line != 2 {
		t.Fatalf("Entry(/var/lib/edge-agent) = %+v, %v", e, ok)
	}
	if _, ok := Entry(entries, "/etc/edge-agent/config.yaml", "dD"); ok {
		t.Fatal("Entry matched a z line for types dD")
	}
	if m, err := ParseMode("~0640"); err != nil || m != 0o640 {
		t.Fatalf("ParseMode(~0640) = %o, %v", m, err)
	}
}

func TestParseTmpfilesErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"y /run/x\n", `line 1: unknown line type "y"`},
		{"dd /run/x\n", `unknown line type "dd"`},
		{"d\n", "d line without a path"},
		{"d run/x\n", `path "run/x" is not absolute`},
		{"d /run/x 0999\n", `mode "0999" is not an octal mode`},
		{"d /run/x 17777\n", `mode "17777"`},
		{`"" /run/x` + "\n", `unknown line type ""`},
	} {
		_, err := ParseTmpfiles(c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}
