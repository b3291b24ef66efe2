package store

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// File and folder names the store reserves.
const (
	stagingName = "staging"
	stateFile   = "state.json"
	metaFile    = "meta.json"
	tmpSuffix   = ".tmp"
	corruptExt  = ".corrupt"
)

// maxNameLen is the longest model name accepted.
const maxNameLen = 64

// maxPrimaryLen is the longest primary file name accepted (NAME_MAX).
const maxPrimaryLen = 255

// Errors the store returns, wrapped with the operation and path concerned.
var (
	// ErrInvalidName reports a model name or primary file name that the
	// store does not accept.
	ErrInvalidName = errors.New("invalid name")
	// ErrInvalidVersion reports a version below 1.
	ErrInvalidVersion = errors.New("invalid version")
	// ErrNotInstalled reports a version (or model) that is not installed.
	ErrNotInstalled = errors.New("not installed")
	// ErrConflict reports an Install of an installed version whose primary
	// file has a different SHA-256.
	ErrConflict = errors.New("installed with a different sha256")
	// ErrNoPrevious reports a Rollback with no previous version to return to.
	ErrNoPrevious = errors.New("no previous version")
	// ErrLocked reports an Open of a root that another Store holds.
	ErrLocked = errors.New("store is in use by another process")
	// ErrClosed reports a change requested after Close.
	ErrClosed = errors.New("store is closed")
	// ErrCorrupt reports a state.json or meta.json that does not parse or
	// holds impossible values.
	ErrCorrupt = errors.New("corrupt")
)

// Meta describes one installed version; it is stored as the version's
// meta.json.
type Meta struct {
	// Name is the model's name.
	Name string `json:"name"`
	// Version is the version number, >= 1.
	Version int64 `json:"version"`
	// SHA256 is the lowercase hex SHA-256 of the primary file.
	SHA256 string `json:"sha256"`
	// Primary is the primary (model) file's name inside the version's
	// folder.
	Primary string `json:"primary"`
	// Size is the primary file's size in bytes.
	Size int64 `json:"size"`
	// Installed is when Install wrote this meta (UTC).
	Installed time.Time `json:"installed"`
	// Source is where the version came from: the id of the key that
	// signed its bundle.
	Source string `json:"source,omitempty"`
	// SelfTest is the verifier's self-test result, opaque to the store.
	SelfTest json.RawMessage `json:"self_test,omitempty"`
	// Generic is the bundle's generic model file when Primary is a
	// hardware-specific variant: the file to fall back to when the
	// variant's requirement stops matching or it does not load.
	Generic string `json:"generic,omitempty"`
	// Variants are the bundle's hardware-specific files with their
	// requirements (hwprobe's language), so that the choice can be made
	// again at run time.
	Variants []Variant `json:"variants,omitempty"`
}

// Variant is a hardware-specific file of an installed version.
type Variant struct {
	Path     string `json:"path"`
	Requires string `json:"requires"`
}

// clone returns m with its own copy of SelfTest.
func (m Meta) clone() Meta {
	if m.SelfTest != nil {
		m.SelfTest = append(json.RawMessage(nil), m.SelfTest...)
	}
	m.Variants = slices.Clone(m.Variants)
	return m
}

// state is a model's state.json.
type state struct {
	Active   int64 `json:"active"`
	Previous int64 `json:"previous"`
}

// validName reports whether name may name a model.
func validName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("%w: %q: want 1 to %d characters", ErrInvalidName, name, maxNameLen)
	}
	if name == "." || name == ".." || name == stagingName {
		return fmt.Errorf("%w: %q is reserved", ErrInvalidName, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: %q: only A-Z a-z 0-9 . _ - are allowed", ErrInvalidName, name)
		}
	}
	return nil
}

// validVersion reports whether v may number a version.
func validVersion(v int64) error {
	if v < 1 {
		return fmt.Errorf("%w: %d: versions start at 1", ErrInvalidVersion, v)
	}
	return nil
}

// validPrimary reports whether name may name the primary file: one path
// element that is not the store's own meta file.
func validPrimary(name string) error {
	switch {
	case name == "" || len(name) > maxPrimaryLen:
		return fmt.Errorf("%w: primary file name %q: want 1 to %d bytes", ErrInvalidName, name, maxPrimaryLen)
	case name == "." || name == "..":
		return fmt.Errorf("%w: primary file name %q", ErrInvalidName, name)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("%w: primary file name %q must be one path element", ErrInvalidName, name)
	case reservedInVersion(name):
		return fmt.Errorf("%w: primary file name %q is reserved for the store", ErrInvalidName, name)
	}
	return nil
}

// reservedInVersion reports whether name is a file name the store writes
// at the top of a version folder.
func reservedInVersion(name string) bool {
	return name == metaFile || name == metaFile+tmpSuffix
}

// validSHA256 reports whether s is a lowercase hex SHA-256.
func validSHA256(s string) error {
	if len(s) != 64 {
		return fmt.Errorf("sha256 %q: want 64 hex digits", s)
	}
	if _, err := hex.DecodeString(s); err != nil || strings.ToLower(s) != s {
		return fmt.Errorf("sha256 %q: want lowercase hex", s)
	}
	return nil
}

// versionDirName is the folder name of version v.
func versionDirName(v int64) string { return strconv.FormatInt(v, 10) }

// parseVersionDir returns the version a folder name stands for, when it is
// one in canonical form (decimal, >= 1, no sign or leading zero).
func parseVersionDir(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 || versionDirName(v) != s {
		return 0, false
	}
	return v, true
}

// parseState decodes and checks a state.json.
func parseState(b []byte) (state, error) {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return state{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := checkState(st); err != nil {
		return state{}, err
	}
	return st, nil
}

// checkState reports a state that the store never writes.
func checkState(st state) error {
	switch {
	case st.Active < 1:
		return fmt.Errorf("%w: active version %d: want >= 1", ErrCorrupt, st.Active)
	case st.Previous < 0:
		return fmt.Errorf("%w: previous version %d: want >= 0", ErrCorrupt, st.Previous)
	case st.Previous == st.Active:
		return fmt.Errorf("%w: previous version %d is the active one", ErrCorrupt, st.Previous)
	}
	return nil
}

// encodeState encodes a state.json.
func encodeState(st state) ([]byte, error) {
	if err := checkState(st); err != nil {
		return nil, err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return append(b, '\n'), nil
}

// parseMeta decodes and checks a meta.json.
func parseMeta(b []byte) (Meta, error) {
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return Meta{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := checkMeta(m); err != nil {
		return Meta{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return m, nil
}

// checkMeta reports a meta that the store never writes.
func checkMeta(m Meta) error {
	if err := validName(m.Name); err != nil {
		return err
	}
	if err := validVersion(m.Version); err != nil {
		return err
	}
	if err := validSHA256(m.SHA256); err != nil {
		return err
	}
	if err := validPrimary(m.Primary); err != nil {
		return err
	}
	if m.Size < 0 {
		return fmt.Errorf("size %d: want >= 0", m.Size)
	}
	if m.Generic != "" {
		if err := validPrimary(m.Generic); err != nil {
			return fmt.Errorf("generic: %w", err)
		}
	}
	for i, v := range m.Variants {
		if err := validPrimary(v.Path); err != nil {
			return fmt.Errorf("variants[%d]: %w", i, err)
		}
	}
	return nil
}

// encodeMeta encodes a meta.json.
func encodeMeta(m Meta) ([]byte, error) {
	if err := checkMeta(m); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode meta: %w", err)
	}
	return append(b, '\n'), nil
}
