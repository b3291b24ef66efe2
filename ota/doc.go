// Package ota signs and verifies over-the-air update bundles of models and
// of the agent.
//
// A bundle is one tar file, optionally gzip-compressed: manifest.json
// first, manifest.sig (the raw 64-byte Ed25519 signature over the
// manifest's exact bytes) second, then the files the manifest lists with
// their SHA-256 and size. Sign writes one; Verify reads one as it streams
// in, checks the signature against the trusted keys before it uses the
// manifest, and stages each file while hashing it, refusing at the first
// problem with an *Error whose Code names it (bad_signature, not_newer,
// hash_mismatch, bad_path ...). Floor keeps the highest version a device
// ever accepted, so rollback stays refused after a model is removed.
//
// Keys have a text form: "ed25519:BASE64" for a public key (the agent's
// ota.trusted_keys), "ed25519-private:BASE64" for the private key file.
// KeyID names a key in manifests and in ota.revoked_keys. README.md in
// this folder describes the format, the threats it answers and how to
// rotate and revoke keys.
package ota
