package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/ota"
)

// otaFixture makes a key pair and two model files in a temporary folder.
func otaFixture(t *testing.T) (dir, prefix string) {
	t.Helper()
	dir = t.TempDir()
	prefix = filepath.Join(dir, "release")
	if code, out, errOut := cli("ota", "keygen", "--out", prefix); code != 0 {
		t.Fatalf("keygen: exit %d: %s %s", code, out, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.tflite"), bytes.Repeat([]byte("generic "), 512), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "arm64"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "arm64", "model_dotprod.tflite"), bytes.Repeat([]byte("dotprod "), 256), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, prefix
}

// signBundle runs ota sign and fails the test unless it succeeds.
func signBundle(t *testing.T, dir, prefix string, extra ...string) string {
	t.Helper()
	bundle := filepath.Join(dir, "detector-3.bundle")
	args := append([]string{"ota", "sign", "--key", prefix + ".key", "--name", "detector", "--version", "3",
		"--out", bundle,
		"--variant", filepath.Join(dir, "arm64", "model_dotprod.tflite") + ":arch == arm64 and cpu.features has asimddp",
		filepath.Join(dir, "model.tflite"), filepath.Join(dir, "arm64", "model_dotprod.tflite")}, extra...)
	code, out, errOut := cli(args...)
	if code != 0 {
		t.Fatalf("sign: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "signed model detector version 3") {
		t.Fatalf("sign output %q", out)
	}
	return bundle
}

func TestOTAKeygen(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "k")
	code, out, errOut := cli("ota", "keygen", "--out", prefix)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fi, err := os.Stat(prefix + ".key")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v (%v), want 0600", fi.Mode(), err)
	}
	pubText, err := os.ReadFile(prefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(pubText), "\n") != 1 || !strings.HasPrefix(string(pubText), "ed25519:") {
		t.Fatalf("public key file %q, want one line ed25519:BASE64", pubText)
	}
	pub, err := ota.ParsePublicKey(string(pubText))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, ota.KeyID(pub)) {
		t.Errorf("output %q lacks the key id %s", out, ota.KeyID(pub))
	}
	if _, err := ota.ReadPrivateKeyFile(prefix + ".key"); err != nil {
		t.Errorf("private key file: %v", err)
	}
	// No overwrite without --force; the old keys stay.
	code, _, errOut = cli("ota", "keygen", "--out", prefix)
	if code != 1 || !strings.Contains(errOut, "exists") {
		t.Fatalf("second keygen: exit %d, %q", code, errOut)
	}
	oneLineErr(t, errOut)
	if again, _ := os.ReadFile(prefix + ".pub"); !bytes.Equal(again, pubText) {
		t.Fatalf("public key replaced without --force")
	}
	if code, _, errOut := cli("ota", "keygen", "--out", prefix, "--force"); code != 0 {
		t.Fatalf("keygen --force: exit %d: %s", code, errOut)
	}
	if again, _ := os.ReadFile(prefix + ".pub"); bytes.Equal(again, pubText) {
		t.Fatalf("--force did not make a new key")
	}
}

func TestOTASignVerify(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir, prefix := otaFixture(t)
		var extra []string
		if gz {
			extra = []string{"--gzip", "--expires", "30d"}
		}
		bundle := signBundle(t, dir, prefix, extra...)
		head, _ := os.ReadFile(bundle)
		if isGz := len(head) > 2 && head[0] == 0x1f && head[1] == 0x8b; isGz != gz {
			t.Fatalf("gzip %v, want %v", isGz, gz)
		}

		code, out, errOut := cli("ota", "verify", "--trust", prefix+".pub", "--installed", "2", "--kind", "model", bundle)
		if code != 0 {
			t.Fatalf("verify: exit %d: %s", code, errOut)
		}
		pub, _ := ota.ReadPublicKeyFile(prefix + ".pub")
		for _, want := range []string{"kind:", "model", "detector", "version:", "3", ota.KeyID(pub),
			"model.tflite", "4096 bytes", "model_dotprod.tflite", "2048 bytes", "arch == arm64 and cpu.features has asimddp"} {
			if !strings.Contains(out, want) {
				t.Errorf("verify output lacks %q:\n%s", want, out)
			}
		}
		if gz != strings.Contains(out, "expires:") {
			t.Errorf("expires shown %v, want %v:\n%s", !gz, gz, out)
		}

		code, out, _ = cli("ota", "verify", "--trust", pub.String(), "--json", bundle)
		var res verifyOutput
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("verify --json: exit %d, %q", code, out)
		}
		if !res.Accepted || res.KeyID != ota.KeyID(pub) || !strings.Contains(out, `"version": 3`) || !strings.Contains(out, `"variants"`) {
			t.Fatalf("verify --json: %s", out)
		}
	}
}

