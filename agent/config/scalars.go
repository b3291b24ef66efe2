package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as a Go duration string ("10s",
// "1m30s", "250ms") in YAML and JSON.
type Duration time.Duration

// Duration returns d as a time.Duration.
func (d Duration) Duration() time.Duration { return time.Duration(d) }

// String formats d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// ParseDuration parses a Go duration string; a bare number other than 0 is
// refused (it has no unit).
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	v, err := time.ParseDuration(t)
	if err == nil {
		return Duration(v), nil
	}
	if _, nerr := strconv.ParseFloat(t, 64); nerr == nil {
		return 0, fmt.Errorf("duration %q has no unit (write e.g. %q)", s, t+"s")
	}
	return 0, fmt.Errorf("bad duration %q (want e.g. 500ms, 10s, 5m, 1h30m)", s)
}

// UnmarshalYAML reads a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a duration such as 10s")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("want a duration string such as \"10s\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Size is a number of bytes. YAML takes an integer or a string with a unit:
// B, KiB, MiB, GiB, TiB (powers of 1024) or kB, MB, GB, TB (powers of
// 1000), e.g. "64MiB", "1.5MiB", "1GB". JSON writes the integer.
type Size int64

// Int64 returns s as an int64.
func (s Size) Int64() int64 { return int64(s) }

// sizeUnit returns the bytes in one unit (case-insensitive), or false.
func sizeUnit(u string) (int64, bool) {
	switch strings.ToLower(u) {
	case "", "b":
		return 1, true
	case "kb":
		return 1e3, true
	case "mb":
		return 1e6, true
	case "gb":
		return 1e9, true
	case "tb":
		return 1e12, true
	case "kib":
		return 1 << 10, true
	case "mib":
		return 1 << 20, true
	case "gib":
		return 1 << 30, true
	case "tib":
		return 1 << 40, true
	}
	return 0, false
}

// ParseSize parses a byte count: an integer, or a number (decimals
// allowed) followed by a unit. The result must be a whole, non-negative
// number of bytes that fits in an int64.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	if num == "" || strings.Count(num, ".") > 1 || strings.HasPrefix(num, ".") || strings.HasSuffix(num, ".") {
		return 0, fmt.Errorf("bad size %q (want bytes, or e.g. 512KiB, 64MiB, 1GB)", s)
	}
	mult, ok := sizeUnit(unit)
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (use B, KiB, MiB, GiB, TiB, kB, MB, GB or TB)", s, unit)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("bad size %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	}
	n := r.Num()
	if !n.IsInt64() {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return Size(n.Int64()), nil
}

// String writes s with the largest IEC unit that divides it exactly
// ("64MiB"), or as a plain byte count.
func (s Size) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.n == 0 {
			return strconv.FormatInt(int64(s)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// UnmarshalYAML reads an integer or a size string.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a size such as 65536 or 64KiB")
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalYAML writes s as String does (an integer when it has no unit).
func (s Size) MarshalYAML() (any, error) {
	if str := s.String(); strings.HasSuffix(str, "B") {
		return str, nil
	}
	return int64(s), nil
}

// MarshalJSON writes the byte count.
func (s Size) MarshalJSON() ([]byte, error) { return []byte(strconv.FormatInt(int64(s), 10)), nil }

// UnmarshalJSON reads a byte count or a size string.
func (s *Size) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("want a byte count or a size string")
		}
		str = n.String()
	}
	v, err := ParseSize(str)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Threads is an interpreter thread count; AutoThreads (0, "auto" in YAML
// and JSON) lets the agent choose.
type Threads int

// AutoThreads is "auto".
const AutoThreads Threads = 0

// Count returns t, or auto when t is AutoThreads.
func (t Threads) Count(auto int) int {
	if t == AutoThreads {
		return auto
	}
	return int(t)
}

// String returns "auto" or the number.
func (t Threads) String() string {
	if t == AutoThreads {
		return "auto"
	}
	return strconv.Itoa(int(t))
}

func parseThreads(s string) (Threads, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "auto") {
		return AutoThreads, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("threads %q: want an integer >= 1 or \"auto\"", s)
	}
	return Threads(n), nil
}

// UnmarshalYAML reads an integer >= 1 or "auto".
func (t *Threads) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want an integer >= 1 or \"auto\"")
	}
	v, err := parseThreads(n.Value)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalYAML writes "auto" or the number.
func (t Threads) MarshalYAML() (any, error) {
	if t == AutoThreads {
		return "auto", nil
	}
	return int(t), nil
}

// MarshalJSON writes "auto" or the number.
func (t Threads) MarshalJSON() ([]byte, error) {
	if t == AutoThreads {
		return []byte(`"auto"`), nil
	}
	return []byte(strconv.Itoa(int(t))), nil
}

// UnmarshalJSON reads "auto" or a number >= 1.
func (t *Threads) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		s = string(b)
	}
	v, err := parseThreads(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// FileMode is a file's permission bits, written as an octal string with a
// leading 0 ("0660") in YAML and JSON.
type FileMode uint32

// Perm returns m as an fs.FileMode.
func (m FileMode) Perm() fs.FileMode { return fs.FileMode(m) & fs.ModePerm }

// String writes m in octal with a leading 0, e.g. "0660".
func (m FileMode) String() string { return fmt.Sprintf("%04o", uint32(m)) }

// ParseFileMode parses an octal mode with a leading 0 or 0o, at most 0777.
func ParseFileMode(s string) (FileMode, error) {
	t := strings.TrimSpace(s)
	digits, ok := strings.CutPrefix(strings.ToLower(t), "0o")
	if !ok {
		if !strings.HasPrefix(t, "0") {
			return 0, fmt.Errorf("mode %q: write it in octal with a leading 0, e.g. \"0660\"", s)
		}
		digits = t
	}
	v, err := strconv.ParseUint(digits, 8, 32)
	if err != nil || digits == "" {
		return 0, fmt.Errorf("mode %q is not an octal number such as \"0660\"", s)
	}
	if v > 0o777 {
		return 0, fmt.Errorf("mode %q: only permission bits are allowed (at most 0777)", s)
	}
	return FileMode(v), nil
}

// UnmarshalYAML reads an octal mode. The node's text is used as written,
// so an unquoted 0660 is read as octal too.
func (m *FileMode) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want an octal mode such as \"0660\"")
	}
	v, err := ParseFileMode(n.Value)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalYAML writes the octal string.
func (m FileMode) MarshalYAML() (any, error) { return m.String(), nil }

// MarshalJSON writes the octal string.
func (m FileMode) MarshalJSON() ([]byte, error) { return json.Marshal(m.String()) }

// UnmarshalJSON reads the octal string.
func (m *FileMode) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("want an octal mode string such as \"0660\"")
	}
	v, err := ParseFileMode(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
