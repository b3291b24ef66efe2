package ota

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edge-agent/edge-agent/hwprobe"
)

// Default limits of VerifyOptions.
const (
	// DefaultMaxBundleBytes bounds a bundle, read and unpacked (the agent's
	// ota.max_bundle_bytes default).
	DefaultMaxBundleBytes = 256 << 20
	// DefaultMaxFiles bounds the files of a bundle.
	DefaultMaxFiles = 256
	// DefaultMaxManifestBytes bounds manifest.json.
	DefaultMaxManifestBytes = 64 << 10
)

// Modes of what Verify stages.
const (
	stageDirMode  fs.FileMode = 0o750
	stageFileMode fs.FileMode = 0o640
)

// VerifyOptions say which bundles Verify accepts.
type VerifyOptions struct {
	// TrustedKeys are the keys a manifest may be signed by. Verify refuses
	// everything (no_trusted_keys) when there are none.
	TrustedKeys []Public
	// RevokedKeyIDs are key ids (KeyID) refused even when trusted: the
	// agent's ota.revoked_keys.
	RevokedKeyIDs []string
	// Kind, when set, is the kind the bundle must have (KindModel or
	// KindAgent).
	Kind string
	// InstalledVersion is the highest version installed (or ever accepted,
	// see Floor); a bundle's version must be above it unless AllowDowngrade.
	InstalledVersion int64
	// Installed, when set, is asked for the installed (or highest
	// accepted) version of the bundle's kind and name once its signed
	// manifest is read, before any file: the larger of its answer and
	// InstalledVersion is the floor. An error refuses the bundle.
	Installed func(kind, name string) (int64, error)
	// AllowDowngrade accepts any version, the installed one included.
	AllowDowngrade bool
	// Now gives the time expiry is checked against (time.Now when nil).
	Now func() time.Time
	// MaxBundleBytes bounds the bytes read from the bundle and, for a
	// gzip-compressed one, the bytes it unpacks to (DefaultMaxBundleBytes
	// when 0).
	MaxBundleBytes int64
	// MaxFiles bounds the files a manifest may list (DefaultMaxFiles when 0).
	MaxFiles int
	// MaxManifestBytes bounds manifest.json (DefaultMaxManifestBytes when 0).
	MaxManifestBytes int64
}

// Verified is an accepted bundle: its manifest and where its files were
// staged.
type Verified struct {
	// Manifest is the parsed manifest.
	Manifest Manifest
	// ManifestBytes are manifest.json's exact (signed) bytes.
	ManifestBytes []byte
	// Signature is manifest.sig.
	Signature []byte
	// KeyID is the id of the trusted key whose signature verified.
	KeyID string
	// Dir is the staging folder.
	Dir string
	// Paths are the staged files on disk, in the manifest's order.
	Paths []string
	// BundleBytes is how many bytes were read from the bundle.
	BundleBytes int64
}

// PickVariant returns the bundle path of the first variant whose
// requirement the profile satisfies, with that requirement, or else the
// first (generic) file and "". StagedPath gives where it is on disk.
func (v *Verified) PickVariant(profile *hwprobe.Profile) (filePath, requirement string) {
	return v.Manifest.PickVariant(profile)
}

// StagedPath returns where the bundle file p (a manifest path) was staged.
func (v *Verified) StagedPath(p string) string {
	return filepath.Join(v.Dir, filepath.FromSlash(p))
}

// options are VerifyOptions checked and with their defaults.
type options struct {
	VerifyOptions
	revoked map[string]bool
}

