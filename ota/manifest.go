package ota

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edge-agent/edge-agent/hwprobe"
)

// Bundle kinds.
const (
	// KindModel is a bundle holding a model: its first file is the generic
	// model, the variants hardware-specific ones.
	KindModel = "model"
	// KindAgent is a bundle holding the agent itself.
	KindAgent = "agent"
)

// Names of the two entries every bundle starts with.
const (
	// ManifestName is the first tar entry: the manifest's JSON.
	ManifestName = "manifest.json"
	// SignatureName is the second tar entry: the raw 64-byte Ed25519
	// signature over the manifest's exact bytes.
	SignatureName = "manifest.sig"
)

// Limits on manifest contents (beyond the size and file-count limits of
// VerifyOptions).
const (
	// MaxNameLen bounds a bundle's name.
	MaxNameLen = 64
	// MaxPathLen bounds a file path in a bundle.
	MaxPathLen = 1024
	// MaxVariants bounds the variants of a manifest.
	MaxVariants = 64
)

// File is one file of a bundle as the manifest lists it.
type File struct {
	// Path is the file's slash-separated path inside the bundle (and the
	// staging folder): relative, clean, without "..", backslashes or
	// control characters.
	Path string `json:"path"`
	// SHA256 is the lowercase hex SHA-256 of the file's content.
	SHA256 string `json:"sha256"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
}

// Variant is a hardware-specific alternative to a model's generic file.
type Variant struct {
	// Path names one of the manifest's files.
	Path string `json:"path"`
	// Requires is a requirement in the hardware probe's language
	// (hwprobe.ParseRequirement), e.g. "arch == arm64 and cpu.features has asimddp".
	Requires string `json:"requires"`
}

// Manifest describes a bundle: what it is, which version, and the hash and
// size of every file. Its JSON form is what manifest.json holds:
//
//	{"kind": "model"|"agent", "name": NAME, "version": INTEGER >= 1,
//	 "created": RFC3339, "expires"?: RFC3339,
//	 "files": [{"path", "sha256", "size"}],
//	 "variants"?: [{"path", "requires"}], "key_id": KEY-ID}
type Manifest struct {
	// Kind is KindModel or KindAgent.
	Kind string
	// Name is what the bundle installs: 1 to 64 characters of
	// [A-Za-z0-9._-], not starting with a dot.
	Name string
	// Version is an integer of at least 1; a device accepts only versions
	// above the one it has.
	Version int64
	// Created is when the bundle was signed.
	Created time.Time
	// Expires, when not zero, is the time after which the bundle is refused.
	Expires time.Time
	// Files lists every file of the bundle; for a model the first is the
	// generic model.
	Files []File
	// Variants are hardware-specific alternatives, tried in order.
	Variants []Variant
	// SelfTest, when set, is a check the device runs on the new model
	// before it activates it (an addition to SPEC.md).
	SelfTest *SelfTest
	// KeyID is the id of the key that signs the manifest (KeyID).
	KeyID string
}

// SelfTest names bundle files holding a model's inputs (raw little-endian
// bytes, one file per input tensor in model order) and the outputs it must
// produce from them. MaxDiff 0 wants the outputs byte for byte; above 0,
// every dequantized output value may differ by at most MaxDiff.
type SelfTest struct {
	Inputs  []string `json:"inputs"`
	Outputs []string `json:"outputs"`
	MaxDiff float64  `json:"max_diff,omitempty"`
}

// wireManifest is the JSON form of a Manifest. Version stays raw so that
// only a plain integer is accepted.
type wireManifest struct {
	Kind     string          `json:"kind"`
	Name     string          `json:"name"`
	Version  json.RawMessage `json:"version"`
	Created  string          `json:"created"`
	Expires  string          `json:"expires,omitempty"`
	Files    []File          `json:"files"`
	Variants []Variant       `json:"variants,omitempty"`
	SelfTest *SelfTest       `json:"self_test,omitempty"`
	KeyID    string          `json:"key_id"`
}

// MarshalJSON returns the manifest's JSON form (times as RFC 3339, in
// their own offset; Sign uses UTC).
// It does not validate: Encode does.
func (m Manifest) MarshalJSON() ([]byte, error) {
	w := wireManifest{
		Kind: m.Kind, Name: m.Name, Version: json.RawMessage(strconv.FormatInt(m.Version, 10)),
		Created: formatTime(m.Created), Files: m.Files, Variants: m.Variants, SelfTest: m.SelfTest, KeyID: m.KeyID,
	}
	if w.Files == nil {
		w.Files = []File{}
	}
	if !m.Expires.IsZero() {
		w.Expires = formatTime(m.Expires)
	}
	return json.Marshal(w)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// Encode validates the manifest and returns the exact bytes that are signed
// and stored as manifest.json.
func (m *Manifest) Encode() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	if _, err := parseManifest(b, DefaultMaxFiles); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return b, nil
}

// ParseManifest parses and validates a manifest's JSON with the default
// limits (DefaultMaxFiles). It checks the form, not the signature: Verify
// does both. Its refusals are *Error (bad_manifest, unknown_kind,
// bad_version, bad_path, duplicate_file, bad_variant, too_many_files).
func ParseManifest(b []byte) (*Manifest, error) {
	m, err := parseManifest(b, DefaultMaxFiles)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// parseManifest is ParseManifest with a file limit; it returns *Error
// typed nil-safely.
func parseManifest(b []byte, maxFiles int) (*Manifest, *Error) {
	if !utf8.Valid(b) {
		return nil, refuse(CodeBadManifest, "manifest is not valid UTF-8")
	}
	if err := checkJSONKeys(b); err != nil {
		return nil, refuse(CodeBadManifest, "manifest JSON: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var w wireManifest
	if err := dec.Decode(&w); err != nil {
		return nil, refuse(CodeBadManifest, "manifest JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, refuse(CodeBadManifest, "manifest JSON: data after the object")
	}
	m := &Manifest{Kind: w.Kind, Name: w.Name, Files: w.Files, Variants: w.Variants, SelfTest: w.SelfTest, KeyID: w.KeyID}
	if e := m.parseWire(&w, maxFiles); e != nil {
		return nil, e
	}
	return m, nil
}

// parseWire fills the fields that need parsing and validates the whole.
func (m *Manifest) parseWire(w *wireManifest, maxFiles int) *Error {
	if m.Kind != KindModel && m.Kind != KindAgent {
		return refuse(CodeUnknownKind, "kind %q: want %q or %q", shorten(m.Kind), KindModel, KindAgent)
	}
	if !validName(m.Name) {
		return refuse(CodeBadManifest, "name %q: want 1 to %d characters of [A-Za-z0-9._-], not starting with a dot", shorten(m.Name), MaxNameLen)
	}
	v, ok := parseVersion(w.Version)
	if !ok {
		return refuse(CodeBadVersion, "version %s: want an integer of at least 1", shorten(string(w.Version)))
	}
	m.Version = v
	created, err := time.Parse(time.RFC3339, w.Created)
	if err != nil {
		return refuse(CodeBadManifest, "created %q: want an RFC 3339 time", shorten(w.Created))
	}
	m.Created = created
	if w.Expires != "" {
		exp, err := time.Parse(time.RFC3339, w.Expires)
		if err != nil {
			return refuse(CodeBadManifest, "expires %q: want an RFC 3339 time", shorten(w.Expires))
		}
		if !exp.After(created) {
			return refuse(CodeBadManifest, "expires %s is not after created %s", w.Expires, w.Created)
		}
		m.Expires = exp
	}
	if !validKeyID(m.KeyID) {
		return refuse(CodeBadManifest, "key_id %q: want 16 lowercase hex digits", shorten(m.KeyID))
	}
	return m.validateFiles(maxFiles)
}

// parseVersion accepts only a plain JSON integer >= 1 (no sign, fraction,
// exponent or quotes).
func parseVersion(raw json.RawMessage) (int64, bool) {
	s := string(raw)
	if s == "" || s[0] == '0' {
		return 0, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v >= 1
}

func validName(s string) bool {
	if s == "" || len(s) > MaxNameLen || s[0] == '.' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (m *Manifest) validateFiles(maxFiles int) *Error {
	if len(m.Files) == 0 {
		return refuse(CodeBadManifest, "manifest lists no files")
	}
	if len(m.Files) > maxFiles {
		return refuse(CodeTooManyFiles, "manifest lists %d files, the limit is %d", len(m.Files), maxFiles)
	}
	seen := make(map[string]bool, len(m.Files))
	folded := make(map[string]string, len(m.Files))
	for i, f := range m.Files {
		if e := checkPath(f.Path); e != nil {
			return e
		}
		if seen[f.Path] {
			return refuse(CodeDuplicateFile, "files[%d]: %q is listed twice", i, f.Path)
		}
		seen[f.Path] = true
		// Paths that differ only in case would collide on a
		// case-insensitive file system.
		low := strings.ToLower(f.Path)
		if other, ok := folded[low]; ok {
			return refuse(CodeDuplicateFile, "files[%d]: %q and %q differ only in case", i, f.Path, other)
		}
		folded[low] = f.Path
		if len(f.SHA256) != 64 || strings.ToLower(f.SHA256) != f.SHA256 {
			return refuse(CodeBadManifest, "files[%d] (%s): sha256 %q: want 64 lowercase hex digits", i, f.Path, shorten(f.SHA256))
		}
		if _, err := hex.DecodeString(f.SHA256); err != nil {
			return refuse(CodeBadManifest, "files[%d] (%s): sha256 %q: want 64 lowercase hex digits", i, f.Path, shorten(f.SHA256))
		}
		if f.Size < 0 {
			return refuse(CodeBadManifest, "files[%d] (%s): negative size %d", i, f.Path, f.Size)
		}
	}
	// A file may not stand where another needs a folder ("a" and "a/b").
	for _, f := range m.Files {
		for dir := path.Dir(f.Path); dir != "."; dir = path.Dir(dir) {
			if seen[dir] {
				return refuse(CodeBadPath, "%q is a file and also the folder of %q", dir, f.Path)
			}
		}
	}
	if len(m.Variants) > MaxVariants {
		return refuse(CodeBadVariant, "%d variants, the limit is %d", len(m.Variants), MaxVariants)
	}
	for i, v := range m.Variants {
		if !seen[v.Path] {
			return refuse(CodeBadVariant, "variants[%d]: %q is not one of the files", i, shorten(v.Path))
		}
		req, err := hwprobe.ParseRequirement(v.Requires)
		if err != nil {
			return refuse(CodeBadVariant, "variants[%d] (%s): %v", i, v.Path, err)
		}
		// Match on an empty profile fails exactly when the requirement
		// compares a field with an operator or value its type does not have.
		if _, err := req.Match(&hwprobe.Profile{}); err != nil {
			return refuse(CodeBadVariant, "variants[%d] (%s): %v", i, v.Path, err)
		}
	}
	if st := m.SelfTest; st != nil {
		if len(st.Inputs) == 0 || len(st.Outputs) == 0 || len(st.Inputs) > MaxVariants || len(st.Outputs) > MaxVariants {
			return refuse(CodeBadManifest, "self_test: want 1 to %d inputs and outputs, got %d and %d", MaxVariants, len(st.Inputs), len(st.Outputs))
		}
		if !(st.MaxDiff >= 0) || st.MaxDiff > 1e30 {
			return refuse(CodeBadManifest, "self_test.max_diff %v: want a number >= 0", st.MaxDiff)
		}
		for _, p := range append(append([]string(nil), st.Inputs...), st.Outputs...) {
			if !seen[p] {
				return refuse(CodeBadManifest, "self_test: %q is not one of the files", shorten(p))
			}
		}
	}
	return nil
}

// checkPath refuses a path that could escape or confuse the staging
// folder: empty, absolute, not clean, with "..", backslashes, control
// characters, or one of the reserved entry names.
func checkPath(p string) *Error {
	switch {
	case p == "":
		return refuse(CodeBadPath, "empty path")
	case len(p) > MaxPathLen:
		return refuse(CodeBadPath, "path %q is over %d bytes", shorten(p), MaxPathLen)
	case strings.HasPrefix(p, "/"):
		return refuse(CodeBadPath, "path %q is absolute", shorten(p))
	case strings.Contains(p, `\`):
		return refuse(CodeBadPath, "path %q holds a backslash", shorten(p))
	case !utf8.ValidString(p):
		return refuse(CodeBadPath, "path %q is not valid UTF-8", shorten(p))
	case p == ManifestName || p == SignatureName:
		return refuse(CodeBadPath, "path %q is reserved", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." {
			return refuse(CodeBadPath, "path %q climbs out with ..", shorten(p))
		}
	}
	if path.Clean(p) != p || p == "." {
		return refuse(CodeBadPath, "path %q is not clean (want %q)", shorten(p), path.Clean(p))
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return refuse(CodeBadPath, "path %q holds a control character", shorten(p))
		}
	}
	return nil
}

// checkJSONKeys walks a JSON document and refuses duplicate keys (which
// decoders resolve differently) and keys outside [a-z0-9_] (which
// encoding/json would match case-insensitively).
func checkJSONKeys(b []byte) error {
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return walkJSON(dec, 0)
}

const maxJSONDepth = 8

func walkJSON(dec *json.Decoder, depth int) error {
	if depth > maxJSONDepth {
		return errors.New("nested too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		keys := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k, ok := kt.(string)
			if !ok {
				return errors.New("object key is not a string")
			}
			for _, c := range []byte(k) {
				if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
					return fmt.Errorf("key %q: want [a-z0-9_]", shorten(k))
				}
			}
			if keys[k] {
				return fmt.Errorf("key %q appears twice", k)
			}
			keys[k] = true
			if err := walkJSON(dec, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := walkJSON(dec, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unexpected %v", d)
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// PickVariant returns the path of the first variant whose requirement the
// profile satisfies, with that requirement, or else the first (generic)
// file and "". A requirement that cannot be evaluated counts as not
// satisfied. A nil profile is an empty one.
func (m *Manifest) PickVariant(profile *hwprobe.Profile) (filePath, requirement string) {
	for _, v := range m.Variants {
		req, err := hwprobe.ParseRequirement(v.Requires)
		if err != nil {
			continue
		}
		if ok, err := req.Match(profile); err == nil && ok {
			return v.Path, v.Requires
		}
	}
	if len(m.Files) == 0 {
		return "", ""
	}
	return m.Files[0].Path, ""
}
