package outbox

import (
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Check implements Queue: bbolt's own consistency check (every page
// reachable or free, none twice), then the records of every class against
// the counters stored beside them and against what Stats reports. It
// blocks writes while it runs.
func (b *Bolt) Check() error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.dbmu.RLock()
	defer b.dbmu.RUnlock()
	if b.db == nil {
		if err := b.readErr(); err != nil {
			return err
		}
		return ErrClosed
	}
	b.mu.RLock()
	st := b.st.clone()
	unsaved := slices.Clone(b.unsaved)
	compactions := b.compactions
	b.mu.RUnlock()

	errs := []error{st.checkCounters(b.cfg.maxBytes)}
	err := guard(b.path, func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				errs = append(errs, fmt.Errorf("bbolt: %w", err))
			}
			errs = append(errs, checkFile(tx, &b.cfg, st, unsaved, compactions))
			return nil
		})
	})
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("outbox: %s inconsistent: %w", b.path, err)
	}
	return nil
}

// checkFile compares the file with st, the state in memory (whose rejected
// counters run ahead of the file by unsaved).
func checkFile(tx *bolt.Tx, cfg *config, st *state, unsaved []uint64, compactions uint64) error {
	var errs []error
	fst, fcompactions, needInit, err := loadState(tx, cfg)
	if err != nil {
		return err
	}
	if needInit {
		errs = append(errs, errors.New("buckets missing"))
	}
	if fcompactions != compactions {
		errs = append(errs, fmt.Errorf("file counts %d compactions, memory %d", fcompactions, compactions))
	}
	if len(fst.classes) != len(st.classes) {
		return errors.Join(append(errs, fmt.Errorf("file has %d classes, memory %d", len(fst.classes), len(st.classes)))...)
	}
	for i := range st.classes {
		mem, file := st.classes[i], fst.classes[i]
		file.Rejected += unsaved[i]
		if mem != file {
			errs = append(errs, fmt.Errorf("class %q: memory %+v, file %+v", mem.Name, mem, file))
		}
	}
	errs = append(errs, scanRecords(tx, st))
	return errors.Join(errs...)
}

// scanRecords reads every record and compares the classes with st: the
// same records, bytes, first seq and time, no seq beyond the last one
// given. It touches every page of the records' trees.
func scanRecords(tx *bolt.Tx, st *state) error {
	var errs []error
	for _, cs := range st.classes {
		records, bytes := 0, int64(0)
		var prev uint64
		bk := tx.Bucket(classBucket(cs.Name))
		if bk == nil {
			if cs.Records > 0 {
				errs = append(errs, fmt.Errorf("class %q: bucket missing", cs.Name))
			}
			continue
		}
		err := bk.ForEach(func(k, v []byte) error {
			seq, ts, err := decodeRecord(k, v)
			if err != nil {
				return err
			}
			switch {
			case seq == 0 || seq > cs.LastSeq:
				errs = append(errs, fmt.Errorf("class %q: record %d beyond last_seq %d", cs.Name, seq, cs.LastSeq))
			case seq <= prev:
				errs = append(errs, fmt.Errorf("class %q: record %d after %d", cs.Name, seq, prev))
			case records == 0 && (seq != cs.FirstSeq || ts != cs.firstTime):
				errs = append(errs, fmt.Errorf("class %q: first record %d at %d, first_seq %d at %d", cs.Name, seq, ts, cs.FirstSeq, cs.firstTime))
			}
			if len(errs) > 10 {
				return errors.New("too many errors")
			}
			prev = seq
			records++
			bytes += recordSize(v)
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("class %q: %w", cs.Name, err))
		}
		if records != cs.Records || bytes != cs.Bytes {
			errs = append(errs, fmt.Errorf("class %q: %d records of %d bytes stored, %d of %d counted", cs.Name, records, bytes, cs.Records, cs.Bytes))
		}
	}
	return errors.Join(errs...)
}
