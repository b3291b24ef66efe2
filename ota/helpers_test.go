package ota

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixedNow is the fixed clock of the tests.
func fixedNow() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// testKey returns a deterministic key pair; different seeds give
// different keys.
func testKey(seed byte) (Private, Public) {
	s := bytes.Repeat([]byte{seed}, ed25519.SeedSize)
	k := ed25519.NewKeyFromSeed(s)
	return Private(k), Public(k.Public().(ed25519.PublicKey))
}

// entry is one tar entry a test writes by hand.
type entry struct {
	name string
	typ  byte // tar.TypeReg when 0
	body []byte
	link string
	size int64 // header size when > 0 and different from len(body) (the writer pads or cuts)
}

// writeTar builds a tar (gzip-compressed when gz) from entries, without
// any checking of its own, so that tests can write bad bundles.
func writeTar(t testing.TB, entries []entry, gz bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var tw *tar.Writer
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(&buf)
	}
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Linkname: e.link, Mode: 0o644, ModTime: fixedNow()}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
			if e.size > 0 {
				h.Size = e.size
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if typ == tar.TypeReg {
			body := e.body
			if int64(len(body)) > h.Size {
				body = body[:h.Size]
			}
			if _, err := tw.Write(body); err != nil {
				t.Fatalf("tar write %q: %v", e.name, err)
			}
			if pad := h.Size - int64(len(body)); pad > 0 {
				if _, err := tw.Write(make([]byte, pad)); err != nil {
					t.Fatalf("tar pad %q: %v", e.name, err)
				}
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// testFileNames are the files of the test bundles, in order.
func testFileNames() []string {
	return []string{"model.tflite", "kernels/arm64/model_dotprod.tflite", "labels.txt"}
}

func testFiles() map[string][]byte {
	return map[string][]byte{
		"model.tflite":                       bytes.Repeat([]byte("generic model "), 100),
		"kernels/arm64/model_dotprod.tflite": bytes.Repeat([]byte("arm64 dotprod "), 50),
		"labels.txt":                         []byte("person\nno_person\n"),
	}
}

// baseManifest returns the manifest fields of a good test bundle as a
// map that tests may change before signing it by hand.
func baseManifest(pub Public) map[string]any {
	files := testFiles()
	var list []any
	for _, n := range testFileNames() {
		list = append(list, map[string]any{"path": n, "sha256": sha(files[n]), "size": len(files[n])})
	}
	return map[string]any{
		"kind":    "model",
		"name":    "detector",
		"version": 3,
		"created": "2026-02-01T00:00:00Z",
		"expires": "2026-06-01T00:00:00Z",
		"files":   list,
		"variants": []any{
			map[string]any{"path": "kernels/arm64/model_dotprod.tflite", "requires": "arch == arm64 and cpu.features has asimddp"},
		},
		"key_id": KeyID(pub),
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// headEntries returns manifest.json and manifest.sig entries for raw
// manifest bytes signed by priv.
func headEntries(priv Private, raw []byte) []entry {
	return []entry{
		{name: ManifestName, body: raw},
		{name: SignatureName, body: ed25519.Sign(ed25519.PrivateKey(priv), raw)},
	}
}

// fileEntries returns the test files as entries, in order.
func fileEntries() []entry {
	files := testFiles()
	var es []entry
	for _, n := range testFileNames() {
		es = append(es, entry{name: n, body: files[n]})
	}
	return es
}

// signTest builds a good bundle with Sign.
func signTest(t testing.TB, priv Private, version int64, gz bool) []byte {
	t.Helper()
	files := testFiles()
	var srcs []FileSource
	for _, n := range testFileNames() {
		srcs = append(srcs, FileFromBytes(n, files[n]))
	}
	m := Manifest{
		Kind: KindModel, Name: "detector", Version: version,
		Created: fixedNow().Add(-24 * time.Hour), Expires: fixedNow().Add(30 * 24 * time.Hour),
		Variants: []Variant{{Path: "kernels/arm64/model_dotprod.tflite", Requires: "arch == arm64 and cpu.features has asimddp"}},
	}
	var buf bytes.Buffer
	if _, _, err := Sign(&buf, priv, m, srcs, SignOptions{Gzip: gz}); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return buf.Bytes()
}

// dirEntries lists what is in dir (recursively), for failure messages and
// emptiness checks.
func dirEntries(t testing.TB, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return names
}