func (o VerifyOptions) check() (*options, error) {
	c := &options{VerifyOptions: o, revoked: map[string]bool{}}
	switch {
	case o.MaxBundleBytes < 0:
		return nil, fmt.Errorf("verify: negative MaxBundleBytes %d", o.MaxBundleBytes)
	case o.MaxFiles < 0:
		return nil, fmt.Errorf("verify: negative MaxFiles %d", o.MaxFiles)
	case o.MaxManifestBytes < 0:
		return nil, fmt.Errorf("verify: negative MaxManifestBytes %d", o.MaxManifestBytes)
	case o.Kind != "" && o.Kind != KindModel && o.Kind != KindAgent:
		return nil, fmt.Errorf("verify: expected kind %q: want %q or %q", o.Kind, KindModel, KindAgent)
	}
	if c.MaxBundleBytes == 0 {
		c.MaxBundleBytes = DefaultMaxBundleBytes
	}
	if c.MaxFiles == 0 {
		c.MaxFiles = DefaultMaxFiles
	}
	if c.MaxManifestBytes == 0 {
		c.MaxManifestBytes = DefaultMaxManifestBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for i, k := range o.TrustedKeys {
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("verify: trusted key %d has %d bytes, want %d", i, len(k), ed25519.PublicKeySize)
		}
	}
	for _, s := range o.RevokedKeyIDs {
		id, err := NormalizeKeyID(s)
		if err != nil {
			return nil, fmt.Errorf("verify: revoked %w", err)
		}
		c.revoked[id] = true
	}
	return c, nil
}

// Verify reads a bundle from r as it arrives (a tar, gzip-compressed or
// not: the gzip magic decides) and stages its files into stagingDir,
// which must be empty or absent (it is created with mode 0750).
//
// The first entry must be manifest.json (at most MaxManifestBytes), the
// second manifest.sig; the signature must verify with a trusted key that is
// not revoked and that the manifest names, before the manifest is used.
// Then the manifest must be valid, of the expected kind, newer than the
// installed version (unless AllowDowngrade) and not expired. Each further
// entry must be a plain file the manifest lists, seen once, whose size and
// SHA-256 match; it is hashed while it is copied to stagingDir/PATH (files
// 0640, folders 0750, both fsynced), and refused as soon as a limit or a
// mismatch is hit. Every listed file must be present.
//
// A refusal is an *Error with its Code; any other error means the bundle
// could not be judged (options, staging folder, disk, reading r). On any
// error the staging folder is left empty.
func Verify(r io.Reader, opts VerifyOptions, stagingDir string) (*Verified, error) {
	if r == nil {
		return nil, errors.New("verify: no bundle reader")
	}
	o, err := opts.check()
	if err != nil {
		return nil, err
	}
	if len(o.TrustedKeys) == 0 {
		return nil, refuse(CodeNoTrustedKeys, "no trusted keys are configured: every bundle is refused")
	}
	root, err := openStaging(stagingDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	v := &verifier{o: o, root: root, dir: stagingDir}
	res, err := v.run(r)
	if err != nil {
		if cerr := emptyStaging(root); cerr != nil {
			return nil, errors.Join(err, cerr)
		}
		return nil, err
	}
	return res, nil
}

// openStaging opens stagingDir, creating it when absent, and checks that
// it is empty.
func openStaging(dir string) (*os.Root, error) {
	if dir == "" {
		return nil, errors.New("verify: no staging folder")
	}
	if err := os.MkdirAll(dir, stageDirMode); err != nil {
		return nil, fmt.Errorf("verify: staging folder: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("verify: staging folder: %w", err)
	}
	f, err := root.Open(".")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("verify: staging folder %s: %w", dir, err)
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		root.Close()
		return nil, fmt.Errorf("verify: staging folder %s: %w", dir, err)
	}
	if len(names) > 0 {
		root.Close()
		return nil, fmt.Errorf("verify: staging folder %s is not empty (holds %s)", dir, names[0])
	}
	return root, nil
}

// emptyStaging removes everything in the staging folder (which Verify
// found empty).
func emptyStaging(root *os.Root) error {
	f, err := root.Open(".")
	if err != nil {
		return fmt.Errorf("verify: clean staging folder: %w", err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("verify: clean staging folder: %w", err)
	}
	for _, n := range names {
		if err := root.RemoveAll(n); err != nil {
			return fmt.Errorf("verify: clean staging folder: %w", err)
		}
	}
	return nil
}

// limitReader counts bytes and fails past a limit. It remembers whether
// the limit was hit and whether the underlying reader failed, so that a
// wrapped error from tar or gzip can be classified.
type limitReader struct {
	r        io.Reader
	limit    int64
	n        int64
	exceeded bool
	err      error // a failure of r other than io.EOF
}

var errLimit = errors.New("size limit reached")

// Read implements io.Reader, failing with errLimit past the limit.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.exceeded {
		return 0, errLimit
	}
	// Read at most one byte past the limit, to see whether there is more.
	if room := l.limit - l.n; int64(len(p)) > room {
		p = p[:room+1]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.limit {
		l.exceeded = true
		return n - int(l.n-l.limit), errLimit
	}
	if err != nil && !errors.Is(err, io.EOF) {
		l.err = err
	}
	return n, err
}

// verifier is one Verify run.
type verifier struct {
	o        *options
	root     *os.Root
	dir      string
	raw      *limitReader
	unpacked *limitReader // nil unless gzip
	dirs     []string     // folders created in the staging folder
}

// streamErr classifies an error of the tar or gzip reader.
func (v *verifier) streamErr(what string, err error) error {
	switch {
	case v.raw.exceeded:
		return refuse(CodeTooLarge, "bundle is over %d bytes", v.o.MaxBundleBytes)
	case v.unpacked != nil && v.unpacked.exceeded:
		return refuse(CodeTooLarge, "bundle unpacks to over %d bytes", v.o.MaxBundleBytes)
	case v.raw.err != nil:
		return fmt.Errorf("verify: read bundle: %w", v.raw.err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return refuse(CodeCorrupt, "%s: bundle is truncated", what)
	}
	return refuse(CodeCorrupt, "%s: %v", what, err)
}

func (v *verifier) run(r io.Reader) (*Verified, error) {
	v.raw = &limitReader{r: r, limit: v.o.MaxBundleBytes}
	br := bufio.NewReader(v.raw)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, v.streamErr("gzip header", err)
		}
		v.unpacked = &limitReader{r: zr, limit: v.o.MaxBundleBytes}
		src = v.unpacked
	}
	tr := tar.NewReader(src)

	raw, sig, err := v.readHead(tr)
	if err != nil {
		return nil, err
	}
	keyID, err := v.checkSignature(raw, sig)
	if err != nil {
		return nil, err
	}
	m, perr := parseManifest(raw, v.o.MaxFiles)
	if perr != nil {
		return nil, perr
	}
	if m.KeyID != keyID {
		return nil, refuse(CodeBadManifest, "key_id %s does not name the signing key %s", m.KeyID, keyID)
	}
	if err := v.checkPolicy(m); err != nil {
		return nil, err
	}
	paths, err := v.readFiles(tr, m)
	if err != nil {
		return nil, err
	}
	// Read to the end: a gzip stream's checksum is checked there.
	if _, err := io.Copy(io.Discard, src); err != nil {
		return nil, v.streamErr("after the last file", err)
	}
	if err := v.syncDirs(); err != nil {
		return nil, err
	}
	return &Verified{
		Manifest: *m, ManifestBytes: raw, Signature: sig, KeyID: keyID,
		Dir: v.dir, Paths: paths, BundleBytes: v.raw.n,
	}, nil
}

