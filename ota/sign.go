package ota

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"
)

// FileSource is one file to put in a bundle: the path it has there and a
// way to read its content. Sign opens it twice (once to hash it for the
// manifest, once to write it) and refuses a source whose content changed
// in between.
type FileSource struct {
	// Path is the file's path inside the bundle (see File.Path).
	Path string
	// Open returns a fresh reader of the content; Sign closes it.
	Open func() (io.ReadCloser, error)
}

// FileFromDisk returns a FileSource that reads the file at diskPath and
// stores it as bundlePath.
func FileFromDisk(bundlePath, diskPath string) FileSource {
	return FileSource{Path: bundlePath, Open: func() (io.ReadCloser, error) { return os.Open(diskPath) }}
}

// FileFromBytes returns a FileSource holding b, stored as bundlePath.
func FileFromBytes(bundlePath string, b []byte) FileSource {
	return FileSource{Path: bundlePath, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

// SignOptions tune Sign.
type SignOptions struct {
	// Gzip compresses the tar.
	Gzip bool
	// Now gives the creation time when the manifest has none (time.Now
	// when nil).
	Now func() time.Time
}

// Sign writes a bundle to w: a tar (gzip-compressed with opts.Gzip) whose
// first entry is manifest.json, second manifest.sig (the raw Ed25519
// signature of priv over the manifest's exact bytes), then the files in
// order. m gives kind, name, version, expiry and variants; Sign fills
// Files from files (hashing each), KeyID from priv and Created (when
// zero), validates the result as Verify would, and returns the manifest it
// signed with its exact bytes. Nothing is written to w when the manifest
// is invalid.
func Sign(w io.Writer, priv Private, m Manifest, files []FileSource, opts SignOptions) (*Manifest, []byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, nil, fmt.Errorf("sign: not an ed25519 private key")
	}
	if w == nil {
		return nil, nil, fmt.Errorf("sign: no writer")
	}
	id := KeyID(priv.Public())
	if m.KeyID != "" && m.KeyID != id {
		return nil, nil, fmt.Errorf("sign: manifest names key %s but the private key is %s", m.KeyID, id)
	}
	m.KeyID = id
	if m.Created.IsZero() {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		m.Created = now().UTC().Truncate(time.Second)
	}
	m.Files = make([]File, 0, len(files))
	for _, src := range files {
		sum, size, err := hashSource(src, io.Discard)
		if err != nil {
			return nil, nil, fmt.Errorf("sign: %w", err)
		}
		m.Files = append(m.Files, File{Path: src.Path, SHA256: sum, Size: size})
	}
	raw, err := m.Encode()
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	sig := ed25519.Sign(ed25519.PrivateKey(priv), raw)

	out := w
	var zw *gzip.Writer
	if opts.Gzip {
		zw = gzip.NewWriter(w)
		out = zw
	}
	tw := tar.NewWriter(out)
	mtime := m.Created.UTC().Truncate(time.Second)
	header := func(name string, size int64) *tar.Header {
		return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: mtime}
	}
	if err := writeEntry(tw, header(ManifestName, int64(len(raw))), raw); err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	if err := writeEntry(tw, header(SignatureName, int64(len(sig))), sig); err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	for i, src := range files {
		f := m.Files[i]
		if err := tw.WriteHeader(header(f.Path, f.Size)); err != nil {
			return nil, nil, fmt.Errorf("sign: %s: %w", f.Path, err)
		}
		sum, size, err := hashSource(src, tw)
		if err != nil {
			return nil, nil, fmt.Errorf("sign: %w", err)
		}
		if sum != f.SHA256 || size != f.Size {
			return nil, nil, fmt.Errorf("sign: %s changed while the bundle was written", f.Path)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, fmt.Errorf("sign: finish tar: %w", err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, nil, fmt.Errorf("sign: finish gzip: %w", err)
		}
	}
	return &m, raw, nil
}

func writeEntry(tw *tar.Writer, h *tar.Header, b []byte) error {
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	if _, err := tw.Write(b); err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	return nil
}

// hashSource copies a source to w and returns its SHA-256 and size.
func hashSource(src FileSource, w io.Writer) (string, int64, error) {
	if src.Open == nil {
		return "", 0, fmt.Errorf("%s: no content", src.Path)
	}
	r, err := src.Open()
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", src.Path, err)
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(h, w), r)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", src.Path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
