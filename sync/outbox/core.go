package outbox

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"
)

// Size caps. bbolt maps the whole file into memory, so on 32-bit targets the
// outbox must leave most of the ~3 GiB address space to the rest of the
// process.
const (
	// DefaultMaxBytes is Options.MaxBytes when it is not set.
	DefaultMaxBytes = 64 << 20
	// MaxBytes32 caps Options.MaxBytes on 32-bit platforms.
	MaxBytes32 = 256 << 20

	// is32bit reports whether int (and the address space) is 32 bits.
	is32bit = ^uint(0)>>32 == 0

	// maxClassName bounds a class name (it is a bbolt bucket name).
	maxClassName = 200
)

// retiredPriority is the priority given to classes found in a file but no
// longer configured: drained last, evicted first.
const retiredPriority = math.MinInt

// config is Options checked and filled with defaults.
type config struct {
	maxBytes int64
	maxAge   time.Duration
	policy   Policy
	classes  []Class // drain order: priority descending, then as configured
	log      *slog.Logger
	now      func() time.Time
}

func newConfig(o Options) (config, error) {
	c := config{
		maxBytes: o.MaxBytes,
		maxAge:   o.MaxAge,
		policy:   o.Policy,
		log:      o.Logger,
		now:      o.Now,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxBytes < 0 {
		return c, fmt.Errorf("outbox: negative MaxBytes %d", c.maxBytes)
	}
	if c.maxBytes == 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if is32bit && c.maxBytes > MaxBytes32 {
		c.log.Warn("outbox: max_bytes capped on a 32-bit platform", "requested", c.maxBytes, "cap", int64(MaxBytes32))
		c.maxBytes = MaxBytes32
	}
	if c.maxBytes < RecordOverhead+1 {
		return c, fmt.Errorf("outbox: MaxBytes %d holds no record (each counts %d bytes beyond its payload)", c.maxBytes, RecordOverhead)
	}
	if c.maxAge < 0 {
		return c, fmt.Errorf("outbox: negative MaxAge %v", c.maxAge)
	}
	switch c.policy {
	case "":
		c.policy = DropOldest
	case DropOldest, RejectNew:
	default:
		return c, fmt.Errorf("outbox: unknown policy %q (want %q or %q)", c.policy, DropOldest, RejectNew)
	}
	classes := o.Classes
	if len(classes) == 0 {
		classes = DefaultClasses
	}
	seen := map[string]bool{}
	for _, cl := range classes {
		switch {
		case cl.Name == "":
			return c, errors.New("outbox: class with an empty name")
		case len(cl.Name) > maxClassName:
			return c, fmt.Errorf("outbox: class name %.20q... longer than %d bytes", cl.Name, maxClassName)
		case seen[cl.Name]:
			return c, fmt.Errorf("outbox: class %q listed twice", cl.Name)
		case cl.TTL < 0:
			return c, fmt.Errorf("outbox: class %q: negative TTL %v", cl.Name, cl.TTL)
		case cl.Priority == retiredPriority:
			return c, fmt.Errorf("outbox: class %q: priority %d is reserved", cl.Name, cl.Priority)
		}
		seen[cl.Name] = true
	}
	c.classes = slices.Clone(classes)
	slices.SortStableFunc(c.classes, func(a, b Class) int {
		switch {
		case a.Priority > b.Priority:
			return -1
		case a.Priority < b.Priority:
			return 1
		}
		return 0
	})
	return c, nil
}

// classState is the bookkeeping of one class.
type classState struct {
	Class
	retired bool // stored in the file, no longer configured
	ClassStats
	firstTime int64 // UnixNano of the oldest stored record (when Records > 0)
}

// state is the bookkeeping of all classes: what Stats reports, and what the
// shared algorithms below update. Both implementations run the same
// algorithms over their own store, so their semantics are the same by
// construction; the suite and the simulation test check it.
type state struct {
	classes []classState // drain order; retired classes last
	records int
	bytes   int64
}

func (s *state) clone() *state {
	c := *s
	c.classes = slices.Clone(s.classes)
	return &c
}

// store is what the algorithms need from a storage: records of each class
// ordered by seq. Errors are storage failures (bbolt); the memory store
// never fails.
type store interface {
	// put stores a record as the newest of class c.
	put(c int, seq uint64, ts int64, payload []byte) error
	// dropOldest deletes the oldest record of class c (which has one) and
	// returns its Size.
	dropOldest(c int) (int64, error)
	// head returns the seq and time of the oldest record of class c.
	head(c int) (seq uint64, ts int64, ok bool, err error)
	// deleteRange deletes the records of class c with first <= seq <= last
	// and returns how many there were and their Size.
	deleteRange(c int, first, last uint64) (int, int64, error)
}

// dropReason says why records left the outbox without being delivered.
type dropReason uint8

const (
	dropEvicted  dropReason = iota // drop_oldest made room
	dropRejected                   // refused: reject_new, too large, or a storage error
	dropExpired                    // older than the class TTL or MaxAge
)

func (r dropReason) String() string {
	switch r {
	case dropEvicted:
		return "evicted"
	case dropRejected:
		return "rejected"
	}
	return "expired"
}

// events collects drops for the log while an operation runs; the owner logs
// them once the operation is final (committed, for bbolt).
type events struct {
	n map[dropKey]uint64
}

type dropKey struct {
	class  string
	reason dropReason
}

func (e *events) add(class string, r dropReason) {
	if e == nil {
		return
	}
	if e.n == nil {
		e.n = map[dropKey]uint64{}
	}
	e.n[dropKey{class, r}]++
}

func (s *state) expired(cfg *config, c int, ts, now int64) bool {
	age := now - ts
	if ttl := s.classes[c].TTL; ttl > 0 && age > int64(ttl) {
		return true
	}
	return cfg.maxAge > 0 && age > int64(cfg.maxAge)
}

// needsExpire reports whether the oldest record of any class has expired.
func (s *state) needsExpire(cfg *config, now int64) bool {
	for c := range s.classes {
		if s.classes[c].Records > 0 && s.expired(cfg, c, s.classes[c].firstTime, now) {
			return true
		}
	}
	return false
}

// expire drops, class by class and in seq order, the records older than
// their class TTL or MaxAge. A record expires only after the ones before it
// in its class, so expiry never leaves a hole inside a class.
func (s *state) expire(cfg *config, st store, now int64, ev *events) (int, error) {
	n := 0
	for c := range s.classes {
		cs := &s.classes[c]
		for cs.Records > 0 && s.expired(cfg, c, cs.firstTime, now) {
			if err := s.dropHead(st, c); err != nil {
				return n, err
			}
			cs.DroppedExpired++
			ev.add(cs.Name, dropExpired)
			n++
		}
	}
	return n, nil
}

func (s *state) dropHead(st store, c int) error {
	size, err := st.dropOldest(c)
	if err != nil {
		return err
	}
	cs := &s.classes[c]
	cs.Records--
	cs.Bytes -= size
	s.records--
	s.bytes -= size
	return s.refreshHead(st, c)
}

func (s *state) refreshHead(st store, c int) error {
	seq, ts, ok, err := st.head(c)
	if err != nil {
		return err
	}
	cs := &s.classes[c]
	if ok {
		cs.FirstSeq, cs.firstTime = seq, ts
	} else {
		cs.FirstSeq, cs.firstTime = 0, 0
	}
	return nil
}

// victim returns the class whose oldest record drop_oldest evicts to make
// room for a record of priority prio: the lowest-priority class holding
// records (the later in drain order among equals), never one of higher
// priority than prio. -1 when there is none.
func (s *state) victim(prio int) int {
	for c := len(s.classes) - 1; c >= 0; c-- {
		cs := &s.classes[c]
		if cs.Priority > prio {
			return -1 // drain order: every class before this one ranks higher
		}
		if cs.Records > 0 {
			return c
		}
	}
	return -1
}

// makeRoom applies the policy so that size more bytes fit. It returns
// ErrFull (wrapped) when they cannot.
func (s *state) makeRoom(cfg *config, st store, c int, size int64, ev *events) error {
	if s.bytes+size <= cfg.maxBytes {
		return nil
	}
	// Evict nothing unless eviction can make enough room.
	evictable := int64(0)
	if cfg.policy == DropOldest {
		for _, cs := range s.classes {
			if cs.Priority <= s.classes[c].Priority {
				evictable += cs.Bytes
			}
		}
	}
	if s.bytes-evictable+size > cfg.maxBytes {
		return fmt.Errorf("outbox: class %q: %w (%d of %d bytes used, policy %s)", s.classes[c].Name, ErrFull, s.bytes, cfg.maxBytes, cfg.policy)
	}
	for s.bytes+size > cfg.maxBytes {
		v := s.victim(s.classes[c].Priority)
		if v < 0 {
			return errors.New("outbox: evictable bytes counted but no record to evict")
		}
		if err := s.dropHead(st, v); err != nil {
			return err
		}
		s.classes[v].DroppedFull++
		ev.add(s.classes[v].Name, dropEvicted)
	}
	return nil
}

// isRefusal reports whether err is Append refusing the record (counted as
// rejected) rather than a storage failure.
func isRefusal(err error) bool {
	return errors.Is(err, ErrFull) || errors.Is(err, ErrTooLarge)
}

// append stores payload as the next record of class c. Refusals (ErrFull,
// ErrTooLarge) are counted as rejected and assign no seq; a storage error
// leaves s partly updated, and the caller discards it.
func (s *state) append(cfg *config, st store, c int, payload []byte, now int64, ev *events) (uint64, error) {
	if _, err := s.expire(cfg, st, now, ev); err != nil {
		return 0, err
	}
	cs := &s.classes[c]
	size := int64(len(payload)) + RecordOverhead
	if size > cfg.maxBytes {
		cs.Rejected++
		ev.add(cs.Name, dropRejected)
		return 0, fmt.Errorf("outbox: class %q: %w (%d bytes counted, max_bytes %d)", cs.Name, ErrTooLarge, size, cfg.maxBytes)
	}
	if err := s.makeRoom(cfg, st, c, size, ev); err != nil {
		if isRefusal(err) {
			cs.Rejected++
			ev.add(cs.Name, dropRejected)
		}
		return 0, err
	}
	seq := cs.LastSeq + 1
	if err := st.put(c, seq, now, payload); err != nil {
		return 0, err
	}
	cs.LastSeq = seq
	cs.Appended++
	cs.Records++
	cs.Bytes += size
	s.records++
	s.bytes += size
	if cs.Records == 1 {
		cs.FirstSeq, cs.firstTime = seq, now
	}
	return seq, nil
}

// remove deletes the delivered records first..last of class c and counts
// them as delivered.
func (s *state) remove(st store, c int, first, last uint64) (int, error) {
	cs := &s.classes[c]
	if first > last || cs.Records == 0 || last < cs.FirstSeq || first > cs.LastSeq {
		return 0, nil
	}
	first = max(first, cs.FirstSeq)
	n, size, err := st.deleteRange(c, first, last)
	if err != nil || n == 0 {
		return 0, err
	}
	cs.Records -= n
	cs.Bytes -= size
	cs.Delivered += uint64(n)
	s.records -= n
	s.bytes -= size
	if first == cs.FirstSeq {
		if err := s.refreshHead(st, c); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// fit drops records, as drop_oldest would and whatever the policy, until
// the stored bytes fit max_bytes: after max_bytes was lowered between runs.
func (s *state) fit(cfg *config, st store, ev *events) (int, error) {
	n := 0
	for s.bytes > cfg.maxBytes {
		v := s.victim(math.MaxInt)
		if v < 0 {
			return n, errors.New("outbox: bytes counted but no record stored")
		}
		if err := s.dropHead(st, v); err != nil {
			return n, err
		}
		s.classes[v].DroppedFull++
		ev.add(s.classes[v].Name, dropEvicted)
		n++
	}
	return n, nil
}

// stats builds the Stats of s.
func (s *state) stats(maxBytes int64) Stats {
	st := Stats{
		Records:  s.records,
		Bytes:    s.bytes,
		MaxBytes: maxBytes,
		Classes:  make(map[string]ClassStats, len(s.classes)),
	}
	for _, cs := range s.classes {
		st.Classes[cs.Name] = cs.ClassStats
	}
	return st
}

// drainOrder returns the classes as Classes reports them.
func (s *state) drainOrder() []Class {
	out := make([]Class, len(s.classes))
	for i, cs := range s.classes {
		out[i] = cs.Class
	}
	return out
}

// checkCounters verifies the invariants of the counters alone; the
// implementations add what they can check against their stores.
func (s *state) checkCounters(maxBytes int64) error {
	var errs []error
	records, bytes := 0, int64(0)
	for _, cs := range s.classes {
		if cs.LastSeq != cs.Appended {
			errs = append(errs, fmt.Errorf("class %q: last_seq %d != appended %d", cs.Name, cs.LastSeq, cs.Appended))
		}
		if sum := uint64(cs.Records) + cs.Delivered + cs.DroppedFull + cs.DroppedExpired; sum != cs.Appended {
			errs = append(errs, fmt.Errorf("class %q: records %d + delivered %d + evicted %d + expired %d = %d != appended %d",
				cs.Name, cs.Records, cs.Delivered, cs.DroppedFull, cs.DroppedExpired, sum, cs.Appended))
		}
		if cs.Records < 0 || cs.Bytes < int64(cs.Records)*RecordOverhead {
			errs = append(errs, fmt.Errorf("class %q: %d records counting %d bytes", cs.Name, cs.Records, cs.Bytes))
		}
		if (cs.Records == 0) != (cs.FirstSeq == 0) {
			errs = append(errs, fmt.Errorf("class %q: %d records but first_seq %d", cs.Name, cs.Records, cs.FirstSeq))
		}
		if cs.Records > 0 && (cs.FirstSeq > cs.LastSeq || cs.LastSeq-cs.FirstSeq+1 < uint64(cs.Records)) {
			errs = append(errs, fmt.Errorf("class %q: %d records in seq %d..%d", cs.Name, cs.Records, cs.FirstSeq, cs.LastSeq))
		}
		records += cs.Records
		bytes += cs.Bytes
	}
	if records != s.records || bytes != s.bytes {
		errs = append(errs, fmt.Errorf("totals %d records %d bytes != sum of classes %d records %d bytes", s.records, s.bytes, records, bytes))
	}
	if s.bytes > maxBytes {
		errs = append(errs, fmt.Errorf("%d bytes stored > max_bytes %d", s.bytes, maxBytes))
	}
	return errors.Join(errs...)
}

// dropLog logs drops, at most one line per class and reason per interval,
// with the count since the last line: every drop is counted in Stats, and
// a flood of them does not flood the log.
type dropLog struct {
	log   *slog.Logger
	every time.Duration

	mu      sync.Mutex
	last    map[dropKey]time.Time
	pending map[dropKey]uint64
}

func newDropLog(l *slog.Logger) *dropLog {
	return &dropLog{log: l, every: 10 * time.Second, last: map[dropKey]time.Time{}, pending: map[dropKey]uint64{}}
}

// note logs (or holds for the next line) the drops in ev. It uses the wall
// clock, not Options.Now: it paces log lines, not records.
func (d *dropLog) note(ev *events, st *state) {
	if ev == nil || len(ev.n) == 0 {
		return
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, n := range ev.n {
		d.pending[k] += n
		if now.Sub(d.last[k]) < d.every {
			continue
		}
		d.last[k] = now
		d.emit(k, d.pending[k], st)
		delete(d.pending, k)
	}
}

// flush logs what note held back (at Close).
func (d *dropLog) flush(st *state) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, n := range d.pending {
		d.emit(k, n, st)
		delete(d.pending, k)
	}
}

func (d *dropLog) emit(k dropKey, n uint64, st *state) {
	attrs := []any{"class", k.class, "reason", k.reason.String(), "count", n}
	for _, cs := range st.classes {
		if cs.Name == k.class {
			attrs = append(attrs, "total_evicted", cs.DroppedFull, "total_rejected", cs.Rejected, "total_expired", cs.DroppedExpired)
		}
	}
	d.log.Warn("outbox: records dropped", attrs...)
}
