package outbox

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Group commit. Every write (Append, Remove, Expire) is an op handed to one
// committer goroutine. It takes the first op waiting, then every other op
// already waiting (up to maxBatchOps ops or maxBatchBytes of payload), and
// runs them all in one bbolt transaction: one fsync for the batch. It
// answers each caller after the commit. While it waits for the fsync, new
// ops queue up and form the next batch, so the batch grows with the load
// and a lone Append waits for one fsync, not for a timer.
//
// If a batch fails to commit, each of its ops is retried in a transaction
// of its own, so that one op's failure (a record that does not fit the
// disk) does not fail the others (a Remove, which frees pages).

type opKind uint8

const (
	opAppend opKind = iota
	opRemove
	opExpire
)

type op struct {
	kind        opKind
	ctx         context.Context
	class       string
	c           int
	payload     []byte
	first, last uint64
	res         chan opResult
}

type opResult struct {
	seq uint64
	n   int
	err error
}

// run is the committer goroutine.
func (b *Bolt) run() {
	defer close(b.done)
	batch := make([]*op, 0, b.maxOps)
	for {
		select {
		case o := <-b.ops:
			if len(batch) > 1 {
				// The last batch's callers were just answered: let them
				// hand over their next ops before this batch closes.
				runtime.Gosched()
			}
			batch = b.gather(append(batch[:0], o))
			b.commit(batch)
			b.maybeCompact()
		case <-b.quit:
			// Close: no op can be handed over any more (closeMu); commit
			// those already waiting.
			for {
				batch = b.gather(batch[:0])
				if len(batch) == 0 {
					return
				}
				b.commit(batch)
			}
		}
	}
}

// gather adds the ops already waiting to batch.
func (b *Bolt) gather(batch []*op) []*op {
	var size int64
	for _, o := range batch {
		size += int64(len(o.payload))
	}
	for len(batch) < b.maxOps && size < b.maxBytes {
		select {
		case o := <-b.ops:
			batch = append(batch, o)
			size += int64(len(o.payload))
		default:
			return batch
		}
	}
	return batch
}

// commit runs a batch and answers every op in it.
func (b *Bolt) commit(batch []*op) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	live := make([]*op, 0, len(batch))
	now := b.cfg.now().UnixNano()
	for _, o := range batch {
		switch {
		case o.kind == opAppend && o.ctx.Err() != nil:
			o.res <- opResult{err: o.ctx.Err()}
		case b.noop(o, now):
			o.res <- opResult{}
		default:
			live = append(live, o)
		}
	}
	if len(live) == 0 {
		return
	}
	err := b.apply(live)
	if err != nil && errors.Is(err, berrors.ErrMaxSizeReached) && b.compactable(true) {
		// The file reached its cap, with free pages inside: compact, then
		// try again.
		if cerr := b.compact(); cerr != nil {
			b.cfg.log.Error("outbox: compaction at the size cap failed", "err", cerr)
		} else {
			err = b.apply(live)
		}
	}
	if err == nil {
		return
	}
	if len(live) == 1 || b.broken != nil {
		for _, o := range live {
			b.fail(o, err)
		}
		return
	}
	for _, o := range live {
		if err := b.apply([]*op{o}); err != nil {
			b.fail(o, err)
		}
	}
}

// noop reports whether o would change nothing: such ops need no
// transaction (a periodic Expire sweep must not cost an fsync).
func (b *Bolt) noop(o *op, now int64) bool {
	switch o.kind {
	case opExpire:
		return !b.st.needsExpire(&b.cfg, now)
	case opRemove:
		cs := &b.st.classes[o.c]
		return o.first > o.last || cs.Records == 0 || o.last < cs.FirstSeq || o.first > cs.LastSeq
	}
	return false
}

// apply runs ops in one transaction and, once it is committed, publishes
// the new state and answers them. On error nothing is answered and the
// state is what the file holds.
func (b *Bolt) apply(ops []*op) error {
	if b.broken != nil {
		return b.broken
	}
	w := b.st.clone()
	now := b.cfg.now().UnixNano()
	res := make([]opResult, len(ops))
	var ev events
	appended := false
	err := b.db.Update(func(tx *bolt.Tx) error {
		ts := newTxStore(tx, w)
		for i, o := range ops {
			switch o.kind {
			case opAppend:
				seq, err := w.append(&b.cfg, ts, o.c, o.payload, now, &ev)
				if err != nil && !isRefusal(err) {
					return err
				}
				res[i] = opResult{seq: seq, err: err}
				appended = appended || err == nil
			case opRemove:
				n, err := w.remove(ts, o.c, o.first, o.last)
				if err != nil {
					return err
				}
				res[i].n = n
			case opExpire:
				n, err := w.expire(&b.cfg, ts, now, &ev)
				if err != nil {
					return err
				}
				res[i].n = n
			}
		}
		return writeMeta(tx, w)
	})
	if err != nil {
		b.reload()
		return err
	}
	b.commits++
	size := fileSize(b.path)
	b.mu.Lock()
	b.st = w
	clear(b.unsaved)
	b.fileBytes = size
	b.mu.Unlock()
	b.drops.note(&ev, w)
	if appended { // before the answers: once Append returned, its wake-up is pending
		select {
		case b.notify <- struct{}{}:
		default:
		}
	}
	for i, o := range ops {
		o.res <- res[i]
	}
	return nil
}

// fail answers o with the error of its commit. An Append that could not be
// stored is counted as rejected: in memory now, in the file with the next
// commit that succeeds.
func (b *Bolt) fail(o *op, err error) {
	if o.kind != opAppend {
		o.res <- opResult{err: fmt.Errorf("outbox: commit: %w", err)}
		return
	}
	b.mu.Lock()
	b.st.classes[o.c].Rejected++
	b.unsaved[o.c]++
	st := b.st
	b.mu.Unlock()
	ev := events{}
	ev.add(o.class, dropRejected)
	b.drops.note(&ev, st)
	o.res <- opResult{err: fmt.Errorf("outbox: class %q: record not stored (counted as rejected): %w", o.class, err)}
}

// reload rereads the bookkeeping after a failed commit. bbolt rolled the
// transaction back, so this normally finds what st already says; it
// matters when a commit failed after its meta page was written (an fsync
// error), which bbolt may then show as committed.
func (b *Bolt) reload() {
	var st *state
	err := guard(b.path, func() error {
		return b.db.View(func(tx *bolt.Tx) (err error) {
			st, _, _, err = loadState(tx, &b.cfg)
			return err
		})
	})
	if err == nil && len(st.classes) != len(b.st.classes) {
		err = errors.New("classes changed")
	}
	if err != nil {
		b.cfg.log.Error("outbox: reread after a failed commit", "err", err)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range st.classes {
		st.classes[i].Rejected += b.unsaved[i]
	}
	if !slices.EqualFunc(st.classes, b.st.classes, func(x, y classState) bool { return x == y }) {
		b.cfg.log.Warn("outbox: the file holds a commit that reported an error")
	}
	b.st = st
}