func TestOTAVerifyRefusals(t *testing.T) {
	dir, prefix := otaFixture(t)
	bundle := signBundle(t, dir, prefix)
	other := filepath.Join(dir, "other")
	if code, _, errOut := cli("ota", "keygen", "--out", other); code != 0 {
		t.Fatal(errOut)
	}
	raw, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(dir, "tampered.bundle")
	i := bytes.Index(raw, []byte("dotprod dotprod"))
	if i < 0 {
		t.Fatal("file content not found in the bundle")
	}
	raw[i] ^= 0x20
	if err := os.WriteFile(tampered, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	pub, _ := ota.ReadPublicKeyFile(prefix + ".pub")
	for _, tc := range []struct {
		name string
		args []string
		code string
	}{
		{"another key", []string{"--trust", other + ".pub", bundle}, "untrusted_key"},
		{"tampered", []string{"--trust", prefix + ".pub", tampered}, "hash_mismatch"},
		{"installed", []string{"--trust", prefix + ".pub", "--installed", "3", bundle}, "not_newer"},
		{"wrong kind", []string{"--trust", prefix + ".pub", "--kind", "agent", bundle}, "wrong_kind"},
		{"revoked", []string{"--trust", prefix + ".pub", "--revoked", ota.KeyID(pub), bundle}, "revoked_key"},
		{"too large", []string{"--trust", prefix + ".pub", "--max-bytes", "4000", bundle}, "too_large"},
	} {
		code, out, errOut := cli(append([]string{"ota", "verify"}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.code) || !strings.Contains(errOut, "refused") {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %s", tc.name, code, errOut, tc.code)
		}
		oneLineErr(t, errOut)
		if out != "" {
			t.Errorf("%s: stdout %q on refusal", tc.name, out)
		}
	}
	// --json prints the refusal on stdout too.
	code, out, errOut := cli("ota", "verify", "--json", "--trust", other+".pub", bundle)
	var res verifyOutput
	if code != 1 || json.Unmarshal([]byte(out), &res) != nil || res.Accepted || res.Code != "untrusted_key" {
		t.Errorf("--json refusal: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// Trusting both keys accepts it (rotation).
	if code, _, errOut := cli("ota", "verify", "--trust", other+".pub", "--trust", prefix+".pub", bundle); code != 0 {
		t.Errorf("two trusted keys: exit %d: %s", code, errOut)
	}
	// A missing bundle is an error, not a usage error.
	if code, _, errOut := cli("ota", "verify", "--trust", prefix+".pub", filepath.Join(dir, "none")); code != 1 {
		t.Errorf("missing bundle: exit %d: %s", code, errOut)
	}
}

func TestOTAHelpAndUsage(t *testing.T) {
	dir, prefix := otaFixture(t)
	model := filepath.Join(dir, "model.tflite")
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--help"}, 0, "ota"},
		{[]string{"ota", "--help"}, 0, "keygen"},
		{[]string{"ota", "keygen", "--help"}, 0, "-force"},
		{[]string{"ota", "sign", "--help"}, 0, "-variant"},
		{[]string{"ota", "verify", "--help"}, 0, "-trust"},
		{[]string{"ota"}, 2, ""},
		{[]string{"ota", "nonsense"}, 2, ""},
		{[]string{"ota", "keygen"}, 2, ""},
		{[]string{"ota", "keygen", "--out", filepath.Join(dir, "x"), "extra"}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "m", "--version", "1", "--out", filepath.Join(dir, "b")}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "m", "--out", filepath.Join(dir, "b"), model}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "m", "--version", "1", "--kind", "firmware", "--out", filepath.Join(dir, "b"), model}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "m", "--version", "1", "--out", filepath.Join(dir, "b"), "--variant", "other.tflite:arch == arm64", model}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "m", "--version", "1", "--out", filepath.Join(dir, "b"), "--variant", "model.tflite:arch === arm64", model}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "../m", "--version", "1", "--out", filepath.Join(dir, "b"), model}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "m", "--version", "1", "--expires", "soon", "--out", filepath.Join(dir, "b"), model}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "m", "--version", "1", "--out", filepath.Join(dir, "b"), model, filepath.Join(dir, "arm64", "..", "model.tflite")}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".key", "--name", "m", "--version", "1", "--out", model, model}, 2, ""},
		{[]string{"ota", "sign", "--key", prefix + ".pub", "--name", "m", "--version", "1", "--out", filepath.Join(dir, "b"), model}, 1, ""},
		{[]string{"ota", "verify", filepath.Join(dir, "b")}, 2, ""},
		{[]string{"ota", "verify", "--trust", prefix + ".pub"}, 2, ""},
		{[]string{"ota", "verify", "--trust", "ed25519:AAAA", filepath.Join(dir, "b")}, 2, ""},
		{[]string{"ota", "verify", "--trust", prefix + ".pub", "--revoked", "xyz", filepath.Join(dir, "b")}, 2, ""},
	} {
		code, out, errOut := cli(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", tc.args, code, out, errOut, tc.code, tc.out)
		}
		if tc.code != 0 {
			oneLineErr(t, errOut)
		}
	}
	// Failed signs leave no bundle or temporary file behind.
	if _, err := os.Stat(filepath.Join(dir, "b")); err == nil {
		t.Errorf("a failed sign wrote the bundle")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if got, _ := os.ReadFile(model); !bytes.Equal(got, bytes.Repeat([]byte("generic "), 512)) {
		t.Errorf("the model was overwritten")
	}
}

