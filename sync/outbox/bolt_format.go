package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The file format, schema version 1.
//
//	bucket "outbox"               the meta bucket
//	    "schema"       uint32     schemaVersion
//	    "compactions"  uint64     compactions since the file was created
//	    "class:NAME"   8 x uint64 classMeta of class NAME
//	bucket "q:NAME"               the records of class NAME
//	    seq (uint64)   -> time (int64 UnixNano) ‖ payload
//
// Integers are big-endian, so keys sort by seq.
const schemaVersion = 1

var (
	metaBucket     = []byte("outbox")
	keySchema      = []byte("schema")
	keyCompactions = []byte("compactions")
)

const (
	classKeyPrefix    = "class:"
	classBucketPrefix = "q:"
	classMetaLen      = 8 * 8
	recordHeaderLen   = 8
)

func classBucket(name string) []byte { return []byte(classBucketPrefix + name) }
func classKey(name string) []byte    { return []byte(classKeyPrefix + name) }

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

// encodeClassMeta stores what a class's bookkeeping cannot rebuild from its
// records: the last seq and the counters; records and bytes are stored too,
// so Open needs no scan and Check can compare.
func encodeClassMeta(cs *classState) []byte {
	b := make([]byte, 0, classMetaLen)
	for _, v := range []uint64{cs.LastSeq, cs.Appended, cs.Delivered, cs.DroppedFull, cs.Rejected, cs.DroppedExpired, uint64(cs.Records), uint64(cs.Bytes)} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return b
}

func decodeClassMeta(b []byte, cs *classState) error {
	if len(b) != classMetaLen {
		return fmt.Errorf("class %q: meta of %d bytes, want %d", cs.Name, len(b), classMetaLen)
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(b[8*i:]) }
	cs.LastSeq, cs.Appended, cs.Delivered = u(0), u(1), u(2)
	cs.DroppedFull, cs.Rejected, cs.DroppedExpired = u(3), u(4), u(5)
	records, bytes := u(6), u(7)
	if records > math.MaxInt32 || bytes > math.MaxInt64 {
		return fmt.Errorf("class %q: meta counts %d records of %d bytes", cs.Name, records, bytes)
	}
	cs.Records, cs.Bytes = int(records), int64(bytes)
	return nil
}

func getUint64(b *bolt.Bucket, key []byte) (uint64, error) {
	v := b.Get(key)
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(v), nil
	}
	return 0, fmt.Errorf("meta %q: %d bytes, want 8", key, len(v))
}

func putUint64(b *bolt.Bucket, key []byte, v uint64) error {
	return b.Put(key, binary.BigEndian.AppendUint64(nil, v))
}

// txStore is the store of the shared algorithms inside a bbolt write
// transaction.
type txStore struct {
	tx      *bolt.Tx
	classes []classState
	bks     []*bolt.Bucket
}

func newTxStore(tx *bolt.Tx, st *state) *txStore {
	return &txStore{tx: tx, classes: st.classes, bks: make([]*bolt.Bucket, len(st.classes))}
}

func (s *txStore) bucket(c int) (*bolt.Bucket, error) {
	if b := s.bks[c]; b != nil {
		return b, nil
	}
	b := s.tx.Bucket(classBucket(s.classes[c].Name))
	if b == nil {
		return nil, fmt.Errorf("class %q: bucket missing", s.classes[c].Name)
	}
	// Records are appended at the end and removed from the front: full
	// pages waste nothing.
	b.FillPercent = 1.0
	s.bks[c] = b
	return b, nil
}

func (s *txStore) put(c int, seq uint64, ts int64, payload []byte) error {
	b, err := s.bucket(c)
	if err != nil {
		return err
	}
	v := make([]byte, recordHeaderLen+len(payload))
	binary.BigEndian.PutUint64(v, uint64(ts))
	copy(v[recordHeaderLen:], payload)
	return b.Put(seqKey(seq), v)
}

func recordSize(v []byte) int64 { return int64(len(v)-recordHeaderLen) + RecordOverhead }

func (s *txStore) dropOldest(c int) (int64, error) {
	b, err := s.bucket(c)
	if err != nil {
		return 0, err
	}
	cur := b.Cursor()
	k, v := cur.First()
	if k == nil {
		return 0, fmt.Errorf("class %q: no record to drop", s.classes[c].Name)
	}
	size := recordSize(v)
	return size, cur.Delete()
}

func (s *txStore) head(c int) (uint64, int64, bool, error) {
	b, err := s.bucket(c)
	if err != nil {
		return 0, 0, false, err
	}
	k, v := b.Cursor().First()
	if k == nil {
		return 0, 0, false, nil
	}
	seq, ts, err := decodeRecord(k, v)
	return seq, ts, err == nil, err
}

func (s *txStore) deleteRange(c int, first, last uint64) (int, int64, error) {
	b, err := s.bucket(c)
	if err != nil {
		return 0, 0, err
	}
	var keys [][]byte
	var size int64
	cur := b.Cursor()
	for k, v := cur.Seek(seqKey(first)); k != nil; k, v = cur.Next() {
		seq, _, err := decodeRecord(k, v)
		if err != nil {
			return 0, 0, err
		}
		if seq > last {
			break
		}
		keys = append(keys, seqKey(seq))
		size += recordSize(v)
	}
	// Delete after the walk: a cursor's Next after its Delete can skip a key.
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, 0, err
		}
	}
	return len(keys), size, nil
}

