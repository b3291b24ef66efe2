package ota

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"testing"
)

func FuzzVerify(f *testing.F) {
	priv, pub := testKey(1)
	good := signTest(f, priv, 3, false)
	f.Add(good)
	f.Add(signTest(f, priv, 3, true))
	f.Add(good[:len(good)/2])
	f.Add(crafted(f, priv, nil, func(es []entry) []entry { return append(es, es[0]) }))
	f.Add(crafted(f, priv, func(m map[string]any) { m["files"].([]any)[2].(map[string]any)["path"] = "../x" }, nil))
	f.Add([]byte{})
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	codes := allCodes()
	f.Fuzz(func(t *testing.T, b []byte) {
		stage := t.TempDir()
		opts := VerifyOptions{TrustedKeys: []Public{pub}, Now: fixedNow, MaxBundleBytes: 1 << 20, MaxFiles: 16}
		v, err := Verify(bytes.NewReader(b), opts, stage)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || !slices.Contains(codes, oe.Code) {
				t.Fatalf("error %v (%T) is not a refusal with a known code", err, err)
			}
			if left := dirEntries(t, stage); len(left) != 0 {
				t.Fatalf("refusal %v left %v in staging", err, left)
			}
			return
		}
		// Accepted: the manifest is signed by the trusted key and every
		// staged file has the listed hash and size.
		if !ed25519.Verify(ed25519.PublicKey(pub), v.ManifestBytes, v.Signature) {
			t.Fatalf("accepted a manifest the trusted key did not sign")
		}
		for i, fl := range v.Manifest.Files {
			got, err := os.ReadFile(v.Paths[i])
			if err != nil {
				t.Fatalf("staged %s: %v", fl.Path, err)
			}
			sum := sha256.Sum256(got)
			if hex.EncodeToString(sum[:]) != fl.SHA256 || int64(len(got)) != fl.Size {
				t.Fatalf("staged %s differs from the manifest", fl.Path)
			}
		}
	})
}

func FuzzManifest(f *testing.F) {
	_, pub := testKey(1)
	f.Add(mustJSON(f, baseManifest(pub)))
	f.Add([]byte(`{"kind":"agent","name":"a","version":1,"created":"2026-01-01T00:00:00+01:00","files":[{"path":"a/b","sha256":"` +
		"0000000000000000000000000000000000000000000000000000000000000000" + `","size":0}],"key_id":"0123456789abcdef"}`))
	f.Add([]byte(`{"kind":"model","version":1.5}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"kind":"model","kind":"agent"}`))
	codes := allCodes()
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || !slices.Contains(codes, oe.Code) {
				t.Fatalf("error %v (%T) is not a refusal with a known code", err, err)
			}
			return
		}
		// A valid manifest encodes, and its encoding parses to the same.
		raw, err := m.Encode()
		if err != nil {
			t.Fatalf("valid manifest %q does not encode: %v", b, err)
		}
		m2, err := ParseManifest(raw)
		if err != nil {
			t.Fatalf("encoding %q of a valid manifest does not parse: %v", raw, err)
		}
		if m2.Kind != m.Kind || m2.Name != m.Name || m2.Version != m.Version || !m2.Created.Equal(m.Created) ||
			!m2.Expires.Equal(m.Expires) || m2.KeyID != m.KeyID || !slices.Equal(m2.Files, m.Files) || !slices.Equal(m2.Variants, m.Variants) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v", m, m2)
		}
		raw2, err := m2.Encode()
		if err != nil || !bytes.Equal(raw, raw2) {
			t.Fatalf("encoding is not stable: %q then %q (%v)", raw, raw2, err)
		}
		m.PickVariant(nil)
	})
}
