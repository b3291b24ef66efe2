package ota

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// goodOpts are the options the refusal cases start from: key A trusted,
// nothing installed, the fixed clock.
func goodOpts() VerifyOptions {
	_, pubA := testKey(1)
	return VerifyOptions{TrustedKeys: []Public{pubA}, Kind: KindModel, InstalledVersion: 2, Now: fixedNow, MaxBundleBytes: 1 << 20}
}

// crafted builds a bundle by hand: the base manifest changed by mutate,
// signed by priv, followed by the test files changed by files.
func crafted(t testing.TB, priv Private, mutate func(m map[string]any), files func(es []entry) []entry) []byte {
	t.Helper()
	m := baseManifest(priv.Public())
	if mutate != nil {
		mutate(m)
	}
	es := fileEntries()
	if files != nil {
		es = files(es)
	}
	return writeTar(t, append(headEntries(priv, mustJSON(t, m)), es...), false)
}

// flipIn flips one byte of the first occurrence of needle in b.
func flipIn(t testing.TB, b []byte, needle []byte) []byte {
	t.Helper()
	i := bytes.Index(b, needle)
	if i < 0 {
		t.Fatalf("needle %q not in bundle", needle)
	}
	out := bytes.Clone(b)
	out[i+len(needle)/2] ^= 0x01
	return out
}

