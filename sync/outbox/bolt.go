package outbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors of Open.
var (
	// ErrLocked is returned by Open when another process holds the file.
	ErrLocked = errors.New("outbox file locked by another process")
	// ErrCorrupt is returned by Open for a file that is damaged or was not
	// written by this package. The file is left in place.
	ErrCorrupt = errors.New("outbox file corrupt")
)

// Tunables. Tests change them before Open; Open copies them.
var (
	// lockTimeout bounds the wait for the file lock at Open.
	lockTimeout = 5 * time.Second
	// compactMinFile: files smaller than this are never compacted.
	compactMinFile int64 = 8 << 20
	// maxBatchOps and maxBatchBytes bound one group commit.
	maxBatchOps         = 4096
	maxBatchBytes int64 = 8 << 20
	// testNoSync opens the file with bbolt's NoSync (tests that check
	// logic, not durability, to run faster). Never set outside tests.
	testNoSync = false
)

// allocStep is how much bbolt grows the file by once its mapping passes
// it (bbolt's default is 16 MiB): the slack at the end of the file.
const allocStep = 4 << 20

// compactSuffix names the temporary file a compaction writes.
const compactSuffix = ".compacting"

// Bolt is a durable Queue in a bbolt file. See the package documentation
// for what it guarantees.
type Bolt struct {
	path   string
	cfg    config
	idx    map[string]int // class name -> index in state.classes
	bopts  bolt.Options
	notify chan struct{}
	drops  *dropLog

	compactMin int64
	maxOps     int
	maxBytes   int64

	// dbmu guards db: readers hold it shared, the compaction's swap and
	// Close exclusively.
	dbmu sync.RWMutex
	db   *bolt.DB

	// wmu is held by the committer while it writes and publishes a
	// transaction, and by Check, which needs the file and st to agree.
	wmu sync.Mutex

	// mu guards what readers see. The committer goroutine alone writes st.
	mu          sync.RWMutex
	st          *state
	unsaved     []uint64 // rejections counted in st, not yet in the file
	compactions uint64
	fileBytes   int64
	broken      error // set when the file could not be reopened after a compaction

	// closeMu: Append holds it shared while it hands an op over, Close
	// exclusively while it marks the outbox closed.
	closeMu sync.RWMutex
	closed  bool
	ops     chan *op
	quit    chan struct{}
	done    chan struct{}

	compactBackoff time.Time // no compaction before this, after one failed
	commits        uint64    // transactions committed (benchmarks read it after Close)
}

var _ Queue = (*Bolt)(nil)

// boltLimits returns the bbolt MaxSize and InitialMmapSize for an outbox of
// maxBytes. The file holds at most about 2 x maxBytes of pages (bbolt rounds
// each large value up to whole pages), plus as much again freed before a
// compaction, plus a 4 MiB allocation step. On 32-bit platforms the
// file is capped at 1 GiB and mapped no larger than it is: the mapping must
// find room in a 3 GiB address space beside the rest of the process.
func boltLimits(maxBytes int64, is32 bool) (maxSize, initialMmap int64) {
	maxSize = 4*maxBytes + 64<<20
	if is32 {
		return min(maxSize, 1<<30), 0
	}
	return maxSize, min(maxSize, 1<<30)
}

// Open opens (or creates) the outbox file at path. It waits up to 5 seconds
// for another process's lock on the file (ErrLocked), refuses a damaged file
// (ErrCorrupt, the file left in place), removes the temporary file of an
// unfinished compaction, and drops the oldest records if the file holds more
// than opts.MaxBytes (counted as evicted).
func Open(path string, opts Options) (*Bolt, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	maxSize, initialMmap := boltLimits(cfg.maxBytes, is32bit)
	b := &Bolt{
		path:  path,
		cfg:   cfg,
		idx:   map[string]int{},
		drops: newDropLog(cfg.log),
		bopts: bolt.Options{
			Timeout: lockTimeout,
			// The freelist is rebuilt by scanning the tree at open (which
			// also walks every page: a damaged tree fails Open) instead of
			// being rewritten by every commit: a drained queue has a large
			// freelist, and rewriting it per append wears flash.
			NoFreelistSync:  true,
			FreelistType:    bolt.FreelistMapType,
			MaxSize:         int(maxSize),
			InitialMmapSize: int(initialMmap),
			NoSync:          testNoSync,
		},
		notify:     make(chan struct{}, 1),
		compactMin: compactMinFile,
		maxOps:     maxBatchOps,
		maxBytes:   maxBatchBytes,
		ops:        make(chan *op, maxBatchOps),
		quit:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	if err := os.Remove(path + compactSuffix); err == nil {
		cfg.log.Warn("outbox: removed the temporary file of an unfinished compaction", "file", path+compactSuffix)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("outbox: remove unfinished compaction: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		if err := b.precheck(); err != nil {
			return nil, err
		}
	}
	b.db, err = b.openDB()
	if err != nil {
		return nil, err
	}
	if err := b.load(); err != nil {
		_ = b.db.Close()
		return nil, err
	}
	go b.run()
	return b, nil
}

func (b *Bolt) openError(err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("outbox: open %s: %w (waited %v)", b.path, ErrLocked, b.bopts.Timeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return fmt.Errorf("outbox: open %s: %w (left in place): %w", b.path, ErrCorrupt, err)
	}
	return fmt.Errorf("outbox: open %s: %w", b.path, err)
}

// guard turns a bbolt panic (it panics on some damaged pages) into
// ErrCorrupt.
func guard(path string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("outbox: %s: %w (left in place): %v", path, ErrCorrupt, r)
		}
	}()
	return fn()
}

