// Package outbox is the agent's store-and-forward queue: records
// (predictions, metrics, alerts) wait here, in order, until the uplink has
// delivered them, across outages and reboots.
//
// A [Queue] holds streams of records called classes. Each class numbers its
// records with seq, from 1, rising by one per stored record for the life of
// the outbox, so a consumer finds a gap (a record dropped) or a duplicate by
// seq alone. The uplink drains classes in priority order (alerts before
// predictions before metrics): [Queue.Peek] what waits, publish it, and
// [Queue.Remove] it once the broker acknowledged it.
//
// [Bolt] keeps the records in a bbolt file; [Memory] keeps them in memory
// with the same semantics (the same algorithms run over both stores; one
// test suite runs against both).
//
// # Guarantees
//
// Durability. A record is durable when Append returns without error: it was
// written, with its seq and the class's counters, in a bbolt transaction
// that was committed and fsync'ed. It survives a crash of the process and a
// power cut, provided the disk honours fsync. Concurrent Appends are
// group-committed: one committer goroutine gathers every write waiting
// (Appends, Removes, Expire sweeps) into one transaction and one fsync, and
// answers each caller after the commit. A lone Append costs one fsync; N
// concurrent Appends cost about one fsync between them.
//
// Atomicity. The seq, the record and the counters are stored in the same
// transaction. After a crash the file holds exactly the transactions that
// committed: never a counted record that is missing, a record without its
// seq, or a seq used twice. Seq and the counters survive restarts.
//
// Ordering. Within a class, records are stored and returned in seq order,
// and seq order is the order in which Appends were committed. There is no
// order between classes.
//
// Removal. Remove(class, first, last) deletes the records of that range
// that are still stored and counts them as delivered; removing records that
// are gone is not an error. The uplink removes only what the broker
// acknowledged, so delivery is at least once: a crash between the broker's
// acknowledgement and the Remove sends those records again, with the same
// seq, for the consumer to discard.
//
// Bounds and drops. The stored records never exceed Options.MaxBytes
// (counted as payload + [RecordOverhead] per record). When a record does not
// fit, DropOldest (the default) evicts the oldest records of the lowest
// priority class first (metrics, then predictions, then alerts), but never
// records of a class that ranks above the new record's: a flood of metrics
// cannot push out alerts; when that leaves no room, the new record is
// refused with ErrFull. RejectNew refuses the new record with ErrFull and
// keeps what is stored. Records older than their class TTL or Options.MaxAge
// expire, oldest first within their class (Append and Peek expire as they
// go; Expire sweeps). A refused record gets no seq; an evicted or expired one
// leaves a gap in the seqs delivered. No drop is silent: each is counted in
// Stats (DroppedFull, Rejected, DroppedExpired; the counters are stored in
// the file with the records) and logged, at most one line per class and
// reason every 10 seconds with the count since the last line.
//
// A full disk. If a commit fails (ENOSPC, EIO, bbolt's size cap), the
// transaction is rolled back: the file keeps its last committed state, the
// Appends of that batch return the error and are counted as rejected. Each
// write of a failed batch is retried alone first, so a Remove, which frees
// pages, is not failed by an Append that does not fit. The outbox works
// again, without a restart, once there is room.
//
// Compaction. bbolt never shrinks its file; the outbox does. When more than
// half of the file's pages are free (and the pages span at least 8 MiB), the
// committer copies the live data to PATH.compacting, fsyncs it, renames it
// over PATH, fsyncs the directory, then reopens. The rename is atomic, so a
// crash at any point leaves a complete file at PATH (the old one or the
// copy), and no write reaches the copy before the rename is durable; Open
// deletes a leftover PATH.compacting. Stats.Compactions counts compactions.
//
// Open checks. Open waits at most 5 seconds for another process's lock on
// the file, then fails with ErrLocked. Before bbolt opens the file for
// writing, Open reads all of it: the meta pages (bbolt's checksums), the
// file's length against its pages, every page of every tree with bounds and
// cycle checks (bbolt follows page pointers unchecked, and some damage makes
// it crash the process rather than return an error), then every record
// against the counters stored beside them. A file that fails is refused
// with ErrCorrupt and left as it was: never deleted or rewritten.
//
// # Caveats
//
// As of 2026-05: one process only. bbolt locks the file; a second Open, in
// this process or another, waits and then fails with ErrLocked. Between the
// rename and the reopen of a compaction the file is briefly unlocked.
//
// An Append that returns an error was normally not stored. The exception
// is an fsync that reports an error after the transaction reached the
// page cache (a dying disk): bbolt may then show the record as stored. The
// outbox rereads its bookkeeping from the file after any failed commit, so
// it never contradicts the file, but the caller was told the record failed.
//
// A full disk can block removals too: bbolt copies pages on write, so even
// a Remove needs a few free pages. The file system's free space, not
// MaxBytes, is then the bound. Keep MaxBytes well below the free space of
// the data partition (the file can reach about 2 x MaxBytes of pages for
// payloads just over a page size, plus what was freed since the last
// compaction, plus a 4 MiB allocation step). Rejections counted while the
// disk is full are stored with the next successful commit; a crash before
// it loses those counts (not records).
//
// ctx cancels an Append that waits for its turn, not one whose transaction
// began: that one completes (one fsync) and its result is returned.
//
// Compaction stops writes while it copies (about the time to read and write
// the live data once); reads wait only for the swap. It needs free disk
// space for the copy, as large as the live data; without it, it fails,
// logs, and retries a minute later.
//
// Time. Expiry compares the clock with each record's append time. A clock
// that jumps forward expires records early; one that jumps back delays
// expiry. Expiry keeps seq order: a record waits for the older records of
// its class to expire first.
//
// 32-bit platforms. bbolt maps the whole file into the address space. On
// 32-bit targets (armv7) MaxBytes is capped at 256 MiB, the file at 1 GiB
// (bbolt's MaxSize; beyond it commits fail as on a full disk) and no mapping
// is reserved ahead of the file (InitialMmapSize 0), so the mapping grows
// with the file, by powers of two, and stays within what a 3 GiB address
// space can place. On 64-bit targets the file is capped at 4 x MaxBytes +
// 64 MiB and the mapping is reserved up to that size, at most 1 GiB (address
// space, not memory), so that the file grows without remapping.
//
// Memory and start-up time. The records are read through the mapping, so
// the file's pages that were read or written count in the process's RSS as
// clean file pages: page cache, which the kernel reclaims before anything
// else, not heap. Open reads the whole file (the checks above, then bbolt's
// own walk to rebuild its freelist): as of 2026-05, 1,000,000 waiting
// records of 200 bytes (a 234 MiB file) take about 0.8 s on an x86 server
// core and leave about 235 MiB of file pages and 6 MiB of heap resident;
// expect several times that time on an SD card. Peek copies payloads out of
// the mapping.
//
// Classes. A class found in the file but no longer configured is kept:
// Classes lists it last (drained last, evicted first), Peek and Remove serve
// it, Append refuses it (ErrUnknownClass). If MaxBytes was lowered between
// runs, Open evicts the oldest records to fit, counted as evicted, whatever
// the policy.
package outbox
