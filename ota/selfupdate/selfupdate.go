package selfupdate

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	minio "github.com/minio/selfupdate"
)

// Errors that the package's errors wrap, for errors.Is.
var (
	// ErrChecksumMismatch: the new binary's SHA-256 is not the expected
	// one; nothing was replaced.
	ErrChecksumMismatch = errors.New("checksum mismatch")
	// ErrTrialInProgress: an update is on trial (its boot marker exists),
	// so another update or a prune would lose the last known-good binary.
	ErrTrialInProgress = errors.New("an update is on trial")
	// ErrCorruptMarker: the boot marker cannot be parsed or does not
	// belong to the target; nothing was replaced.
	ErrCorruptMarker = errors.New("corrupt boot marker")
	// ErrNoPrevious: there is no previous binary (TARGET.old) to restore.
	ErrNoPrevious = errors.New("no previous binary to restore")
)

// Decision is what Boot decided about this start. Exactly one of Normal,
// Trial and RolledBack is true.
type Decision struct {
	// Normal: no update is on trial (or a stale marker was removed, see
	// Reason); start as usual.
	Normal bool
	// Trial: this binary is an update on trial; start as usual and call
	// MarkHealthy once healthy.
	Trial bool
	// RolledBack: the update never became healthy and the previous binary
	// was restored at the target; log Reason and exit non-zero so that
	// systemd starts the restored binary.
	RolledBack bool
	// Version is the version of the update on trial or rolled back.
	Version string
	// Start is this start's number during the trial (1 for the first).
	Start int
	// MaxStarts is the start limit applied.
	MaxStarts int
	// Reason explains a rollback or a removed stale marker, for the log.
	Reason string
}

// previousPath returns where the previous binary of target is kept.
func previousPath(target string) string { return target + ".old" }

// stagedPath returns where minio/selfupdate stages the new binary of
// target (documented by its CommitBinary).
func stagedPath(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".new")
}

