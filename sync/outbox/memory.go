package outbox

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"
)

// Memory is a Queue held in memory: the same semantics as Bolt (the same
// algorithms run over both; one test suite checks both), nothing durable.
// It serves tests, and devices that choose to lose their backlog on restart.
type Memory struct {
	cfg    config
	idx    map[string]int
	notify chan struct{}
	drops  *dropLog

	mu     sync.Mutex
	st     *state
	recs   []memClass // by class index
	closed bool
}

var _ Queue = (*Memory)(nil)

// memClass holds one class's records in seq order: recs[head:] are stored.
type memClass struct {
	recs []Record
	head int
}

func (m *memClass) live() []Record { return m.recs[m.head:] }

// NewMemory returns an empty in-memory outbox.
func NewMemory(opts Options) (*Memory, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	m := &Memory{
		cfg:    cfg,
		idx:    map[string]int{},
		notify: make(chan struct{}, 1),
		drops:  newDropLog(cfg.log),
		st:     &state{},
		recs:   make([]memClass, len(cfg.classes)),
	}
	for i, cl := range cfg.classes {
		m.idx[cl.Name] = i
		m.st.classes = append(m.st.classes, classState{Class: cl})
	}
	return m, nil
}

// memStore is the store of the shared algorithms over Memory's slices.
type memStore struct{ m *Memory }

func (s memStore) put(c int, seq uint64, ts int64, payload []byte) error {
	mc := &s.m.recs[c]
	mc.recs = append(mc.recs, Record{
		Class:   s.m.st.classes[c].Name,
		Seq:     seq,
		Time:    time.Unix(0, ts),
		Payload: append([]byte(nil), payload...),
	})
	return nil
}

func (s memStore) dropOldest(c int) (int64, error) {
	mc := &s.m.recs[c]
	size := mc.recs[mc.head].Size()
	mc.recs[mc.head] = Record{}
	mc.head++
	mc.compact()
	return size, nil
}

// compact gives back the slots before head once they are most of the slice.
func (mc *memClass) compact() {
	if mc.head == len(mc.recs) {
		mc.recs, mc.head = mc.recs[:0], 0
		return
	}
	if mc.head >= 1024 && mc.head*2 >= len(mc.recs) {
		n := copy(mc.recs, mc.recs[mc.head:])
		clear(mc.recs[n:])
		mc.recs, mc.head = mc.recs[:n], 0
	}
}

func (s memStore) head(c int) (uint64, int64, bool, error) {
	live := s.m.recs[c].live()
	if len(live) == 0 {
		return 0, 0, false, nil
	}
	return live[0].Seq, live[0].Time.UnixNano(), true, nil
}

func (s memStore) deleteRange(c int, first, last uint64) (int, int64, error) {
	mc := &s.m.recs[c]
	live := mc.live()
	i := sort.Search(len(live), func(i int) bool { return live[i].Seq >= first })
	j := sort.Search(len(live), func(i int) bool { return live[i].Seq > last })
	if i >= j {
		return 0, 0, nil
	}
	var size int64
	for _, r := range live[i:j] {
		size += r.Size()
	}
	if i == 0 {
		clear(live[:j])
		mc.head += j
		mc.compact()
	} else {
		n := copy(live[i:], live[j:])
		clear(live[i+n:])
		mc.recs = mc.recs[:mc.head+i+n]
	}
	return j - i, size, nil
}

func (m *Memory) class(name string) (int, error) {
	c, ok := m.idx[name]
	if !ok {
		return 0, fmt.Errorf("outbox: class %q: %w", name, ErrUnknownClass)
	}
	return c, nil
}

// Append implements Queue.
func (m *Memory) Append(ctx context.Context, class string, payload []byte) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	c, err := m.class(class)
	if err != nil {
		return 0, err
	}
	var ev events
	seq, err := m.st.append(&m.cfg, memStore{m}, c, payload, m.now(), &ev)
	m.drops.note(&ev, m.st)
	if err != nil {
		return 0, err
	}
	select {
	case m.notify <- struct{}{}:
	default:
	}
	return seq, nil
}

func (m *Memory) now() int64 { return m.cfg.now().UnixNano() }

// Peek implements Queue.
func (m *Memory) Peek(class string, after uint64, max int, maxBytes int64) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	c, err := m.class(class)
	if err != nil {
		return nil, err
	}
	if err := m.expireLocked(); err != nil {
		return nil, err
	}
	if after == math.MaxUint64 {
		return nil, nil
	}
	live := m.recs[c].live()
	i := sort.Search(len(live), func(i int) bool { return live[i].Seq > after })
	var out []Record
	var size int64
	for _, r := range live[i:] {
		if len(out) > 0 && ((max > 0 && len(out) >= max) || (maxBytes > 0 && size+int64(len(r.Payload)) > maxBytes)) {
			break
		}
		r.Payload = append([]byte(nil), r.Payload...)
		out = append(out, r)
		size += int64(len(r.Payload))
	}
	return out, nil
}

// Remove implements Queue.
func (m *Memory) Remove(class string, first, last uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	c, err := m.class(class)
	if err != nil {
		return err
	}
	_, err = m.st.remove(memStore{m}, c, first, last)
	return err
}

// Notify implements Queue.
func (m *Memory) Notify() <-chan struct{} { return m.notify }

// Classes implements Queue.
func (m *Memory) Classes() []Class {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.drainOrder()
}

// Expire implements Queue.
func (m *Memory) Expire() (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	var ev events
	n, err := m.st.expire(&m.cfg, memStore{m}, m.now(), &ev)
	m.drops.note(&ev, m.st)
	return n, err
}

func (m *Memory) expireLocked() error {
	now := m.now()
	if !m.st.needsExpire(&m.cfg, now) {
		return nil
	}
	var ev events
	_, err := m.st.expire(&m.cfg, memStore{m}, now, &ev)
	m.drops.note(&ev, m.st)
	return err
}

// Stats implements Queue. It answers after Close too.
func (m *Memory) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.stats(m.cfg.maxBytes)
}

// Check implements Queue: the counters' invariants, and the records
// against them.
func (m *Memory) Check() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	errs := []error{m.st.checkCounters(m.cfg.maxBytes)}
	for c, cs := range m.st.classes {
		live := m.recs[c].live()
		var size int64
		for i, r := range live {
			size += r.Size()
			if r.Class != cs.Name {
				errs = append(errs, fmt.Errorf("class %q: record %d filed as %q", cs.Name, r.Seq, r.Class))
			}
			if r.Seq == 0 || r.Seq > cs.LastSeq || (i > 0 && r.Seq <= live[i-1].Seq) {
				errs = append(errs, fmt.Errorf("class %q: record %d out of order or beyond last_seq %d", cs.Name, r.Seq, cs.LastSeq))
			}
		}
		if len(live) != cs.Records || size != cs.Bytes {
			errs = append(errs, fmt.Errorf("class %q: %d records of %d bytes stored, %d of %d counted", cs.Name, len(live), size, cs.Records, cs.Bytes))
		}
		if len(live) > 0 && (live[0].Seq != cs.FirstSeq || live[0].Time.UnixNano() != cs.firstTime) {
			errs = append(errs, fmt.Errorf("class %q: first record %d, first_seq %d", cs.Name, live[0].Seq, cs.FirstSeq))
		}
	}
	return errors.Join(errs...)
}

// Close implements Queue. The records are gone with the Memory.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	m.drops.flush(m.st)
	return nil
}
