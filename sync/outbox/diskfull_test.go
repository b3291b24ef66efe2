//go:build linux

package outbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestBoltDiskFull fills a real 1 MiB file system (a tmpfs, which needs
// root to mount) far below MaxBytes: Appends fail with the file system's
// error, are counted as rejected, nothing is corrupted or lost, and the
// outbox works again once there is room.
func TestBoltDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: mounting a small tmpfs needs root (the byte cap, MaxBytes, is tested without it)")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0700"); err != nil {
		t.Skipf("skipped: cannot mount a 1 MiB tmpfs at %s: %v", mnt, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	setVar(t, &compactMinFile, 1<<40) // a compaction needs room too: keep it out of this test
	path := filepath.Join(mnt, "outbox.db")
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, make([]byte, 256<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	b := openBolt(t, path, Options{}) // MaxBytes 64 MiB: the disk is the bound
	ctx := context.Background()
	acked := map[uint64][]byte{}
	var full error
	for i := range 10000 {
		p := payload("p", i, 2000)
		seq, err := b.Append(ctx, "predictions", p)
		if err != nil {
			full = err
			break
		}
		acked[seq] = p
	}
	if full == nil {
		t.Fatal("10000 records of 2000 bytes fit in a 1 MiB file system")
	}
	t.Logf("after %d records: %v", len(acked), full)
	if !errors.Is(full, syscall.ENOSPC) && !strings.Contains(full.Error(), "no space left") {
		t.Errorf("Append on a full disk: %v, want the file system's ENOSPC", full)
	}
	// Concurrent Appends on the full disk: one batch fails, each op is
	// retried alone, each fails and is counted.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := b.Append(ctx, "predictions", make([]byte, 2000)); err == nil {
				t.Error("Append succeeded on a full disk")
			}
		})
	}
	wg.Wait()
	st := b.Stats()
	p := st.Classes["predictions"]
	if p.Rejected != 9 || p.Records != len(acked) || p.LastSeq != uint64(len(acked)) {
		t.Errorf("on a full disk: %+v, want 9 rejected, %d records, last seq %d", p, len(acked), len(acked))
	}
	if err := b.Check(); err != nil {
		t.Fatalf("on a full disk: %v", err)
	}
	// A removal may need a new page too; whichever, it must not corrupt.
	if err := b.Remove("predictions", 1, 3); err != nil {
		t.Logf("Remove on a full disk: %v", err)
	} else {
		for seq := range uint64(3) {
			delete(acked, seq+1)
		}
	}
	if err := b.Check(); err != nil {
		t.Fatalf("after a Remove on a full disk: %v", err)
	}

	// Room again: the outbox resumes without a restart, and the rejections
	// counted in memory reach the file with the next commit.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	seq, err := b.Append(ctx, "predictions", []byte("after"))
	if err != nil {
		t.Fatalf("Append once there is room: %v", err)
	}
	acked[seq] = []byte("after")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = openBolt(t, path, Options{})
	p = b.Stats().Classes["predictions"]
	if p.Rejected != 9 || p.Records != len(acked) {
		t.Errorf("after reopen: %+v, want 9 rejected, %d records", p, len(acked))
	}
	for _, r := range peekAll(t, b, "predictions") {
		if !bytes.Equal(r.Payload, acked[r.Seq]) {
			t.Errorf("record %d: %d bytes, want the %d acknowledged", r.Seq, len(r.Payload), len(acked[r.Seq]))
		}
	}
}