// readHead reads manifest.json and manifest.sig, the first two entries.
func (v *verifier) readHead(tr *tar.Reader) (raw, sig []byte, err error) {
	hdr, err := tr.Next()
	if errors.Is(err, io.EOF) {
		return nil, nil, refuse(CodeMissingManifest, "bundle holds no entries, want %s first", ManifestName)
	}
	if err != nil {
		return nil, nil, v.streamErr("first entry", err)
	}
	if hdr.Name != ManifestName {
		return nil, nil, refuse(CodeMissingManifest, "first entry is %q, want %s", shorten(hdr.Name), ManifestName)
	}
	if hdr.Typeflag != tar.TypeReg || isSparse(hdr) {
		return nil, nil, refuse(CodeBadEntry, "%s is not a plain file (type %q)", ManifestName, hdr.Typeflag)
	}
	if hdr.Size > v.o.MaxManifestBytes {
		return nil, nil, refuse(CodeTooLarge, "%s is %d bytes, the limit is %d", ManifestName, hdr.Size, v.o.MaxManifestBytes)
	}
	raw = make([]byte, hdr.Size)
	if _, err := io.ReadFull(tr, raw); err != nil {
		return nil, nil, v.streamErr(ManifestName, err)
	}

	hdr, err = tr.Next()
	if errors.Is(err, io.EOF) {
		return nil, nil, refuse(CodeMissingSignature, "bundle ends after %s, want %s next", ManifestName, SignatureName)
	}
	if err != nil {
		return nil, nil, v.streamErr("second entry", err)
	}
	if hdr.Name != SignatureName {
		if hdr.Name == ManifestName {
			return nil, nil, refuse(CodeDuplicateFile, "%s appears twice", ManifestName)
		}
		return nil, nil, refuse(CodeMissingSignature, "second entry is %q, want %s", shorten(hdr.Name), SignatureName)
	}
	if hdr.Typeflag != tar.TypeReg || isSparse(hdr) {
		return nil, nil, refuse(CodeBadEntry, "%s is not a plain file (type %q)", SignatureName, hdr.Typeflag)
	}
	if hdr.Size != ed25519.SignatureSize {
		return nil, nil, refuse(CodeBadSignature, "%s is %d bytes, want %d", SignatureName, hdr.Size, ed25519.SignatureSize)
	}
	sig = make([]byte, ed25519.SignatureSize)
	if _, err := io.ReadFull(tr, sig); err != nil {
		return nil, nil, v.streamErr(SignatureName, err)
	}
	return raw, sig, nil
}