func TestVerifyRefusals(t *testing.T) {
	privA, pubA := testKey(1)
	privB, _ := testKey(2)
	files := testFiles()
	setFile := func(i int, k string, v any) func(map[string]any) {
		return func(m map[string]any) { m["files"].([]any)[i].(map[string]any)[k] = v }
	}
	cases := []struct {
		name   string
		code   string
		bundle func(t testing.TB) []byte
		opts   func(o *VerifyOptions)
	}{
		{name: "no trusted keys", code: CodeNoTrustedKeys,
			bundle: func(t testing.TB) []byte { return signTest(t, privA, 3, false) },
			opts:   func(o *VerifyOptions) { o.TrustedKeys = nil }},
		{name: "empty bundle", code: CodeMissingManifest,
			bundle: func(t testing.TB) []byte { return writeTar(t, nil, false) }},
		{name: "manifest not first", code: CodeMissingManifest,
			bundle: func(t testing.TB) []byte {
				raw := mustJSON(t, baseManifest(pubA))
				es := headEntries(privA, raw)
				return writeTar(t, append([]entry{es[1], es[0]}, fileEntries()...), false)
			}},
		{name: "file before manifest", code: CodeMissingManifest,
			bundle: func(t testing.TB) []byte {
				raw := mustJSON(t, baseManifest(pubA))
				return writeTar(t, append(fileEntries()[:1], headEntries(privA, raw)...), false)
			}},
		{name: "manifest bad created", code: CodeBadManifest,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) { m["created"] = "yesterday" }, nil)
			}},
		{name: "manifest bad sha256", code: CodeBadManifest,
			bundle: func(t testing.TB) []byte { return crafted(t, privA, setFile(0, "sha256", "XYZ"), nil) }},
		{name: "manifest duplicate key", code: CodeBadManifest,
			bundle: func(t testing.TB) []byte {
				raw := mustJSON(t, baseManifest(pubA))
				raw = append([]byte(`{"name":"other",`), raw[1:]...)
				return writeTar(t, append(headEntries(privA, raw), fileEntries()...), false)
			}},
		{name: "manifest unknown field", code: CodeBadManifest,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) { m["install_hook"] = "rm -rf /" }, nil)
			}},
		{name: "manifest names another key", code: CodeBadManifest,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) { m["key_id"] = "0123456789abcdef" }, nil)
			}},
		{name: "manifest too big", code: CodeTooLarge,
			bundle: func(t testing.TB) []byte { return signTest(t, privA, 3, false) },
			opts:   func(o *VerifyOptions) { o.MaxManifestBytes = 100 }},
		{name: "missing signature", code: CodeMissingSignature,
			bundle: func(t testing.TB) []byte {
				raw := mustJSON(t, baseManifest(pubA))
				return writeTar(t, append(headEntries(privA, raw)[:1], fileEntries()...), false)
			}},
		{name: "signature absent at end", code: CodeMissingSignature,
			bundle: func(t testing.TB) []byte {
				return writeTar(t, headEntries(privA, mustJSON(t, baseManifest(pubA)))[:1], false)
			}},
		{name: "manifest changed after signing", code: CodeBadSignature,
			bundle: func(t testing.TB) []byte {
				b := signTest(t, privA, 3, false)
				return bytes.Replace(b, []byte(`"version":3`), []byte(`"version":9`), 1)
			}},
		{name: "signature short", code: CodeBadSignature,
			bundle: func(t testing.TB) []byte {
				raw := mustJSON(t, baseManifest(pubA))
				es := headEntries(privA, raw)
				es[1].body = es[1].body[:63]
				return writeTar(t, append(es, fileEntries()...), false)
			}},
		{name: "wrong key", code: CodeUntrustedKey,
			bundle: func(t testing.TB) []byte { return signTest(t, privB, 3, false) }},
		{name: "revoked key", code: CodeRevokedKey,
			bundle: func(t testing.TB) []byte { return signTest(t, privA, 3, false) },
			opts:   func(o *VerifyOptions) { o.RevokedKeyIDs = []string{strings.ToUpper(KeyID(pubA))} }},
		{name: "unknown kind", code: CodeUnknownKind,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) { m["kind"] = "firmware" }, nil)
			},
			opts: func(o *VerifyOptions) { o.Kind = "" }},
		{name: "wrong kind", code: CodeWrongKind,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) { m["kind"] = "agent" }, nil)
			}},
		{name: "version zero", code: CodeBadVersion,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) { m["version"] = 0 }, nil)
			}},
		{name: "version fraction", code: CodeBadVersion,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) { m["version"] = 3.5 }, nil)
			}},
		{name: "version string", code: CodeBadVersion,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) { m["version"] = "4" }, nil)
			}},
		{name: "older version", code: CodeNotNewer,
			bundle: func(t testing.TB) []byte { return signTest(t, privA, 3, false) },
			opts:   func(o *VerifyOptions) { o.InstalledVersion = 4 }},
		{name: "same version", code: CodeNotNewer,
			bundle: func(t testing.TB) []byte { return signTest(t, privA, 3, false) },
			opts:   func(o *VerifyOptions) { o.InstalledVersion = 3 }},
		{name: "expired", code: CodeExpired,
			bundle: func(t testing.TB) []byte { return signTest(t, privA, 3, false) },
			opts: func(o *VerifyOptions) {
				o.Now = func() time.Time { return fixedNow().Add(365 * 24 * time.Hour) }
			}},
		{name: "files over the limit", code: CodeTooLarge,
			bundle: func(t testing.TB) []byte { return signTest(t, privA, 3, false) },
			opts:   func(o *VerifyOptions) { o.MaxBundleBytes = 1000 }},
		{name: "listed sizes over the limit", code: CodeTooLarge,
			bundle: func(t testing.TB) []byte { return crafted(t, privA, setFile(0, "size", int64(1)<<40), nil) }},
		{name: "bundle over the limit (trailing data)", code: CodeTooLarge,
			bundle: func(t testing.TB) []byte {
				return append(signTest(t, privA, 3, false), make([]byte, 2<<20)...)
			}},
		{name: "gzip bomb", code: CodeTooLarge,
			bundle: func(t testing.TB) []byte {
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				zw.Write(signTest(t, privA, 3, false))
				zw.Write(make([]byte, 16<<20)) // 16 MiB of zeros behind the tar
				zw.Close()
				if buf.Len() > 1<<20 {
					t.Fatalf("bomb is %d bytes compressed, want under the 1 MiB limit", buf.Len())
				}
				return buf.Bytes()
			}},
		{name: "too many files", code: CodeTooManyFiles,
			bundle: func(t testing.TB) []byte { return signTest(t, privA, 3, false) },
			opts:   func(o *VerifyOptions) { o.MaxFiles = 2 }},
		{name: "flipped byte in a file", code: CodeHashMismatch,
			bundle: func(t testing.TB) []byte {
				return flipIn(t, signTest(t, privA, 3, false), files["labels.txt"])
			}},
		{name: "flipped byte in a gzip file", code: CodeCorrupt,
			bundle: func(t testing.TB) []byte {
				b := signTest(t, privA, 3, true)
				out := bytes.Clone(b)
				out[len(out)-12] ^= 0xff // in the deflate stream's tail
				return out
			}},
		{name: "entry size differs", code: CodeSizeMismatch,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					es[2].body = append(es[2].body, '!')
					return es
				})
			}},
		{name: "missing file", code: CodeMissingFile,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry { return es[:2] })
			}},
		{name: "extra entry", code: CodeExtraFile,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append(es, entry{name: "extra.sh", body: []byte("#!/bin/sh\n")})
				})
			}},
		{name: "extra entry first", code: CodeExtraFile,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append([]entry{{name: "extra.sh", body: []byte("x")}}, es...)
				})
			}},
		{name: "duplicate entry", code: CodeDuplicateFile,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry { return append(es, es[0]) })
			}},
		{name: "second manifest", code: CodeDuplicateFile,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append(es, entry{name: ManifestName, body: []byte("{}")})
				})
			}},
		{name: "duplicate path in manifest", code: CodeDuplicateFile,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) {
					m["files"] = append(m["files"].([]any), m["files"].([]any)[2])
				}, nil)
			}},
		{name: "manifest path ../x", code: CodeBadPath,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, setFile(2, "path", "../x"), func(es []entry) []entry {
					es[2].name = "../x"
					return es
				})
			}},
		{name: "manifest absolute path", code: CodeBadPath,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, setFile(2, "path", "/etc/cron.d/x"), nil)
			}},
		{name: "manifest backslash path", code: CodeBadPath,
			bundle: func(t testing.TB) []byte { return crafted(t, privA, setFile(2, "path", `..\x`), nil) }},
		{name: "manifest unclean path", code: CodeBadPath,
			bundle: func(t testing.TB) []byte { return crafted(t, privA, setFile(2, "path", "a//b"), nil) }},
		{name: "manifest empty path", code: CodeBadPath,
			bundle: func(t testing.TB) []byte { return crafted(t, privA, setFile(2, "path", ""), nil) }},
		{name: "file where a folder is needed", code: CodeBadPath,
			bundle: func(t testing.TB) []byte { return crafted(t, privA, setFile(2, "path", "kernels"), nil) }},
		{name: "tar entry ../x", code: CodeBadPath,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append(es, entry{name: "../x", body: []byte("x")})
				})
			}},
		{name: "tar entry absolute", code: CodeBadPath,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append([]entry{{name: "/tmp/x", body: []byte("x")}}, es...)
				})
			}},
		{name: "symlink entry", code: CodeBadEntry,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					es[2] = entry{name: "labels.txt", typ: tar.TypeSymlink, link: "/etc/passwd"}
					return es
				})
			}},
		{name: "hard link entry", code: CodeBadEntry,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append(es[:1], entry{name: "x", typ: tar.TypeLink, link: "model.tflite"})
				})
			}},
		{name: "directory entry", code: CodeBadEntry,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append([]entry{{name: "kernels/", typ: tar.TypeDir}}, es...)
				})
			}},
		{name: "device entry", code: CodeBadEntry,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append(es, entry{name: "null", typ: tar.TypeChar})
				})
			}},
		{name: "fifo entry", code: CodeBadEntry,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, nil, func(es []entry) []entry {
					return append(es, entry{name: "pipe", typ: tar.TypeFifo})
				})
			}},
		{name: "symlink manifest", code: CodeBadEntry,
			bundle: func(t testing.TB) []byte {
				return writeTar(t, []entry{{name: ManifestName, typ: tar.TypeSymlink, link: "/etc/passwd"}}, false)
			}},
		{name: "variant not in files", code: CodeBadVariant,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) {
					m["variants"] = []any{map[string]any{"path": "other.tflite", "requires": "arch == arm64"}}
				}, nil)
			}},
		{name: "variant bad requirement", code: CodeBadVariant,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) {
					m["variants"] = []any{map[string]any{"path": "labels.txt", "requires": "arch === arm64 and"}}
				}, nil)
			}},
		{name: "variant meaningless requirement", code: CodeBadVariant,
			bundle: func(t testing.TB) []byte {
				return crafted(t, privA, func(m map[string]any) {
					m["variants"] = []any{map[string]any{"path": "labels.txt", "requires": "mem.total has 4"}}
				}, nil)
			}},
		{name: "truncated tar", code: CodeCorrupt,
			bundle: func(t testing.TB) []byte {
				b := signTest(t, privA, 3, false)
				i := bytes.Index(b, files["model.tflite"])
				return b[:i+100]
			}},
		{name: "truncated tar.gz", code: CodeCorrupt,
			bundle: func(t testing.TB) []byte {
				b := signTest(t, privA, 3, true)
				return b[:len(b)*2/3]
			}},
		{name: "not a tar", code: CodeCorrupt,
			bundle: func(t testing.TB) []byte { return bytes.Repeat([]byte("not a tar file\n"), 100) }},
		{name: "gzip magic then junk", code: CodeCorrupt,
			bundle: func(t testing.TB) []byte { return append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{7}, 600)...) }},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := goodOpts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			stage := t.TempDir()
			v, err := Verify(bytes.NewReader(tc.bundle(t)), opts, stage)
			if err == nil {
				t.Fatalf("accepted (%s v%d), want %s", v.Manifest.Name, v.Manifest.Version, tc.code)
			}
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("error %v (%T) is not an *ota.Error", err, err)
			}
			if oe.Code != tc.code || !Is(err, tc.code) || Code(err) != tc.code {
				t.Fatalf("code %s (%v), want %s", oe.Code, err, tc.code)
			}
			t.Logf("%v", err)
			if oe.Msg == "" {
				t.Errorf("empty message")
			}
			if left := dirEntries(t, stage); len(left) > 0 {
				t.Errorf("staging folder not emptied after %s: %v", tc.code, left)
			}
		})
		covered[tc.code] = true
	}
	for _, code := range allCodes() {
		if !covered[code] {
			t.Errorf("no refusal case for %s", code)
		}
	}
}

