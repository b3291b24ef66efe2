package ota

import (
	"errors"
	"fmt"
)

// Refusal codes: the Code of every *Error that Verify (and the manifest
// parser) returns. Each names one reason a bundle is refused.
const (
	// CodeNoTrustedKeys: the verifier was given no trusted key at all.
	CodeNoTrustedKeys = "no_trusted_keys"
	// CodeMissingManifest: the first tar entry is not manifest.json.
	CodeMissingManifest = "missing_manifest"
	// CodeBadManifest: manifest.json is not a valid manifest.
	CodeBadManifest = "bad_manifest"
	// CodeMissingSignature: the second tar entry is not manifest.sig.
	CodeMissingSignature = "missing_signature"
	// CodeBadSignature: manifest.sig does not verify with the key it names.
	CodeBadSignature = "bad_signature"
	// CodeUntrustedKey: the manifest is signed by a key that is not trusted.
	CodeUntrustedKey = "untrusted_key"
	// CodeRevokedKey: the manifest is signed by a revoked key.
	CodeRevokedKey = "revoked_key"
	// CodeUnknownKind: the manifest's kind is neither model nor agent.
	CodeUnknownKind = "unknown_kind"
	// CodeWrongKind: the manifest's kind is not the one expected.
	CodeWrongKind = "wrong_kind"
	// CodeBadVersion: the version is not an integer of at least 1.
	CodeBadVersion = "bad_version"
	// CodeNotNewer: the version is not above the installed one.
	CodeNotNewer = "not_newer"
	// CodeExpired: the manifest's expiry time has passed.
	CodeExpired = "expired"
	// CodeTooLarge: the bundle, its unpacked content, the manifest or a file
	// is over its limit.
	CodeTooLarge = "too_large"
	// CodeTooManyFiles: the manifest lists more files than allowed.
	CodeTooManyFiles = "too_many_files"
	// CodeHashMismatch: a file's SHA-256 differs from the manifest's.
	CodeHashMismatch = "hash_mismatch"
	// CodeSizeMismatch: a file's size differs from the manifest's.
	CodeSizeMismatch = "size_mismatch"
	// CodeMissingFile: a file the manifest lists is not in the bundle.
	CodeMissingFile = "missing_file"
	// CodeExtraFile: the bundle holds a file the manifest does not list.
	CodeExtraFile = "extra_file"
	// CodeDuplicateFile: a path appears twice (in the manifest or the tar).
	CodeDuplicateFile = "duplicate_file"
	// CodeBadPath: a path is absolute, empty, not clean, uses "..",
	// backslashes or control characters, or collides with another.
	CodeBadPath = "bad_path"
	// CodeBadEntry: a tar entry is not a plain file (symlink, hard link,
	// device, fifo, directory ...).
	CodeBadEntry = "bad_entry"
	// CodeBadVariant: a variant names a file that is not listed, or its
	// requirement does not parse.
	CodeBadVariant = "bad_variant"
	// CodeCorrupt: the tar or gzip stream is damaged or truncated.
	CodeCorrupt = "corrupt"
)

// Error is a refusal: why a bundle or a manifest was not accepted. Every
// refusal Verify returns is an *Error; errors of any other type mean the
// bundle could not be judged (staging folder, disk).
type Error struct {
	// Code is one of the Code* constants, e.g. "bad_signature".
	Code string
	// Msg says what exactly was wrong, for people.
	Msg string
}

// Error returns "CODE: MSG".
func (e *Error) Error() string { return e.Code + ": " + e.Msg }

// refuse returns an *Error with a formatted message.
func refuse(code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Code returns the refusal code of err (an *Error anywhere in its chain),
// or "" when err is not a refusal.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Is reports whether err is a refusal with the given code.
func Is(err error, code string) bool { return err != nil && Code(err) == code }
