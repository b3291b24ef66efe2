// Package store is the device's crash-safe store of installed model
// versions: the folders the OTA verifier's bundles end up in, which version
// of each model is active, and which one a rollback returns to.
//
// # Layout
//
// Under a root (the agent's data_dir/models):
//
//	staging/              in-progress installs (StagingDir), removed by Open
//	NAME/state.json       {"active": V, "previous": P}; P is 0 when there is none
//	NAME/VERSION/         one installed version (VERSION in decimal, >= 1)
//	NAME/VERSION/meta.json  its [Meta]: name, version, sha256, size and file
//	                        name of the primary (model) file, install time,
//	                        source (the bundle's key id), self-test result
//	NAME/VERSION/...      the files the verifier staged (the primary file,
//	                      and any others: labels, configuration)
//
// A version is installed exactly when NAME/VERSION/meta.json is complete:
// it parses, names that model and version, and the primary file it names
// is a regular file of the recorded size. Names match
// ^[A-Za-z0-9._-]{1,64}$ and are none of ".", ".." and "staging"; the
// primary file's name is one path element. Staged trees may hold only
// regular files and folders (no symbolic links), so no path read or
// written by the store leaves its root.
//
// # Install and activation
//
// A verifier asks for a [Store.StagingDir], writes and checks the bundle's
// files there, and calls [Store.Install], which fsyncs the staged files,
// renames the staged folder to NAME/VERSION (one rename on one file
// system), and writes meta.json last (temporary file, fsync, rename, fsync
// of the folder). Install does not activate: [Store.Activate] rewrites
// NAME/state.json (temporary file in the same folder, fsync, rename, fsync
// of the folder) with previous = the version active until then. Activating
// the active version changes nothing. [Store.Rollback] makes the previous
// version active again and clears previous, so a second rollback in a row
// is refused. Installing a version that is already installed succeeds when
// its primary file has the same SHA-256 (the staged copy is discarded and
// the installed meta kept) and is refused with [ErrConflict] otherwise.
// [Store.Prune] removes old versions, never the active or the previous one;
// each is first renamed into staging/ and then deleted.
//
// # Crash safety
//
// A process killed at any step of Install, Activate, Rollback or Prune
// leaves, once the store is opened again, either the old or the new state:
// the version that was active, or the newly activated one, is active, with
// all its files and its meta.json complete. [Open] finishes what a killed
// process left behind: it empties staging/, removes every NAME/VERSION
// folder without a complete meta.json (an install killed before its meta
// was written) and the temporary state files. Every write is fsync'ed
// (files, then the folders whose entries changed), so the same holds after
// a power cut when the disk honours fsync.
//
// # Damage
//
// Open repairs and reports, rather than refuses, a store damaged from
// outside (a disk error, an edited file), so one damaged model does not
// stop the others; [Store.OpenReport] tells what it removed and what it
// found wrong (it logs nothing). A version folder whose meta.json is
// missing, does not parse, or disagrees with its folder or its primary
// file is removed like an interrupted install. A state.json that does not
// parse or holds impossible values is renamed to state.json.corrupt and
// the model has no active version until the next Activate; a state naming
// a version that is not installed is rewritten without it (no active
// version when the active one is gone, no previous one when that is
// gone). Hashes are not checked by Open, which would read every model;
// [Store.Verify] rehashes a version's primary file. I/O errors other than
// a missing file make Open fail with the path concerned.
//
// One process at a time: Open takes an exclusive flock on the root folder
// and fails with [ErrLocked] while another Store holds it. A Store is safe
// for concurrent use by several goroutines.
package store