// allCodes lists every refusal code.
func allCodes() []string {
	return []string{CodeNoTrustedKeys, CodeMissingManifest, CodeBadManifest, CodeMissingSignature,
		CodeBadSignature, CodeUntrustedKey, CodeRevokedKey, CodeUnknownKind, CodeWrongKind, CodeBadVersion,
		CodeNotNewer, CodeExpired, CodeTooLarge, CodeTooManyFiles, CodeHashMismatch, CodeSizeMismatch,
		CodeMissingFile, CodeExtraFile, CodeDuplicateFile, CodeBadPath, CodeBadEntry, CodeBadVariant, CodeCorrupt}
}

// TestVerifyRefusesLateAndCleansUp checks that a mismatch in the last file
// removes the files already staged before it.
func TestVerifyRefusesLateAndCleansUp(t *testing.T) {
	priv, _ := testKey(1)
	b := flipIn(t, signTest(t, priv, 3, false), testFiles()["labels.txt"])
	stage := t.TempDir()
	_, err := Verify(bytes.NewReader(b), goodOpts(), stage)
	if !Is(err, CodeHashMismatch) {
		t.Fatalf("err %v, want hash_mismatch", err)
	}
	if left := dirEntries(t, stage); len(left) != 0 {
		t.Fatalf("staging folder holds %v after the refusal", left)
	}
	if _, err := os.Stat(stage); err != nil {
		t.Fatalf("the staging folder itself should stay: %v", err)
	}
}