// precheck opens the file read-only and checks all of it before the real
// Open. bbolt trusts its pages: opened for writing with NoFreelistSync, it
// walks the tree in a goroutine of its own, where a damaged page is a panic
// that no recover can catch; a page pointer past the end of a truncated
// file crashes the process (SIGBUS); a damaged overflow count or a cycle
// makes it loop or overflow the stack. precheck checks that the file holds
// all its pages, walks them itself with bounds and cycle checks
// (verifyPages), then reads every record and compares it with the counts
// stored beside them, in a goroutine where faults are panics and panics are
// errors.
func (b *Bolt) precheck() error {
	o := b.bopts
	o.ReadOnly = true
	o.InitialMmapSize = 0
	var db *bolt.DB
	err := guard(b.path, func() (err error) {
		db, err = bolt.Open(b.path, 0o600, &o)
		return err
	})
	if err != nil {
		return b.openError(err)
	}
	defer db.Close()
	f, err := os.Open(b.path)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	errc := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true)
		errc <- guard(b.path, func() error {
			return db.View(func(tx *bolt.Tx) error {
				if tx.Size() > fi.Size() {
					return fmt.Errorf("file of %d bytes holds pages up to %d (truncated)", fi.Size(), tx.Size())
				}
				ps := db.Info().PageSize
				if err := verifyPages(f, ps, uint64(tx.Cursor().Bucket().Root()), uint64(tx.Size())/uint64(ps)); err != nil {
					return err
				}
				st, _, _, err := loadState(tx, &b.cfg)
				if err != nil {
					return err
				}
				return scanRecords(tx, st)
			})
		})
	}()
	if err := <-errc; err != nil {
		if errors.Is(err, ErrCorrupt) {
			return err
		}
		return fmt.Errorf("outbox: open %s: %w (left in place): %w", b.path, ErrCorrupt, err)
	}
	return nil
}

func (b *Bolt) openDB() (*bolt.DB, error) {
	var db *bolt.DB
	err := guard(b.path, func() (err error) {
		db, err = bolt.Open(b.path, 0o600, &b.bopts)
		return err
	})
	if err != nil {
		return nil, b.openError(err)
	}
	db.AllocSize = allocStep
	return db, nil
}

// load reads the bookkeeping, creating the buckets of a new file and
// trimming a file over MaxBytes.
func (b *Bolt) load() error {
	var (
		st          *state
		compactions uint64
		needInit    bool
	)
	err := guard(b.path, func() error {
		return b.db.View(func(tx *bolt.Tx) (err error) {
			st, compactions, needInit, err = loadState(tx, &b.cfg)
			return err
		})
	})
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return err
		}
		return fmt.Errorf("outbox: open %s: %w (left in place): %w", b.path, ErrCorrupt, err)
	}
	for i, cs := range st.classes {
		b.idx[cs.Name] = i
		if cs.retired {
			b.cfg.log.Warn("outbox: class stored but not configured: kept, drained last, evicted first", "class", cs.Name, "records", cs.Records)
		}
	}
	if needInit || st.bytes > b.cfg.maxBytes {
		var ev events
		err := b.db.Update(func(tx *bolt.Tx) error {
			if err := initFile(tx, st); err != nil {
				return err
			}
			if _, err := st.fit(&b.cfg, newTxStore(tx, st), &ev); err != nil {
				return err
			}
			return writeMeta(tx, st)
		})
		if err != nil {
			return fmt.Errorf("outbox: initialize %s: %w", b.path, err)
		}
		b.drops.note(&ev, st)
	}
	b.st = st
	b.unsaved = make([]uint64, len(st.classes))
	b.compactions = compactions
	b.fileBytes = fileSize(b.path)
	return nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func (b *Bolt) class(name string) (int, error) {
	c, ok := b.idx[name]
	if !ok {
		return 0, fmt.Errorf("outbox: class %q: %w", name, ErrUnknownClass)
	}
	return c, nil
}

// retiredClass reports whether class c was found in the file but is not
// configured.
func (b *Bolt) retiredClass(c int) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.st.classes[c].retired
}

