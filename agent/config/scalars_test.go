package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseSize(t *testing.T) {
	good := map[string]Size{
		"0": 0, "65536": 65536, "64KiB": 64 << 10, "64 KiB": 64 << 10, "64kib": 64 << 10,
		"64MiB": 64 << 20, "1GiB": 1 << 30, "2TiB": 2 << 40, "1.5MiB": 1536 << 10, "0.5KiB": 512,
		"1kB": 1000, "1KB": 1000, "1MB": 1e6, "1GB": 1e9, "1.5GB": 15e8, "3TB": 3e12, "12B": 12, " 7 ": 7,
		"9223372036854775807": 1<<63 - 1,
	}
	for in, want := range good {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                    "bad size",
		"MiB":                 "bad size",
		"-1":                  "negative",
		"-1KiB":               "negative",
		"1.2.3":               "bad size",
		"1.":                  "bad size",
		".5MiB":               "bad size",
		"10M":                 `unknown unit "M"`,
		"10 parsecs":          "unknown unit",
		"1e6":                 `unknown unit "e6"`,
		"0x10":                "unknown unit",
		"1.1B":                "not a whole number of bytes",
		"0.3KiB":              "not a whole number of bytes",
		"9223372036854775808": "too large",
		"9000000TiB":          "too large",
	}
	for in, want := range bad {
		if _, err := ParseSize(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSize(%q) error %v, want %q", in, err, want)
		}
	}
}

func TestSizeFormats(t *testing.T) {
	for s, want := range map[Size]string{0: "0", 1: "1", 1000: "1000", 1024: "1KiB", 64 << 20: "64MiB", 1536 << 10: "1536KiB", 3 << 30: "3GiB", 5 << 40: "5TiB"} {
		if got := s.String(); got != want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(s), got, want)
		}
		back, err := ParseSize(want)
		if err != nil || back != s {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", want, back, err, s)
		}
	}
	b, err := json.Marshal(Size(64 << 10))
	if err != nil || string(b) != "65536" {
		t.Errorf("JSON %s, %v", b, err)
	}
	var s Size
	for in, want := range map[string]Size{`65536`: 65536, `"64KiB"`: 64 << 10} {
		if err := json.Unmarshal([]byte(in), &s); err != nil || s != want {
			t.Errorf("json %s -> %d, %v", in, s, err)
		}
	}
	for _, in := range []string{`-1`, `1.5`, `"lots"`, `true`, `{}`} {
		if err := json.Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("json %s accepted as %d", in, s)
		}
	}
	y, err := yaml.Marshal(struct{ A, B Size }{64 << 20, 1000})
	if err != nil || string(y) != "a: 64MiB\nb: 1000\n" {
		t.Errorf("YAML %q, %v", y, err)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"10s": 10 * time.Second, "1m30s": 90 * time.Second, "250ms": 250 * time.Millisecond, "0": 0, "0s": 0, "-1s": -time.Second, " 2h ": 2 * time.Hour} {
		d, err := ParseDuration(in)
		if err != nil || d.Duration() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, d, err, want)
		}
	}
	for in, want := range map[string]string{"30": `has no unit (write e.g. "30s")`, "1.5": "has no unit", "ten seconds": "bad duration", "": "bad duration", "5 s": "bad duration"} {
		if _, err := ParseDuration(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDuration(%q) error %v, want %q", in, err, want)
		}
	}
	b, _ := json.Marshal(Duration(90 * time.Second))
	if string(b) != `"1m30s"` {
		t.Errorf("JSON %s", b)
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"1m30s"`), &d); err != nil || d != Duration(90*time.Second) {
		t.Errorf("JSON back: %v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`90`), &d); err == nil {
		t.Error("a JSON number was taken as a duration")
	}
	var v struct{ D Duration }
	if err := yaml.Unmarshal([]byte("d: {a: 1}"), &v); err == nil {
		t.Error("a mapping was taken as a duration")
	}
}

func TestThreads(t *testing.T) {
	for in, want := range map[string]Threads{"auto": AutoThreads, "AUTO": AutoThreads, "1": 1, "4": 4} {
		got, err := parseThreads(in)
		if err != nil || got != want {
			t.Errorf("parseThreads(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"0", "-2", "x", "1.5", ""} {
		if _, err := parseThreads(in); err == nil {
			t.Errorf("parseThreads(%q) accepted", in)
		}
	}
	if AutoThreads.Count(6) != 6 || Threads(2).Count(6) != 2 {
		t.Error("Count")
	}
	for th, want := range map[Threads]string{AutoThreads: `"auto"`, 3: `3`} {
		b, _ := json.Marshal(th)
		if string(b) != want {
			t.Errorf("JSON of %v = %s, want %s", th, b, want)
		}
		var back Threads
		if err := json.Unmarshal(b, &back); err != nil || back != th {
			t.Errorf("JSON back %s: %v, %v", b, back, err)
		}
	}
	y, _ := yaml.Marshal(struct{ A, B Threads }{AutoThreads, 2})
	if string(y) != "a: auto\nb: 2\n" {
		t.Errorf("YAML %q", y)
	}
}

func TestFileMode(t *testing.T) {
	for in, want := range map[string]FileMode{"0660": 0o660, "0600": 0o600, "0o644": 0o644, "0": 0, "0777": 0o777, "00660": 0o660} {
		got, err := ParseFileMode(in)
		if err != nil || got != want {
			t.Errorf("ParseFileMode(%q) = %o, %v", in, got, err)
		}
	}
	for in, want := range map[string]string{"660": "leading 0", "0o": "not an octal", "0889": "not an octal", "01777": "at most 0777", "rw-rw----": "leading 0", "0o99999999999": "not an octal"} {
		if _, err := ParseFileMode(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFileMode(%q) error %v, want %q", in, err, want)
		}
	}
	// Unquoted in YAML, 0660 is still read as written (octal).
	var v struct{ Mode FileMode }
	if err := yaml.Unmarshal([]byte("mode: 0660\n"), &v); err != nil || v.Mode != 0o660 {
		t.Errorf("unquoted mode: %o, %v", v.Mode, err)
	}
	if FileMode(0o660).Perm().String() != "-rw-rw----" {
		t.Errorf("Perm %v", FileMode(0o660).Perm())
	}
	b, _ := json.Marshal(FileMode(0o640))
	if string(b) != `"0640"` {
		t.Errorf("JSON %s", b)
	}
	var m FileMode
	if err := json.Unmarshal([]byte(`"0640"`), &m); err != nil || m != 0o640 {
		t.Errorf("JSON back %o %v", m, err)
	}
	if err := json.Unmarshal([]byte(`416`), &m); err == nil {
		t.Error("a JSON number was taken as a mode")
	}
}