// checkSignature finds the trusted key whose signature over raw verifies
// and returns its id; only then is the manifest parsed in full.
func (v *verifier) checkSignature(raw, sig []byte) (string, error) {
	for _, k := range v.o.TrustedKeys {
		if !ed25519.Verify(ed25519.PublicKey(k), raw, sig) {
			continue
		}
		id := KeyID(k)
		if v.o.revoked[id] {
			return "", refuse(CodeRevokedKey, "signed by key %s, which is revoked", id)
		}
		return id, nil
	}
	// No trusted key verifies: say why from the key the manifest names.
	var named struct {
		KeyID string `json:"key_id"`
	}
	_ = json.Unmarshal(raw, &named) // a manifest that does not parse names no key
	switch {
	case !validKeyID(named.KeyID):
		return "", refuse(CodeBadSignature, "%s does not verify with any trusted key", SignatureName)
	case v.o.revoked[named.KeyID]:
		return "", refuse(CodeRevokedKey, "signed by key %s, which is revoked", named.KeyID)
	}
	for _, k := range v.o.TrustedKeys {
		if KeyID(k) == named.KeyID {
			return "", refuse(CodeBadSignature, "%s does not verify with key %s", SignatureName, named.KeyID)
		}
	}
	return "", refuse(CodeUntrustedKey, "signed by key %s, which is not trusted", named.KeyID)
}

