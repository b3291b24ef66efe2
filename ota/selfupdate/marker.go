package selfupdate

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/edge-agent/edge-agent/internal/fsutil"
)

// DefaultMaxStarts is the start limit Apply records in the marker, used by
// Boot when its caller passes no limit of its own.
const DefaultMaxStarts = 3

// maxMarkerSize bounds how much of a marker file is read: a real one is a
// few hundred bytes.
const maxMarkerSize = 64 << 10

// maxVersionLen bounds the version string recorded in a marker.
const maxVersionLen = 256

// Marker is the boot marker: the state of an update on trial.
type Marker struct {
	// Version is the new binary's version.
	Version string `json:"version"`
	// PreviousPath is where the previous binary is kept (TARGET.old).
	PreviousPath string `json:"previous_path"`
	// SHA256 is the new binary's digest, lower-case hex.
	SHA256 string `json:"sha256"`
	// Starts counts the new binary's starts without reporting healthy.
	Starts int `json:"starts"`
	// MaxStarts is the start limit recorded by Apply.
	MaxStarts int `json:"max_starts"`
}

// ParseMarker decodes and validates a boot marker's JSON. Unknown fields
// are ignored; trailing data, missing or invalid fields are errors wrapping
// ErrCorruptMarker.
func ParseMarker(data []byte) (Marker, error) {
	var m Marker
	if len(data) > maxMarkerSize {
		return Marker{}, fmt.Errorf("%w: %d bytes, more than %d", ErrCorruptMarker, len(data), maxMarkerSize)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&m); err != nil {
		return Marker{}, fmt.Errorf("%w: %v", ErrCorruptMarker, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Marker{}, fmt.Errorf("%w: data after the JSON object", ErrCorruptMarker)
	}
	if err := m.validate(); err != nil {
		return Marker{}, fmt.Errorf("%w: %v", ErrCorruptMarker, err)
	}
	return m, nil
}

// validate checks every field of m.
func (m Marker) validate() error {
	if err := validVersion(m.Version); err != nil {
		return err
	}
	if m.PreviousPath == "" {
		return errors.New("previous_path is empty")
	}
	if _, err := parseDigest(m.SHA256); err != nil {
		return fmt.Errorf("sha256: %v", err)
	}
	if m.Starts < 0 {
		return fmt.Errorf("starts is negative (%d)", m.Starts)
	}
	if m.MaxStarts < 0 {
		return fmt.Errorf("max_starts is negative (%d)", m.MaxStarts)
	}
	return nil
}

// validVersion accepts a non-empty, bounded version string without control
// characters (it ends up in logs).
func validVersion(v string) error {
	if v == "" {
		return errors.New("version is empty")
	}
	if len(v) > maxVersionLen {
		return fmt.Errorf("version is longer than %d bytes", maxVersionLen)
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("version %q holds a control or invalid character", v)
		}
	}
	return nil
}

// parseDigest decodes a SHA-256 digest written as 64 hex digits.
func parseDigest(s string) ([]byte, error) {
	if len(s) != 64 {
		return nil, fmt.Errorf("want 64 hex digits, got %d characters", len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not hex: %v", err)
	}
	return b, nil
}

// readMarker reads and parses the marker at path. A missing marker is
// reported with an error satisfying errors.Is(err, fs.ErrNotExist).
func readMarker(path string) (Marker, error) {
	f, err := os.Open(path)
	if err != nil {
		return Marker{}, fmt.Errorf("selfupdate: reading boot marker: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMarkerSize+1))
	if err != nil {
		return Marker{}, fmt.Errorf("selfupdate: reading boot marker %s: %w", path, err)
	}
	m, err := ParseMarker(data)
	if err != nil {
		return Marker{}, fmt.Errorf("selfupdate: boot marker %s: %w", path, err)
	}
	return m, nil
}

// writeMarker replaces the marker at path atomically and durably
// (fsutil.WriteFileAtomic: a temporary file in the same directory, written,
// fsynced and renamed over path, then the directory fsynced).
func writeMarker(path string, m Marker) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("selfupdate: encoding boot marker: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("selfupdate: writing boot marker: %w", err)
	}
	return nil
}