func TestVerifyHappyPath(t *testing.T) {
	for _, gz := range []bool{false, true} {
		name := "tar"
		if gz {
			name = "tar.gz"
		}
		t.Run(name, func(t *testing.T) {
			privOld, pubOld := testKey(1)
			_ = privOld
			privNew, pubNew := testKey(2)
			b := signTest(t, privNew, 3, gz)
			if got := len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b; got != gz {
				t.Fatalf("gzip magic present %v, want %v", got, gz)
			}
			opts := VerifyOptions{TrustedKeys: []Public{pubOld, pubNew}, Kind: KindModel, InstalledVersion: 2, Now: fixedNow}
			stage := filepath.Join(t.TempDir(), "stage")
			v, err := Verify(bytes.NewReader(b), opts, stage)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.KeyID != KeyID(pubNew) || v.Manifest.KeyID != KeyID(pubNew) {
				t.Errorf("key id %s / %s, want %s", v.KeyID, v.Manifest.KeyID, KeyID(pubNew))
			}
			if v.Manifest.Kind != KindModel || v.Manifest.Name != "detector" || v.Manifest.Version != 3 {
				t.Errorf("manifest %+v", v.Manifest)
			}
			if v.BundleBytes != int64(len(b)) {
				t.Errorf("BundleBytes %d, want %d", v.BundleBytes, len(b))
			}
			if !bytes.HasPrefix(v.ManifestBytes, []byte(`{"kind":"model"`)) || len(v.Signature) != 64 {
				t.Errorf("manifest bytes %q, signature %d bytes", v.ManifestBytes, len(v.Signature))
			}
			files := testFiles()
			if len(v.Paths) != len(testFileNames()) {
				t.Fatalf("paths %v", v.Paths)
			}
			for i, n := range testFileNames() {
				if v.Paths[i] != v.StagedPath(n) || v.Paths[i] != filepath.Join(stage, filepath.FromSlash(n)) {
					t.Errorf("path %d = %s, want %s", i, v.Paths[i], v.StagedPath(n))
				}
				got, err := os.ReadFile(v.Paths[i])
				if err != nil || !bytes.Equal(got, files[n]) {
					t.Errorf("staged %s: %v, content equal %v", n, err, bytes.Equal(got, files[n]))
				}
				fi, err := os.Stat(v.Paths[i])
				if err != nil || fi.Mode().Perm()&^0o640 != 0 {
					t.Errorf("staged %s mode %v (%v), want at most 0640", n, fi.Mode(), err)
				}
			}
			di, err := os.Stat(filepath.Join(stage, "kernels", "arm64"))
			if err != nil || !di.IsDir() || di.Mode().Perm()&^0o750 != 0 {
				t.Errorf("staged folder mode %v (%v), want at most 0750", di.Mode(), err)
			}
			want := []string{"kernels", "kernels/arm64", "kernels/arm64/model_dotprod.tflite", "labels.txt", "model.tflite"}
			if got := dirEntries(t, stage); !slices.Equal(got, want) {
				t.Errorf("staging holds %v, want %v", got, want)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	privOld, pubOld := testKey(1)
	privNew, pubNew := testKey(2)
	oldBundle := signTest(t, privOld, 3, false)
	newBundle := signTest(t, privNew, 4, true)
	verify := func(b []byte, trusted []Public, revoked []string) error {
		t.Helper()
		_, err := Verify(bytes.NewReader(b), VerifyOptions{
			TrustedKeys: trusted, RevokedKeyIDs: revoked, InstalledVersion: 2, Now: fixedNow,
		}, t.TempDir())
		return err
	}
	// Step 1: devices trust both; bundles signed by either are accepted.
	both := []Public{pubOld, pubNew}
	if err := verify(oldBundle, both, nil); err != nil {
		t.Errorf("old key, both trusted: %v", err)
	}
	if err := verify(newBundle, both, nil); err != nil {
		t.Errorf("new key, both trusted: %v", err)
	}
	// Step 2: the old key is revoked while still listed as trusted.
	revoked := []string{KeyID(pubOld)}
	if err := verify(newBundle, both, revoked); err != nil {
		t.Errorf("new key, old revoked: %v", err)
	}
	if err := verify(oldBundle, both, revoked); !Is(err, CodeRevokedKey) {
		t.Errorf("old key revoked: %v, want revoked_key", err)
	}
	// Step 3: the old key is removed from the trusted list.
	if err := verify(oldBundle, []Public{pubNew}, nil); !Is(err, CodeUntrustedKey) {
		t.Errorf("old key removed: %v, want untrusted_key", err)
	}
	if err := verify(newBundle, []Public{pubNew}, revoked); err != nil {
		t.Errorf("new key alone: %v", err)
	}
}

func TestVerifyAllowDowngrade(t *testing.T) {
	priv, pub := testKey(1)
	b := signTest(t, priv, 3, false)
	for _, installed := range []int64{3, 7} {
		opts := VerifyOptions{TrustedKeys: []Public{pub}, InstalledVersion: installed, AllowDowngrade: true, Now: fixedNow}
		if _, err := Verify(bytes.NewReader(b), opts, t.TempDir()); err != nil {
			t.Errorf("installed %d with AllowDowngrade: %v", installed, err)
		}
	}
}

func TestVerifyStagingAndOptionErrors(t *testing.T) {
	priv, pub := testKey(1)
	b := signTest(t, priv, 3, false)
	stage := t.TempDir()
	keep := filepath.Join(stage, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Verify(bytes.NewReader(b), VerifyOptions{TrustedKeys: []Public{pub}, Now: fixedNow}, stage)
	if err == nil || Code(err) != "" || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-empty staging: %v, want a plain error", err)
	}
	if _, serr := os.Stat(keep); serr != nil {
		t.Errorf("the existing file was removed: %v", serr)
	}
	for _, opts := range []VerifyOptions{
		{TrustedKeys: []Public{pub}, Kind: "firmware"},
		{TrustedKeys: []Public{pub}, MaxBundleBytes: -1},
		{TrustedKeys: []Public{pub}, RevokedKeyIDs: []string{"nope"}},
		{TrustedKeys: []Public{pub[:5]}},
	} {
		if _, err := Verify(bytes.NewReader(b), opts, t.TempDir()); err == nil || Code(err) != "" {
			t.Errorf("options %+v: %v, want a plain error", opts, err)
		}
	}
	if _, err := Verify(bytes.NewReader(b), VerifyOptions{TrustedKeys: []Public{pub}}, ""); err == nil {
		t.Errorf("no staging folder accepted")
	}
}

// failingReader fails after n bytes.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("network down")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	k, err := f.r.Read(p)
	f.n -= k
	return k, err
}

func TestVerifyReadErrorIsNotARefusal(t *testing.T) {
	priv, pub := testKey(1)
	b := signTest(t, priv, 3, false)
	stage := t.TempDir()
	_, err := Verify(&failingReader{r: bytes.NewReader(b), n: len(b) / 2}, VerifyOptions{TrustedKeys: []Public{pub}, Now: fixedNow}, stage)
	if err == nil || Code(err) != "" || !strings.Contains(err.Error(), "network down") {
		t.Fatalf("err %v, want the reader's error, not a refusal", err)
	}
	if left := dirEntries(t, stage); len(left) != 0 {
		t.Fatalf("staging holds %v", left)
	}
}

func TestVerifyAsksTheInstalledVersionByName(t *testing.T) {
	priv, pub := testKey(1)
	b := signTest(t, priv, 3, false)
	var asked []string
	installed := func(v int64, err error) func(kind, name string) (int64, error) {
		return func(kind, name string) (int64, error) {
			asked = append(asked, kind+"/"+name)
			return v, err
		}
	}
	opts := VerifyOptions{TrustedKeys: []Public{pub}, Now: fixedNow, Installed: installed(3, nil)}
	stage := t.TempDir()
	if _, err := Verify(bytes.NewReader(b), opts, stage); !Is(err, CodeNotNewer) {
		t.Fatalf("installed 3 by name: %v, want not_newer", err)
	}
	if len(asked) != 1 || !strings.HasPrefix(asked[0], "model/") {
		t.Fatalf("asked %v", asked)
	}
	if entries, _ := os.ReadDir(stage); len(entries) != 0 {
		t.Fatalf("staging holds %d entries after a refusal", len(entries))
	}
	opts.Installed = installed(2, nil)
	if _, err := Verify(bytes.NewReader(b), opts, t.TempDir()); err != nil {
		t.Fatalf("installed 2: %v", err)
	}
	opts.Installed = installed(0, errors.New("floor unreadable"))
	if _, err := Verify(bytes.NewReader(b), opts, t.TempDir()); err == nil || !strings.Contains(err.Error(), "floor unreadable") {
		t.Fatalf("a failing floor: %v", err)
	}
}