// checkPolicy applies the device's rules to a signed, valid manifest.
func (v *verifier) checkPolicy(m *Manifest) error {
	if v.o.Kind != "" && m.Kind != v.o.Kind {
		return refuse(CodeWrongKind, "bundle is of kind %s, want %s", m.Kind, v.o.Kind)
	}
	floor := v.o.InstalledVersion
	if v.o.Installed != nil {
		n, err := v.o.Installed(m.Kind, m.Name)
		if err != nil {
			return fmt.Errorf("installed version of %s %s: %w", m.Kind, m.Name, err)
		}
		floor = max(floor, n)
	}
	if !v.o.AllowDowngrade && m.Version <= floor {
		return refuse(CodeNotNewer, "%s %s version %d is not above version %d, the installed (or highest accepted) one",
			m.Kind, m.Name, m.Version, floor)
	}
	if !m.Expires.IsZero() {
		if now := v.o.Now(); !now.Before(m.Expires) {
			return refuse(CodeExpired, "bundle expired at %s (now %s)", m.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	var total int64
	for _, f := range m.Files {
		total += f.Size
		if f.Size > v.o.MaxBundleBytes || total > v.o.MaxBundleBytes {
			return refuse(CodeTooLarge, "files add up to over %d bytes", v.o.MaxBundleBytes)
		}
	}
	return nil
}

// readFiles stages every file entry and returns the staged paths in the
// manifest's order.
func (v *verifier) readFiles(tr *tar.Reader, m *Manifest) ([]string, error) {
	index := make(map[string]int, len(m.Files))
	for i, f := range m.Files {
		index[f.Path] = i
	}
	seen := make([]bool, len(m.Files))
	buf := make([]byte, 64<<10)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, v.streamErr("file entry", err)
		}
		name := hdr.Name
		if hdr.Typeflag != tar.TypeReg || isSparse(hdr) {
			return nil, refuse(CodeBadEntry, "entry %q is not a plain file (type %q)", shorten(name), hdr.Typeflag)
		}
		if name == ManifestName || name == SignatureName {
			return nil, refuse(CodeDuplicateFile, "%s appears twice", name)
		}
		if e := checkPath(name); e != nil {
			return nil, e
		}
		i, ok := index[name]
		if !ok {
			return nil, refuse(CodeExtraFile, "entry %q is not in the manifest", shorten(name))
		}
		if seen[i] {
			return nil, refuse(CodeDuplicateFile, "entry %q appears twice", name)
		}
		seen[i] = true
		f := m.Files[i]
		if hdr.Size != f.Size {
			return nil, refuse(CodeSizeMismatch, "%s is %d bytes, the manifest says %d", name, hdr.Size, f.Size)
		}
		if err := v.stage(tr, f, buf); err != nil {
			return nil, err
		}
	}
	paths := make([]string, len(m.Files))
	for i, f := range m.Files {
		if !seen[i] {
			return nil, refuse(CodeMissingFile, "%s is in the manifest but not in the bundle", f.Path)
		}
		paths[i] = filepath.Join(v.dir, filepath.FromSlash(f.Path))
	}
	return paths, nil
}

// isSparse reports whether a regular-looking entry is a PAX sparse file,
// whose holes the tar reader would make up from nothing.
func isSparse(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// stage copies one entry into the staging folder, hashing it.
func (v *verifier) stage(tr *tar.Reader, f File, buf []byte) error {
	if dir := path.Dir(f.Path); dir != "." {
		if err := v.mkdirs(dir); err != nil {
			return err
		}
	}
	out, err := v.root.OpenFile(filepath.FromSlash(f.Path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, stageFileMode)
	if err != nil {
		return fmt.Errorf("verify: stage %s: %w", f.Path, err)
	}
	defer out.Close()
	h := sha256.New()
	var n int64
	for n < f.Size {
		chunk := buf
		if rest := f.Size - n; rest < int64(len(chunk)) {
			chunk = chunk[:rest]
		}
		k, rerr := tr.Read(chunk)
		if k > 0 {
			h.Write(chunk[:k])
			if _, err := out.Write(chunk[:k]); err != nil {
				return fmt.Errorf("verify: stage %s: %w", f.Path, err)
			}
			n += int64(k)
		}
		if rerr != nil && n < f.Size {
			if errors.Is(rerr, io.EOF) {
				rerr = io.ErrUnexpectedEOF
			}
			return v.streamErr(f.Path, rerr)
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return refuse(CodeHashMismatch, "%s has sha256 %s, the manifest says %s", f.Path, got, f.SHA256)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("verify: stage %s: %w", f.Path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("verify: stage %s: %w", f.Path, err)
	}
	return nil
}

// mkdirs creates dir and its parents in the staging folder, remembering
// the ones it made.
func (v *verifier) mkdirs(dir string) error {
	var missing []string
	for d := dir; d != "."; d = path.Dir(d) {
		if slices.Contains(v.dirs, d) {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := v.root.Mkdir(filepath.FromSlash(d), stageDirMode); err != nil {
			return fmt.Errorf("verify: stage folder %s: %w", d, err)
		}
		v.dirs = append(v.dirs, d)
	}
	return nil
}

// syncDirs fsyncs the created folders, deepest first, then the staging
// folder, so that the staged names survive a power cut.
func (v *verifier) syncDirs() error {
	dirs := slices.Clone(v.dirs)
	slices.SortFunc(dirs, func(a, b string) int { return len(b) - len(a) })
	for _, d := range append(dirs, ".") {
		f, err := v.root.Open(filepath.FromSlash(d))
		if err != nil {
			return fmt.Errorf("verify: sync %s: %w", d, err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("verify: sync %s: %w", d, err)
		}
	}
	return nil
}