func TestParseExpires(t *testing.T) {
	now := mustTime(t, "2026-03-01T00:00:00Z")
	for _, tc := range []struct{ in, want string }{
		{"30d", "2026-03-31T00:00:00Z"},
		{"36h", "2026-03-02T12:00:00Z"},
		{"2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z"},
	} {
		got, err := parseExpires(tc.in, now)
		if err != nil || !got.Equal(mustTime(t, tc.want)) {
			t.Errorf("parseExpires(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "0d", "-1h", "2020-01-01T00:00:00Z", "d", "1y"} {
		if _, err := parseExpires(bad, now); err == nil {
			t.Errorf("parseExpires(%q) accepted", bad)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOTASignSelfTest(t *testing.T) {
	dir, prefix := otaFixture(t)
	in, out := filepath.Join(dir, "in.bin"), filepath.Join(dir, "out.bin")
	os.WriteFile(in, []byte{1, 2, 3, 4}, 0o644)
	os.WriteFile(out, []byte{5, 6}, 0o644)
	bundle := signBundle(t, dir, prefix, "--self-test-input", in, "--self-test-output", out, "--self-test-max-diff", "0.25")
	code, stdout, errOut := cli("ota", "verify", "--trust", prefix+".pub", "--json", bundle)
	if code != 0 || !strings.Contains(stdout, `"self_test"`) || !strings.Contains(stdout, `"in.bin"`) || !strings.Contains(stdout, `"max_diff": 0.25`) {
		t.Fatalf("verify --json: exit %d %s %s", code, stdout, errOut)
	}
	if code, _, errOut := cli("ota", "sign", "--key", prefix+".key", "--name", "x", "--version", "1", "--out", filepath.Join(dir, "x.bundle"),
		"--self-test-input", in, filepath.Join(dir, "model.tflite")); code != 2 || !strings.Contains(errOut, "both") {
		t.Fatalf("a self-test without outputs: exit %d %q", code, errOut)
	}
}
