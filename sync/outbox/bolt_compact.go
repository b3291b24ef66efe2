package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Compaction. bbolt reuses freed pages but never shrinks its file: after a
// long outage drains, the file keeps its peak size. When more than half of
// a file of at least compactMinFile is free, the committer copies the live
// records into PATH.compacting (bbolt.Compact), fsyncs it, renames it over
// PATH, fsyncs the directory and reopens. No write runs meanwhile (the
// committer is busy); reads wait only for the swap.
//
// A crash at any point leaves a complete file at PATH: the old one until the
// rename, the compacted copy after it (rename is atomic). A leftover
// PATH.compacting is an unfinished copy; Open removes it.

// compactHook, when set (tests), is called at each step of a compaction.
var compactHook func(step string)

func hook(step string) {
	if compactHook != nil {
		compactHook(step)
	}
}

// compactable reports whether compacting is due: more than half of the
// file's pages (up to its high-water mark, at least compactMin bytes) are
// free. At the size cap (atCap), any free page will do.
func (b *Bolt) compactable(atCap bool) bool {
	if b.broken != nil || b.db == nil {
		return false
	}
	free := int64(b.db.Stats().FreeAlloc)
	if atCap {
		return free > 0
	}
	if 2*free <= b.compactMin || time.Now().Before(b.compactBackoff) {
		return false
	}
	var used int64
	_ = b.db.View(func(tx *bolt.Tx) error {
		used = tx.Size()
		return nil
	})
	return used >= b.compactMin && 2*free > used
}

// maybeCompact compacts when it is due (committer goroutine).
func (b *Bolt) maybeCompact() {
	if !b.compactable(false) {
		return
	}
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if err := b.compact(); err != nil {
		b.compactBackoff = time.Now().Add(time.Minute)
		b.cfg.log.Error("outbox: compaction failed; retrying in a minute", "err", err)
	}
}

// compact copies the file and swaps the copy in (committer goroutine, wmu
// held).
func (b *Bolt) compact() error {
	start := time.Now()
	before := b.fileBytes
	tmp := b.path + compactSuffix
	_ = os.Remove(tmp)
	o := b.bopts
	o.NoSync = true // synced once, whole, before the rename
	o.InitialMmapSize = 0
	dst, err := bolt.Open(tmp, 0o600, &o)
	if err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	dst.AllocSize = allocStep
	abort := func(err error) error {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("outbox: compact: %w", err)
	}
	hook("copy")
	if err := bolt.Compact(dst, b.db, 16<<20); err != nil {
		return abort(err)
	}
	err = dst.Update(func(tx *bolt.Tx) error {
		return putUint64(tx.Bucket(metaBucket), keyCompactions, b.compactions+1)
	})
	if err != nil {
		return abort(err)
	}
	if err := dst.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("outbox: compact: %w", err)
	}
	if err := syncPath(tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("outbox: compact: %w", err)
	}
	hook("rename")

	b.dbmu.Lock()
	defer b.dbmu.Unlock()
	if err := os.Rename(tmp, b.path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("outbox: compact: %w", err)
	}
	// The rename must be durable before anything is written to the new
	// file, or a power cut could bring back the old file without the new
	// records.
	if err := syncPath(filepath.Dir(b.path)); err != nil {
		b.cfg.log.Error("outbox: fsync of the directory after a compaction failed", "err", err)
	}
	hook("reopen")
	_ = b.db.Close() // the old file, now unlinked
	db, err := b.openDB()
	if err != nil {
		b.db = nil
		b.mu.Lock()
		b.broken = fmt.Errorf("outbox: reopen after compaction: %w", err)
		b.mu.Unlock()
		return b.broken
	}
	b.db = db
	size := fileSize(b.path)
	b.mu.Lock()
	b.compactions++
	b.fileBytes = size
	b.mu.Unlock()
	b.cfg.log.Info("outbox: compacted", "file", b.path, "bytes_before", before, "bytes_after", size, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// syncPath fsyncs a file or a directory.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
