package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// comparable drops what differs between two files holding the same records.
func sansFile(s Stats) Stats {
	s.FileBytes = 0
	return s
}

func TestBoltReopenKeepsSeqAndCounters(t *testing.T) {
	clock := newClock()
	path := filepath.Join(t.TempDir(), "outbox.db")
	o := Options{MaxBytes: 1000, Now: clock.Now, Classes: []Class{
		{Name: "alerts", Priority: 2}, {Name: "predictions", Priority: 1}, {Name: "metrics", TTL: time.Hour},
	}}
	b := openBolt(t, path, o)
	for i := 1; i <= 6; i++ {
		mustAppend(t, b, "predictions", payload("p", i, rec100))
		mustAppend(t, b, "metrics", payload("m", i, rec100)) // the last two evict metrics
	}
	if err := b.Remove("predictions", 1, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(context.Background(), "alerts", make([]byte, 1000)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
	clock.Advance(2 * time.Hour)
	if n, err := b.Expire(); n != 4 || err != nil {
		t.Fatalf("Expire = %d, %v; want the 4 metrics left", n, err)
	}
	before := b.Stats()
	want := peekAll(t, b, "predictions")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b = openBolt(t, path, o)
	after := b.Stats()
	if !reflect.DeepEqual(sansFile(before), sansFile(after)) {
		t.Errorf("Stats changed across Close/Open:\nbefore %+v\nafter  %+v", before, after)
	}
	m := after.Classes["metrics"]
	if m.DroppedFull != 2 || m.DroppedExpired != 4 || after.Classes["alerts"].Rejected != 1 || after.Classes["predictions"].Delivered != 2 {
		t.Errorf("counters after reopen: %+v", after.Classes)
	}
	if got := peekAll(t, b, "predictions"); !reflect.DeepEqual(got, want) {
		t.Errorf("records after reopen = %v, want %v", seqs(got), seqs(want))
	}
	for class, next := range map[string]uint64{"predictions": 7, "metrics": 7, "alerts": 1} {
		if seq := mustAppend(t, b, class, nil); seq != next {
			t.Errorf("first %s seq after reopen = %d, want %d", class, seq, next)
		}
	}
}

func TestBoltCompaction(t *testing.T) {
	setVar(t, &compactMinFile, 1<<20)
	path := filepath.Join(t.TempDir(), "outbox.db")
	b := openBolt(t, path, Options{})
	const n = 3000
	var mu sync.Mutex
	stored := map[uint64][]byte{}
	var wg sync.WaitGroup
	for p := range 16 {
		wg.Go(func() {
			for i := p; i < n; i += 16 {
				pl := payload("p", i, 1000)
				seq, err := b.Append(context.Background(), "predictions", pl)
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				mu.Lock()
				stored[seq] = pl
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	before := b.Stats()
	if before.Compactions != 0 {
		t.Fatalf("compacted while appending: %+v", before)
	}
	if err := b.Remove("predictions", 1, n-100); err != nil {
		t.Fatal(err)
	}
	if !waitFor(30*time.Second, func() bool { return b.Stats().Compactions == 1 }) {
		t.Fatalf("no compaction after removing 97%% of %d bytes: %+v", before.FileBytes, b.Stats())
	}
	after := b.Stats()
	t.Logf("file %d bytes before, %d after the compaction", before.FileBytes, after.FileBytes)
	if after.FileBytes*4 > before.FileBytes {
		t.Errorf("file %d bytes after compaction, %d before: want it at most a quarter", after.FileBytes, before.FileBytes)
	}
	check := func(b *Bolt) {
		t.Helper()
		recs := peekAll(t, b, "predictions")
		if !slices.Equal(seqs(recs), span(n-99, n)) {
			t.Fatalf("records after compaction: %v", seqs(recs))
		}
		for _, r := range recs {
			if !bytes.Equal(r.Payload, stored[r.Seq]) {
				t.Errorf("record %d changed by the compaction", r.Seq)
			}
		}
	}
	check(b)
	if _, err := os.Stat(path + compactSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left: %v", err)
	}
	if seq := mustAppend(t, b, "predictions", nil); seq != n+1 {
		t.Errorf("seq after compaction %d, want %d", seq, n+1)
	}
	if err := b.Remove("predictions", n+1, n+1); err != nil {
		t.Fatal(err)
	}
	if err := b.Check(); err != nil {
		t.Fatalf("after compaction: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = openBolt(t, path, Options{})
	if st := b.Stats(); st.Compactions != 1 || !reflect.DeepEqual(st.Classes, b.Stats().Classes) {
		t.Errorf("after reopen: %+v", st)
	}
	check(b)
}

func TestBoltLocked(t *testing.T) {
	setVar(t, &lockTimeout, 200*time.Millisecond)
	path := filepath.Join(t.TempDir(), "outbox.db")
	openBolt(t, path, Options{})
	start := time.Now()
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	t.Logf("second Open after %v: %v", time.Since(start).Round(time.Millisecond), err)
}

// TestBoltRefusesDamagedFiles: Open refuses, with ErrCorrupt, files it
// cannot trust, and leaves them as they were.
func TestBoltRefusesDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	b, err := Open(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		mustAppend(t, b, "predictions", payload("p", i, 300))
	}
	if err := b.Check(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	var pageSize int
	var root int64
	{
		db, err := bolt.Open(good, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		pageSize = db.Info().PageSize
		var hwm int64
		_ = db.View(func(tx *bolt.Tx) error {
			hwm = tx.Size()
			root = int64(tx.Bucket(classBucket("predictions")).Root())
			return nil
		})
		_ = db.Close()
		img = img[:hwm]
	}
	foreign := filepath.Join(dir, "foreign.db")
	{
		db, err := bolt.Open(foreign, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = db.Update(func(tx *bolt.Tx) error {
			b, _ := tx.CreateBucket([]byte("someone-else"))
			return b.Put([]byte("k"), []byte("v"))
		})
		_ = db.Close()
	}
	foreignImg, _ := os.ReadFile(foreign)

	// The root page of the records' tree, its page type overwritten.
	scribbled := slices.Clone(img)
	copy(scribbled[root*int64(pageSize)+8:], []byte{0xFF, 0xFF})
	// Both meta pages damaged.
	noMeta := slices.Clone(img)
	for _, off := range []int{0, pageSize} {
		copy(noMeta[off+16:], bytes.Repeat([]byte{0xFF}, 32))
	}
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	cases := map[string][]byte{
		"garbage":   garbage,
		"truncated": img[:len(img)/2],
		"meta":      noMeta,
		"scribbled": scribbled,
		"foreign":   foreignImg,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			b, err := Open(path, Options{})
			if err == nil {
				b.Close()
				t.Fatalf("Open accepted a %s file", name)
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open(%s): %v, want ErrCorrupt", name, err)
			}
			t.Logf("%s: %v", name, err)
			if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
				t.Errorf("Open changed the %s file", name)
			}
		})
	}
}

func TestBoltRemovesUnfinishedCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	b := openBolt(t, path, Options{})
	mustAppend(t, b, "alerts", []byte("kept"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+compactSuffix, []byte("half a copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	b = openBolt(t, path, Options{})
	if _, err := os.Stat(path + compactSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open left %s: %v", path+compactSuffix, err)
	}
	if recs := peekAll(t, b, "alerts"); len(recs) != 1 || string(recs[0].Payload) != "kept" {
		t.Errorf("records = %v", recs)
	}
}

func TestBoltRetiredClass(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	b := openBolt(t, path, Options{MaxBytes: 1000, Classes: []Class{{Name: "a", Priority: 1}, {Name: "old"}}})
	for i := range 3 {
		mustAppend(t, b, "old", payload("old", i, rec100))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = openBolt(t, path, Options{MaxBytes: 1000, Classes: []Class{{Name: "a"}, {Name: "b"}}})
	var names []string
	for _, c := range b.Classes() {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"a", "b", "old"}) {
		t.Errorf("Classes() = %v, want the retired class last", names)
	}
	if _, err := b.Append(context.Background(), "old", nil); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("Append to a retired class: %v", err)
	}
	if got := seqs(peekAll(t, b, "old")); !slices.Equal(got, span(1, 3)) {
		t.Errorf("Peek(old) = %v", got)
	}
	if err := b.Remove("old", 1, 1); err != nil {
		t.Fatal(err)
	}
	// Retired records are evicted first, even by the lowest class.
	for i := range 10 {
		mustAppend(t, b, "b", payload("b", i, rec100))
	}
	st := b.Stats()
	if o := st.Classes["old"]; o.Records != 0 || o.DroppedFull != 2 || o.Delivered != 1 {
		t.Errorf("old = %+v, want 1 delivered, 2 evicted", o)
	}
}

func TestBoltLowerMaxBytesAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	b := openBolt(t, path, Options{MaxBytes: 1000})
	for i := range 5 {
		mustAppend(t, b, "alerts", payload("a", i, rec100))
		mustAppend(t, b, "metrics", payload("m", i, rec100))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = openBolt(t, path, Options{MaxBytes: 600, Policy: RejectNew})
	st := b.Stats()
	if st.Bytes != 600 || st.Classes["metrics"].DroppedFull != 4 || st.Classes["alerts"].Records != 5 {
		t.Errorf("after lowering max_bytes: %+v", st)
	}
}

func TestBoltGoroutinesEndAtClose(t *testing.T) {
	before := runtime.NumGoroutine()
	path := filepath.Join(t.TempDir(), "outbox.db")
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := b.Append(context.Background(), "metrics", []byte("x")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := b.Check(); err != nil {
		t.Error(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	}
}

// TestBoltCloseFlushes: Appends handed over before Close are committed.
func TestBoltCloseFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	b := openBolt(t, path, Options{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []uint64
	for range 16 {
		wg.Go(func() {
			for {
				seq, err := b.Append(context.Background(), "predictions", []byte("x"))
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, seq)
				mu.Unlock()
			}
		})
	}
	waitFor(10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) > 100 })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	b = openBolt(t, path, Options{})
	if got, want := b.Stats().Classes["predictions"].LastSeq, uint64(len(acked)); got != want {
		t.Errorf("after Close: last seq %d, %d Appends acknowledged", got, want)
	}
}

func TestBoltLimits(t *testing.T) {
	for _, c := range []struct {
		maxBytes      int64
		is32          bool
		size, initial int64
	}{
		{DefaultMaxBytes, false, 320 << 20, 320 << 20},
		{DefaultMaxBytes, true, 320 << 20, 0},
		{MaxBytes32, true, 1 << 30, 0},
		{1 << 30, false, 4<<30 + 64<<20, 1 << 30},
	} {
		size, initial := boltLimits(c.maxBytes, c.is32)
		if size != c.size || initial != c.initial {
			t.Errorf("boltLimits(%d, 32-bit %v) = %d, %d; want %d, %d", c.maxBytes, c.is32, size, initial, c.size, c.initial)
		}
		if c.is32 && size > 1<<30 {
			t.Errorf("32-bit file cap %d over 1 GiB", size)
		}
	}
	cfg, err := newConfig(Options{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	want := int64(1 << 30)
	if is32bit {
		want = MaxBytes32
	}
	if cfg.maxBytes != want {
		t.Errorf("MaxBytes 1 GiB on this platform (32-bit %v) = %d, want %d", is32bit, cfg.maxBytes, want)
	}
	// The options reach bbolt, and a file opens with them here.
	b := openBolt(t, filepath.Join(t.TempDir(), "outbox.db"), Options{})
	size, initial := boltLimits(DefaultMaxBytes, is32bit)
	if b.bopts.MaxSize != int(size) || b.bopts.InitialMmapSize != int(initial) || !b.bopts.NoFreelistSync || b.bopts.Timeout != lockTimeout {
		t.Errorf("bbolt options %+v", b.bopts)
	}
}

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	q, err := Open(filepath.Join(dir, "outbox.db"), Options{MaxBytes: 64 << 20, MaxAge: 7 * 24 * time.Hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer q.Close()
	seq, _ := q.Append(context.Background(), "predictions", []byte(`{"label":"cat"}`))
	recs, _ := q.Peek("predictions", 0, 100, 256<<10)
	// ... publish recs, wait for the broker's acknowledgement ...
	_ = q.Remove("predictions", recs[0].Seq, recs[len(recs)-1].Seq)
	fmt.Println(seq, len(recs), q.Stats().Classes["predictions"].Delivered)
	// Output: 1 1 1
}