var errBadRecord = errors.New("malformed record")

func decodeRecord(k, v []byte) (seq uint64, ts int64, err error) {
	if len(k) != 8 || len(v) < recordHeaderLen {
		return 0, 0, fmt.Errorf("%w: key of %d bytes, value of %d", errBadRecord, len(k), len(v))
	}
	return binary.BigEndian.Uint64(k), int64(binary.BigEndian.Uint64(v)), nil
}

// writeMeta stores every class's meta (a few dozen bytes each: the meta
// bucket's page is rewritten by any change anyway).
func writeMeta(tx *bolt.Tx, st *state) error {
	mb := tx.Bucket(metaBucket)
	if mb == nil {
		return errors.New("meta bucket missing")
	}
	for i := range st.classes {
		if err := mb.Put(classKey(st.classes[i].Name), encodeClassMeta(&st.classes[i])); err != nil {
			return err
		}
	}
	return nil
}

// initFile creates the buckets of a new file, or of classes added to the
// configuration since the file was written.
func initFile(tx *bolt.Tx, st *state) error {
	mb, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return err
	}
	if mb.Get(keySchema) == nil {
		if err := mb.Put(keySchema, binary.BigEndian.AppendUint32(nil, schemaVersion)); err != nil {
			return err
		}
	}
	for _, cs := range st.classes {
		if _, err := tx.CreateBucketIfNotExists(classBucket(cs.Name)); err != nil {
			return err
		}
	}
	return writeMeta(tx, st)
}

// loadState reads the bookkeeping from a file written by this package. It
// returns needInit when buckets must be created (a new file, a new class).
// Classes stored but no longer configured are kept as retired classes.
func loadState(tx *bolt.Tx, cfg *config) (st *state, compactions uint64, needInit bool, err error) {
	st = &state{}
	for _, cl := range cfg.classes {
		st.classes = append(st.classes, classState{Class: cl})
	}
	mb := tx.Bucket(metaBucket)
	if mb == nil {
		var names []string
		_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
		if len(names) > 0 {
			return nil, 0, false, fmt.Errorf("not an outbox file: no %q bucket, buckets %q", metaBucket, names)
		}
		return st, 0, true, nil
	}
	v := mb.Get(keySchema)
	if len(v) != 4 {
		return nil, 0, false, fmt.Errorf("schema version of %d bytes", len(v))
	}
	if ver := binary.BigEndian.Uint32(v); ver != schemaVersion {
		return nil, 0, false, fmt.Errorf("schema version %d, this build reads %d", ver, schemaVersion)
	}
	if compactions, err = getUint64(mb, keyCompactions); err != nil {
		return nil, 0, false, err
	}
	configured := map[string]bool{}
	for _, cl := range cfg.classes {
		configured[cl.Name] = true
	}
	err = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		n := string(name)
		switch {
		case n == string(metaBucket):
		case strings.HasPrefix(n, classBucketPrefix):
			cl := strings.TrimPrefix(n, classBucketPrefix)
			if !configured[cl] {
				st.classes = append(st.classes, classState{Class: Class{Name: cl, Priority: retiredPriority}, retired: true})
			}
		default:
			return fmt.Errorf("unexpected bucket %q", n)
		}
		return nil
	})
	if err != nil {
		return nil, 0, false, err
	}
	for i := range st.classes {
		cs := &st.classes[i]
		b := tx.Bucket(classBucket(cs.Name))
		if b == nil {
			needInit = true
			continue
		}
		m := mb.Get(classKey(cs.Name))
		if m == nil {
			return nil, 0, false, fmt.Errorf("class %q: records without meta", cs.Name)
		}
		if err := decodeClassMeta(m, cs); err != nil {
			return nil, 0, false, err
		}
		st.records += cs.Records
		st.bytes += cs.Bytes
		cur := b.Cursor()
		fk, fv := cur.First()
		if (fk == nil) != (cs.Records == 0) {
			return nil, 0, false, fmt.Errorf("class %q: meta counts %d records, bucket empty: %v", cs.Name, cs.Records, fk == nil)
		}
		if fk == nil {
			continue
		}
		first, ts, err := decodeRecord(fk, fv)
		if err != nil {
			return nil, 0, false, fmt.Errorf("class %q: %w", cs.Name, err)
		}
		lk, lv := cur.Last()
		last, _, err := decodeRecord(lk, lv)
		if err != nil {
			return nil, 0, false, fmt.Errorf("class %q: %w", cs.Name, err)
		}
		if first == 0 || last > cs.LastSeq || last-first+1 < uint64(cs.Records) {
			return nil, 0, false, fmt.Errorf("class %q: records %d..%d, meta counts %d records, last seq %d", cs.Name, first, last, cs.Records, cs.LastSeq)
		}
		cs.FirstSeq, cs.firstTime = first, ts
	}
	return st, compactions, needInit, nil
}
