package ota

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeysTextForms(t *testing.T) {
	priv, pub, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(priv) != ed25519.PrivateKeySize || len(pub) != ed25519.PublicKeySize || !priv.Public().equal(pub) {
		t.Fatalf("key sizes %d/%d or halves differ", len(priv), len(pub))
	}
	s := pub.String()
	if !strings.HasPrefix(s, "ed25519:") || len(s) != len("ed25519:")+44 {
		t.Fatalf("public text %q", s)
	}
	back, err := ParsePublicKey("  " + s + "\n")
	if err != nil || !back.equal(pub) {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	pk, err := ParsePrivateKey(FormatPrivateKey(priv))
	if err != nil || !pk.Public().equal(pub) {
		t.Fatalf("ParsePrivateKey: %v", err)
	}
	// Printing a private key shows its id, never the secret.
	printed := fmt.Sprintf("%v %s", priv, priv)
	if strings.Contains(printed, base64.StdEncoding.EncodeToString(priv)[:20]) || !strings.Contains(printed, KeyID(pub)) {
		t.Fatalf("printed private key %q", printed)
	}
	id := KeyID(pub)
	if len(id) != 16 || pub.KeyID() != id || !validKeyID(id) {
		t.Fatalf("key id %q", id)
	}
	if n, err := NormalizeKeyID(" " + strings.ToUpper(id) + " "); err != nil || n != id {
		t.Fatalf("NormalizeKeyID: %q %v", n, err)
	}
	for _, bad := range []string{"", "ed25519:", "ed25519:AAAA", "rsa:" + s[8:], s[8:], s + "==", "ed25519:" + strings.Repeat("!", 44)} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}
	other, _ := testKey(9)
	mixed := append(append([]byte{}, priv[:32]...), other[32:]...)
	for _, bad := range []string{"", s, "ed25519-private:AAAA", PrivateKeyPrefix + base64.StdEncoding.EncodeToString(mixed)} {
		if _, err := ParsePrivateKey(bad); err == nil {
			t.Errorf("ParsePrivateKey(%q) accepted", bad)
		}
	}
	if _, err := NormalizeKeyID("xyz"); err == nil {
		t.Errorf("NormalizeKeyID accepted xyz")
	}
}

func (p Public) equal(q Public) bool { return ed25519.PublicKey(p).Equal(ed25519.PublicKey(q)) }

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	priv, pub := testKey(3)
	kp, pp := filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
	if err := WritePrivateKeyFile(kp, priv, false); err != nil {
		t.Fatal(err)
	}
	if err := WritePublicKeyFile(pp, pub, false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(kp)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v (%v), want 0600", fi.Mode(), err)
	}
	text, _ := os.ReadFile(pp)
	if string(text) != pub.String()+"\n" {
		t.Fatalf("public file %q", text)
	}
	if err := WritePrivateKeyFile(kp, priv, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("overwrite without force: %v", err)
	}
	// force replaces it and the mode is 0600 even if it was looser.
	if err := os.Chmod(kp, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WritePrivateKeyFile(kp, priv, true); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(kp); fi.Mode().Perm() != 0o600 {
		t.Fatalf("forced private key mode %v", fi.Mode())
	}
	k2, err := ReadPrivateKeyFile(kp)
	if err != nil || !k2.Public().equal(pub) {
		t.Fatalf("ReadPrivateKeyFile: %v", err)
	}
	p2, err := ReadPublicKeyFile(pp)
	if err != nil || !p2.equal(pub) {
		t.Fatalf("ReadPublicKeyFile: %v", err)
	}
	if _, err := ReadPrivateKeyFile(pp); err == nil {
		t.Errorf("public key read as private")
	}
	if _, err := ReadPublicKeyFile(filepath.Join(dir, "none")); err == nil {
		t.Errorf("missing file read")
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 10000), 0o600)
	if _, err := ReadPublicKeyFile(big); err == nil {
		t.Errorf("big file read as a key")
	}
	if err := WritePublicKeyFile(filepath.Join(dir, "x.pub"), pub[:3], false); err == nil {
		t.Errorf("short public key written")
	}
}