// Append implements Queue. The record is in the file, fsync'ed, when
// Append returns without error. Concurrent Appends share one transaction
// and one fsync. ctx can cancel the wait for a turn, not a commit that has
// begun: a commit takes one fsync.
func (b *Bolt) Append(ctx context.Context, class string, payload []byte) (uint64, error) {
	r, err := b.do(ctx, &op{kind: opAppend, class: class, payload: payload})
	return r.seq, err
}

// Remove implements Queue. It commits (fsync) before it returns.
func (b *Bolt) Remove(class string, first, last uint64) error {
	_, err := b.do(context.Background(), &op{kind: opRemove, class: class, first: first, last: last})
	return err
}

// Expire implements Queue.
func (b *Bolt) Expire() (int, error) {
	r, err := b.do(context.Background(), &op{kind: opExpire})
	return r.n, err
}

// do hands o to the committer and waits for its result.
func (b *Bolt) do(ctx context.Context, o *op) (opResult, error) {
	if err := ctx.Err(); err != nil {
		return opResult{}, err
	}
	if o.kind != opExpire {
		c, err := b.class(o.class)
		if err != nil {
			return opResult{}, err
		}
		if o.kind == opAppend && b.retiredClass(c) {
			return opResult{}, fmt.Errorf("outbox: class %q is no longer configured: %w", o.class, ErrUnknownClass)
		}
		o.c = c
	}
	o.ctx = ctx
	o.res = make(chan opResult, 1)
	b.closeMu.RLock()
	if b.closed {
		b.closeMu.RUnlock()
		return opResult{}, ErrClosed
	}
	select {
	case b.ops <- o:
	case <-ctx.Done():
		b.closeMu.RUnlock()
		return opResult{}, ctx.Err()
	}
	b.closeMu.RUnlock()
	r := <-o.res
	return r, r.err
}

// Peek implements Queue.
func (b *Bolt) Peek(class string, after uint64, max int, maxBytes int64) ([]Record, error) {
	if _, err := b.class(class); err != nil {
		return nil, err
	}
	b.mu.RLock()
	need := b.st.needsExpire(&b.cfg, b.cfg.now().UnixNano())
	b.mu.RUnlock()
	if need {
		if _, err := b.Expire(); err != nil {
			return nil, err
		}
	}
	if after == math.MaxUint64 {
		return nil, b.readErr()
	}
	b.dbmu.RLock()
	defer b.dbmu.RUnlock()
	if b.db == nil {
		return nil, b.readErr()
	}
	var out []Record
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(classBucket(class))
		if bk == nil {
			return fmt.Errorf("class %q: bucket missing", class)
		}
		var size int64
		cur := bk.Cursor()
		for k, v := cur.Seek(seqKey(after + 1)); k != nil; k, v = cur.Next() {
			seq, ts, err := decodeRecord(k, v)
			if err != nil {
				return fmt.Errorf("class %q: %w", class, err)
			}
			n := int64(len(v) - recordHeaderLen)
			if len(out) > 0 && ((max > 0 && len(out) >= max) || (maxBytes > 0 && size+n > maxBytes)) {
				break
			}
			out = append(out, Record{
				Class:   class,
				Seq:     seq,
				Time:    time.Unix(0, ts),
				Payload: append([]byte(nil), v[recordHeaderLen:]...),
			})
			size += n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: peek: %w", err)
	}
	return out, nil
}

// readErr is the error of a read on a closed or broken outbox.
func (b *Bolt) readErr() error {
	b.closeMu.RLock()
	closed := b.closed
	b.closeMu.RUnlock()
	if closed {
		return ErrClosed
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.broken
}

// Notify implements Queue.
func (b *Bolt) Notify() <-chan struct{} { return b.notify }

// Classes implements Queue. Classes found in the file but no longer
// configured come last (Append refuses them; Peek and Remove serve them).
func (b *Bolt) Classes() []Class {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.st.drainOrder()
}

// Stats implements Queue. It answers after Close too (the last state).
func (b *Bolt) Stats() Stats {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := b.st.stats(b.cfg.maxBytes)
	s.FileBytes = b.fileBytes
	s.Compactions = b.compactions
	return s
}

// Path returns the file's path.
func (b *Bolt) Path() string { return b.path }

// Close implements Queue: it commits the operations already handed over,
// then closes the file.
func (b *Bolt) Close() error {
	b.closeMu.Lock()
	if b.closed {
		b.closeMu.Unlock()
		return ErrClosed
	}
	b.closed = true
	b.closeMu.Unlock()
	close(b.quit)
	<-b.done
	b.dbmu.Lock()
	defer b.dbmu.Unlock()
	b.mu.RLock()
	b.drops.flush(b.st)
	b.mu.RUnlock()
	if b.db == nil {
		return nil
	}
	err := b.db.Close()
	b.db = nil
	if err != nil {
		return fmt.Errorf("outbox: close: %w", err)
	}
	return nil
}