// Apply replaces the binary at target with the one read from newBinary,
// whose SHA-256 must be sha256hex (64 hex digits), keeping the previous
// binary as target+".old", and writes the boot marker at markerPath for
// version. The new binary and the directory are fsynced before Apply
// returns; the caller then exits for systemd to start the new binary.
//
// Apply replaces nothing when the digest differs (ErrChecksumMismatch),
// when an update is already on trial (ErrTrialInProgress) or when any
// step before the swap fails. The new binary gets target's permissions.
func Apply(target string, newBinary io.Reader, sha256hex string, markerPath string, version string) error {
	if target == "" || markerPath == "" {
		return errors.New("selfupdate: apply: target and marker paths must not be empty")
	}
	if newBinary == nil {
		return fmt.Errorf("selfupdate: apply to %s: no new binary", target)
	}
	wantHex := strings.ToLower(sha256hex)
	want, err := parseDigest(wantHex)
	if err != nil {
		return fmt.Errorf("selfupdate: apply to %s: expected sha256: %w", target, err)
	}
	if err := validVersion(version); err != nil {
		return fmt.Errorf("selfupdate: apply to %s: %w", target, err)
	}
	if _, err := os.Lstat(markerPath); err == nil {
		return fmt.Errorf("selfupdate: apply to %s: %w (boot marker %s exists: call MarkHealthy or Rollback first)", target, ErrTrialInProgress, markerPath)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("selfupdate: apply to %s: checking boot marker: %w", target, err)
	}
	fi, err := os.Lstat(target)
	if err != nil {
		return fmt.Errorf("selfupdate: apply: current binary: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("selfupdate: apply: %s is not a regular file", target)
	}
	previous := previousPath(target)
	opts := minio.Options{
		TargetPath:  target,
		TargetMode:  fi.Mode().Perm(),
		OldSavePath: previous,
		Checksum:    want,
	}

	// Stage: read, verify and write .TARGET.new, then make it durable
	// before any rename can expose it.
	staged := stagedPath(target)
	hr := &hashingReader{r: newBinary, h: sha256.New()}
	if err := minio.PrepareAndCheckBinary(hr, opts); err != nil {
		_ = os.Remove(staged)
		if got := hr.h.Sum(nil); hr.eof && !bytes.Equal(got, want) {
			return fmt.Errorf("selfupdate: apply to %s: %w: want sha256 %s, got %x", target, ErrChecksumMismatch, wantHex, got)
		}
		return fmt.Errorf("selfupdate: apply to %s: staging new binary: %w", target, err)
	}
	if err := syncFile(staged); err != nil {
		_ = os.Remove(staged)
		return fmt.Errorf("selfupdate: apply to %s: %w", target, err)
	}

	// The marker goes first: Boot ignores (and removes) a marker whose
	// digest does not match the binary at target, so a crash before the
	// swap is harmless, and one after it leaves the trial armed.
	m := Marker{Version: version, PreviousPath: previous, SHA256: wantHex, MaxStarts: DefaultMaxStarts}
	if err := writeMarker(markerPath, m); err != nil {
		_ = os.Remove(staged)
		return fmt.Errorf("selfupdate: apply to %s: %w", target, err)
	}

	if err := minio.CommitBinary(opts); err != nil {
		_ = os.Remove(staged)
		_ = removeDurably(markerPath)
		if rerr := minio.RollbackError(err); rerr != nil {
			return fmt.Errorf("selfupdate: apply to %s: swap failed (%v) and restoring the previous binary failed too: %w; it is at %s", target, err, rerr, previous)
		}
		return fmt.Errorf("selfupdate: apply to %s: swapping binaries: %w", target, err)
	}
	if err := syncFile(target); err != nil {
		return fmt.Errorf("selfupdate: apply to %s: %w", target, err)
	}
	if err := syncDir(filepath.Dir(target)); err != nil {
		return fmt.Errorf("selfupdate: apply to %s: %w", target, err)
	}
	return nil
}

// Boot is called first thing at every start of the agent, with the path
// of the running binary as target. It returns a Normal decision when no
// update is on trial; otherwise it counts this start in the marker and
// returns a Trial decision, or, once the update has started more than
// maxStarts times without MarkHealthy, restores target+".old" over target,
// removes the marker and returns a RolledBack decision. maxStarts <= 0
// uses the marker's max_starts (DefaultMaxStarts when that is 0).
//
// A marker that cannot be read or parsed, or that names another previous
// binary, is an error naming the file (wrapping ErrCorruptMarker when it
// is damaged); nothing is replaced and the marker is kept. A rollback that
// is due without a previous binary is an error wrapping ErrNoPrevious.
// See the package documentation for what the caller should do then.
func Boot(markerPath, target string, maxStarts int) (Decision, error) {
	if target == "" || markerPath == "" {
		return Decision{}, errors.New("selfupdate: boot: target and marker paths must not be empty")
	}
	m, err := readMarker(markerPath)
	if errors.Is(err, fs.ErrNotExist) {
		return Decision{Normal: true}, nil
	}
	if err != nil {
		return Decision{}, err
	}
	previous := previousPath(target)
	if m.PreviousPath != previous {
		return Decision{}, fmt.Errorf("selfupdate: boot marker %s: %w: it names previous binary %q, not %q", markerPath, ErrCorruptMarker, m.PreviousPath, previous)
	}
	sum, err := fileSHA256(target)
	if err != nil {
		return Decision{}, err
	}
	if sum != m.SHA256 {
		if err := removeDurably(markerPath); err != nil {
			return Decision{}, err
		}
		return Decision{Normal: true, Reason: fmt.Sprintf("removed stale boot marker %s: %s is not update %s (sha256 %s); an update or rollback was interrupted", markerPath, target, m.Version, m.SHA256)}, nil
	}

	limit := maxStarts
	if limit <= 0 {
		limit = m.MaxStarts
	}
	if limit <= 0 {
		limit = DefaultMaxStarts
	}
	if m.Starts < math.MaxInt {
		m.Starts++
	}
	if err := writeMarker(markerPath, m); err != nil {
		return Decision{}, fmt.Errorf("selfupdate: boot: counting start %d of %s: %w", m.Starts, m.Version, err)
	}
	d := Decision{Version: m.Version, Start: m.Starts, MaxStarts: limit}
	if m.Starts <= limit {
		d.Trial = true
		return d, nil
	}
	if err := restore(target, previous); err != nil {
		return Decision{}, fmt.Errorf("selfupdate: boot: update %s did not become healthy in %d starts, but rolling back failed: %w", m.Version, m.Starts-1, err)
	}
	if err := removeDurably(markerPath); err != nil {
		return Decision{}, fmt.Errorf("selfupdate: boot: rolled back %s but: %w", target, err)
	}
	d.RolledBack = true
	d.Reason = fmt.Sprintf("update %s did not become healthy in %d starts (limit %d): restored the previous binary from %s", m.Version, m.Starts-1, limit, previous)
	return d, nil
}

// MarkHealthy ends the trial of an update: it removes the boot marker
// (durably; a missing marker is not an error). The previous binary stays
// at TARGET.old for a manual Rollback until Prune or the next Apply.
func MarkHealthy(markerPath string) error {
	if markerPath == "" {
		return errors.New("selfupdate: mark healthy: marker path must not be empty")
	}
	if err := removeDurably(markerPath); err != nil {
		return fmt.Errorf("selfupdate: mark healthy: %w", err)
	}
	return nil
}

// Rollback restores the previous binary (target+".old") over target and
// removes any boot marker, even a damaged one. It is for an explicit
// command; a running agent should exit afterwards so that systemd starts
// the restored binary. Without a previous binary it returns an error
// wrapping ErrNoPrevious and changes nothing.
func Rollback(target, markerPath string) error {
	if target == "" || markerPath == "" {
		return errors.New("selfupdate: rollback: target and marker paths must not be empty")
	}
	if err := restore(target, previousPath(target)); err != nil {
		return fmt.Errorf("selfupdate: rollback: %w", err)
	}
	if err := removeDurably(markerPath); err != nil {
		return fmt.Errorf("selfupdate: rollback: restored %s but: %w", target, err)
	}
	return nil
}

// Prune removes the previous binary (target+".old") kept for a manual
// rollback; a missing one is not an error. It refuses while an update is
// on trial (the marker at markerPath exists), since the previous binary is
// then the automatic rollback's only way back.
func Prune(target, markerPath string) error {
	if target == "" || markerPath == "" {
		return errors.New("selfupdate: prune: target and marker paths must not be empty")
	}
	if _, err := os.Lstat(markerPath); err == nil {
		return fmt.Errorf("selfupdate: prune %s: %w (boot marker %s exists)", previousPath(target), ErrTrialInProgress, markerPath)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("selfupdate: prune: checking boot marker: %w", err)
	}
	if err := removeDurably(previousPath(target)); err != nil {
		return fmt.Errorf("selfupdate: prune: %w", err)
	}
	return nil
}

// restore renames previous over target and makes it durable.
func restore(target, previous string) error {
	fi, err := os.Lstat(previous)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s does not exist", ErrNoPrevious, previous)
	}
	if err != nil {
		return fmt.Errorf("checking previous binary: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("previous binary %s is not a regular file", previous)
	}
	if err := os.Rename(previous, target); err != nil {
		return fmt.Errorf("restoring previous binary: %w", err)
	}
	if err := syncFile(target); err != nil {
		return err
	}
	return syncDir(filepath.Dir(target))
}
