package ota

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/edge-agent/edge-agent/internal/fsutil"
)

// Text forms of keys.
const (
	// PublicKeyPrefix starts the text form of a public key: "ed25519:"
	// followed by the standard base64 of the 32-byte key.
	PublicKeyPrefix = "ed25519:"
	// PrivateKeyPrefix starts the text form of a private key, the one line
	// of a .key file: "ed25519-private:" followed by the standard base64 of
	// the 64-byte Ed25519 private key (seed, then public key).
	PrivateKeyPrefix = "ed25519-private:"
)

// maxKeyFileBytes bounds what ReadPrivateKeyFile and ReadPublicKeyFile read.
const maxKeyFileBytes = 4096

// Public is an Ed25519 public key (32 bytes) that may sign bundles.
type Public ed25519.PublicKey

// Private is an Ed25519 private key (64 bytes) that signs bundles.
type Private ed25519.PrivateKey

// GenerateKey makes a new key pair from the system's random source.
func GenerateKey() (Private, Public, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return Private(priv), Public(pub), nil
}

// String returns the text form "ed25519:BASE64".
func (p Public) String() string {
	return PublicKeyPrefix + base64.StdEncoding.EncodeToString(p)
}

// KeyID returns the key's id, as KeyID does.
func (p Public) KeyID() string { return KeyID(p) }

// Public returns the public half of the key.
func (k Private) Public() Public {
	if len(k) != ed25519.PrivateKeySize {
		return nil
	}
	return Public(bytes.Clone(k[32:]))
}

// String hides the key: it returns "ed25519-private:<KEY-ID>", never the
// secret, so that a key printed by mistake leaks nothing. FormatPrivateKey
// gives the real text form.
func (k Private) String() string {
	if len(k) != ed25519.PrivateKeySize {
		return PrivateKeyPrefix + "<invalid>"
	}
	return PrivateKeyPrefix + "<" + KeyID(k.Public()) + ">"
}

// FormatPrivateKey returns the text form of a private key,
// "ed25519-private:BASE64", as a .key file holds it.
func FormatPrivateKey(k Private) string {
	return PrivateKeyPrefix + base64.StdEncoding.EncodeToString(k)
}

// KeyID returns the id of a public key, the manifest's key_id: the first
// 16 hex digits of the SHA-256 of the raw 32-byte key.
func KeyID(pub Public) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// validKeyID reports whether s has the form of a key id (16 lowercase hex
// digits).
func validKeyID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// NormalizeKeyID returns a key id in its canonical form (trimmed,
// lowercase) and an error when it is not 16 hex digits.
func NormalizeKeyID(s string) (string, error) {
	id := strings.ToLower(strings.TrimSpace(s))
	if !validKeyID(id) {
		return "", fmt.Errorf("key id %q: want 16 hex digits", s)
	}
	return id, nil
}

// ParsePublicKey parses the text form "ed25519:BASE64" (surrounding white
// space is ignored).
func ParsePublicKey(s string) (Public, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, PublicKeyPrefix)
	if !ok {
		return nil, fmt.Errorf("public key %q: want %sBASE64", shorten(s), PublicKeyPrefix)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("public key %q: %w", shorten(s), err)
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key %q: %d bytes, want %d", shorten(s), len(b), ed25519.PublicKeySize)
	}
	return Public(b), nil
}

// ParsePrivateKey parses the text form "ed25519-private:BASE64" of a
// private key and checks that its public half belongs to its seed.
func ParsePrivateKey(s string) (Private, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), PrivateKeyPrefix)
	if !ok {
		return nil, fmt.Errorf("private key: want %sBASE64", PrivateKeyPrefix)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("private key: bad base64: %w", err)
	}
	if len(b) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("private key: %d bytes, want %d", len(b), ed25519.PrivateKeySize)
	}
	k := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
	if !bytes.Equal(k, b) {
		return nil, errors.New("private key: its public half does not match its seed")
	}
	return Private(k), nil
}

// shorten cuts s for error messages.
func shorten(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// WritePrivateKeyFile writes k to path as one line in its text form, with
// mode 0600, and fsyncs it. It refuses to replace an existing file unless
// force is set (the replaced file also ends with mode 0600).
func WritePrivateKeyFile(path string, k Private, force bool) error {
	if len(k) != ed25519.PrivateKeySize {
		return fmt.Errorf("write private key %s: not an ed25519 private key", path)
	}
	return writeKeyFile(path, FormatPrivateKey(k)+"\n", 0o600, force)
}

// WritePublicKeyFile writes pub to path as one line "ed25519:BASE64", with
// mode 0644, and fsyncs it. It refuses to replace an existing file unless
// force is set.
func WritePublicKeyFile(path string, pub Public, force bool) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("write public key %s: not an ed25519 public key", path)
	}
	return writeKeyFile(path, pub.String()+"\n", 0o644, force)
}

func writeKeyFile(path, text string, mode os.FileMode, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("write key %s: file exists (force replaces it)", path)
		}
		return fmt.Errorf("write key: %w", err)
	}
	// A replaced file keeps its old mode through O_TRUNC: set ours.
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if _, err := io.WriteString(f, text); err != nil {
		f.Close()
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// readKeyFile reads a small key file.
func readKeyFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("read key %s: %w", path, err)
	}
	if len(b) > maxKeyFileBytes {
		return "", fmt.Errorf("read key %s: over %d bytes, not a key file", path, maxKeyFileBytes)
	}
	return string(b), nil
}

// ReadPrivateKeyFile reads a private key file written by
// WritePrivateKeyFile.
func ReadPrivateKeyFile(path string) (Private, error) {
	s, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ReadPublicKeyFile reads a public key file: one line "ed25519:BASE64".
func ReadPublicKeyFile(path string) (Public, error) {
	s, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePublicKey(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// syncDir fsyncs a folder (see fsutil.SyncDir).
func syncDir(dir string) error { return fsutil.SyncDir(dir) }
