// Package selfupdate replaces the agent's own binary with a verified
// update and restores the previous binary automatically when the new one
// does not become healthy.
//
// # Files
//
// For a binary installed at TARGET, the package uses:
//
//   - TARGET: the binary systemd starts.
//   - TARGET.old: the previous binary, kept by Apply. It stays after the
//     new binary is marked healthy, for a manual Rollback, until Prune
//     removes it (or the next Apply replaces it).
//   - the boot marker, a small JSON file at a path the caller chooses
//     (in the agent's state directory), present only while an update is
//     on trial.
//
// The boot marker looks like this:
//
//	{"version": "v2", "previous_path": "TARGET.old", "sha256": "<hex>",
//	 "starts": 0, "max_starts": 3}
//
// version and sha256 describe the new binary, starts counts how many times
// it has started without reporting healthy. Unknown fields are ignored, so
// a later version may add some. The marker is always replaced atomically:
// a temporary file in the same directory is written, fsynced and renamed
// over it, then the directory is fsynced.
//
// # Lifecycle
//
// Apply reads the new binary, refuses it unless its SHA-256 is the one
// given (nothing is replaced then), and refuses while another update is on
// trial (a marker exists), since that would replace the last known-good
// TARGET.old with an unproven binary. It stages the binary with
// github.com/minio/selfupdate (PrepareAndCheckBinary, which verifies the
// checksum again and writes .TARGET.new), fsyncs the staged file, writes
// the marker, and commits the swap (CommitBinary: TARGET becomes
// TARGET.old, .TARGET.new becomes TARGET). minio/selfupdate does not fsync,
// so Apply then fsyncs TARGET and its directory. The caller then exits and
// systemd restarts the agent, now the new binary.
//
// Boot is called first thing at every start. Without a marker it returns
// a Normal decision. With one it counts the start (starts+1, persisted
// atomically before anything else happens); while starts stays within the
// limit it returns a Trial decision, and the agent runs normally. Once
// starts exceeds the limit — the new binary started that many times and
// never reported healthy: it crashed, hung until the systemd watchdog
// killed it, or exited — Boot renames TARGET.old back over TARGET, fsyncs
// the directory, removes the marker and returns a RolledBack decision; the
// caller logs its Reason and exits non-zero so that systemd starts the
// restored binary.
//
// MarkHealthy is called by the new binary once it is healthy (after
// READY=1 and its health window). It removes the marker and keeps
// TARGET.old. Rollback restores TARGET.old on an operator's command, at
// any time, and removes any marker.
//
// # Crash safety
//
// The marker is written before the swap and records the new binary's
// SHA-256. A crash after the marker is written but before the swap is
// durable leaves the old binary at TARGET with a marker that does not
// describe it: Boot sees that TARGET's digest differs from the marker's,
// removes the stale marker and returns Normal (with a Reason). The same
// check covers a crash during a rollback, after TARGET.old was renamed
// back but before the marker was removed. The staged binary is fsynced
// before the renames, so a power loss cannot leave a renamed but empty
// TARGET. Between minio/selfupdate's two renames TARGET briefly does not
// exist; a power loss exactly then needs manual recovery (TARGET.old is
// intact).
//
// # Damaged marker
//
// A marker that cannot be parsed (or names another target's previous
// binary) makes Boot return an error that names the file, and nothing is
// replaced: the marker is left in place for inspection. Rolling back on
// the strength of a file whose contents are unknown could replace a
// healthy binary with an arbitrarily old TARGET.old, and the marker is
// only ever replaced atomically, so damage means something outside this
// package went wrong and an operator should look. The caller should log
// the error and carry on as a normal start: a healthy binary clears the
// marker with MarkHealthy, and Rollback remains available. Boot also
// returns an error, replacing nothing, when a rollback is due but
// TARGET.old is missing.
//
// # Limits
//
// The start limit passed to Boot wins; when it is zero or negative, the
// marker's max_starts is used, and DefaultMaxStarts when that is zero too.
// Time-based deadlines are not used: edge devices often boot with a wrong
// clock, and a binary that hangs is restarted by the systemd watchdog,
// which Boot counts as a start.
package selfupdate
