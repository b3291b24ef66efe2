package sensor

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// iioDevicesDir is where the kernel lists IIO devices, under a root.
func iioDevicesDir(root string) string {
	return filepath.Join(root, "sys", "bus", "iio", "devices")
}

// findIIODevice returns the folder of the IIO device named by device: its
// folder name (iio:device0) or the content of its name attribute. An
// error lists the devices there are.
func findIIODevice(root, device string) (string, error) {
	base := iioDevicesDir(root)
	if !strings.ContainsRune(device, '/') && device != "." && device != ".." {
		if st, err := os.Stat(filepath.Join(base, device)); err == nil && st.IsDir() {
			return filepath.Join(base, device), nil
		}
	}
	entries, err := os.ReadDir(base)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("iio: list devices: %w", err)
	}
	var found, matches []string
	for _, e := range entries {
		name := readIIOName(filepath.Join(base, e.Name()))
		if name == device {
			matches = append(matches, e.Name())
		}
		if name == "" {
			found = append(found, e.Name())
		} else {
			found = append(found, fmt.Sprintf("%s (%s)", e.Name(), name))
		}
	}
	switch {
	case len(matches) == 1:
		return filepath.Join(base, matches[0]), nil
	case len(matches) > 1:
		return "", fmt.Errorf("iio: %d devices are named %q (%s): name the device's folder instead",
			len(matches), device, strings.Join(matches, ", "))
	case len(found) == 0:
		return "", fmt.Errorf("iio: device %q not found: there are no IIO devices in %s", device, base)
	}
	return "", fmt.Errorf("iio: device %q not found in %s; there are: %s", device, base, strings.Join(found, ", "))
}

// readIIOName returns a device's name attribute, "" when it has none.
func readIIOName(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "name"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// discoverIIOChannels lists a device's channels: every in_<c>_raw or
// in_<c>_input, sorted.
func discoverIIOChannels(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("iio: %w", err)
	}
	seen := map[string]bool{}
	var chans []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, "in_") {
			continue
		}
		for _, suffix := range []string{"_raw", "_input"} {
			if c, ok := strings.CutSuffix(n[len("in_"):], suffix); ok && c != "" && !seen[c] {
				seen[c] = true
				chans = append(chans, c)
			}
		}
	}
	if len(chans) == 0 {
		return nil, fmt.Errorf("iio: %s has no in_*_raw or in_*_input channels", dir)
	}
	sort.Strings(chans)
	return chans, nil
}

// iioChannel is one channel's value file and calibration.
type iioChannel struct {
	name       string
	valuePath  string // in_<c>_raw or in_<c>_input
	processed  bool   // in_<c>_input: no scale or offset
	scalePath  string // "" when none: scale 1
	offsetPath string // "" when none: offset 0
	scale      float64
	offset     float64
}

// iioAttrCandidates returns the attribute prefixes that may hold a
// channel's shared attributes, most specific first: the channel itself
// (accel_x), then its type (accel) by dropping "_modifier" parts from the
// right, each also without a trailing index (voltage0 -> voltage).
func iioAttrCandidates(c string) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for p := c; p != ""; {
		add(p)
		add(strings.TrimRight(p, "0123456789"))
		i := strings.LastIndexByte(p, '_')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return out
}

// resolveIIOChannel finds channel c's files in dir and reads its scale
// and offset.
func resolveIIOChannel(dir, c string) (iioChannel, error) {
	ch := iioChannel{name: c, scale: 1}
	if strings.ContainsAny(c, "/\x00") || c == "" {
		return ch, fmt.Errorf("iio: bad channel name %q", c)
	}
	raw := filepath.Join(dir, "in_"+c+"_raw")
	input := filepath.Join(dir, "in_"+c+"_input")
	switch {
	case fileExists(raw):
		ch.valuePath = raw
	case fileExists(input):
		ch.valuePath, ch.processed = input, true
		return ch, nil
	default:
		return ch, fmt.Errorf("iio: channel %q: neither in_%s_raw nor in_%s_input in %s", c, c, c, dir)
	}
	for _, p := range iioAttrCandidates(c) {
		if path := filepath.Join(dir, "in_"+p+"_scale"); ch.scalePath == "" && fileExists(path) {
			ch.scalePath = path
		}
		if path := filepath.Join(dir, "in_"+p+"_offset"); ch.offsetPath == "" && fileExists(path) {
			ch.offsetPath = path
		}
	}
	var err error
	if ch.scalePath != "" {
		if ch.scale, err = readSysfsValue(ch.scalePath); err != nil {
			return ch, err
		}
	}
	if ch.offsetPath != "" {
		if ch.offset, err = readSysfsValue(ch.offsetPath); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

// read returns the channel's value: (raw + offset) · scale, or the
// processed input as it is.
func (ch *iioChannel) read() (float64, error) {
	v, err := readSysfsValue(ch.valuePath)
	if err != nil {
		return 0, err
	}
	if ch.processed {
		return v, nil
	}
	return (v + ch.offset) * ch.scale, nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// readSysfsValue reads a numeric sysfs attribute.
func readSysfsValue(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("iio: %w", err)
	}
	v, err := parseSysfsValue(b)
	if err != nil {
		return 0, fmt.Errorf("iio: %s: %w", path, err)
	}
	return v, nil
}

// parseSysfsValue parses one number as the kernel writes it to a sysfs
// attribute: an integer (raw values) or a decimal (scale, offset,
// processed values such as "0.000598" or "-15887.515151"), followed by a
// newline. Surrounding whitespace is ignored; anything else, several
// numbers, or a value that is not finite is an error.
func parseSysfsValue(b []byte) (float64, error) {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return 0, errors.New("empty value")
	}
	if len(s) > 64 {
		return 0, fmt.Errorf("value %.20q... is too long", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return 0, fmt.Errorf("value %q is not a number", s)
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("value %q is not a finite number", s)
	}
	return v, nil
}
