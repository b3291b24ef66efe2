package outbox

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Policy says what Append does when the outbox is full.
type Policy string

// The policies.
const (
	// DropOldest evicts the oldest records of the lowest-priority class
	// first (routine metrics before predictions before alerts) to make
	// room. The default. It never evicts a class that ranks above the new
	// record's class: when evicting the new record's class and those below
	// cannot make room, the record is refused with ErrFull and nothing is
	// evicted. Every eviction and refusal is counted.
	DropOldest Policy = "drop_oldest"
	// RejectNew refuses the new record with ErrFull and keeps what is
	// stored. Every refusal is counted.
	RejectNew Policy = "reject_new"
)

// Class is a stream of records with its own sequence numbers: predictions,
// metrics, alerts. Sequence numbers start at 1 and rise by one per record of
// the class for the life of the outbox, so a consumer finds a gap or a
// duplicate by seq alone.
type Class struct {
	Name string
	// Priority orders classes: higher drains first and is evicted last.
	Priority int
	// TTL drops records older than this, counted as expired (0: none).
	TTL time.Duration
}

// DefaultClasses are the agent's streams: alerts before predictions before
// routine metrics.
var DefaultClasses = []Class{
	{Name: "alerts", Priority: 2},
	{Name: "predictions", Priority: 1},
	{Name: "metrics", Priority: 0, TTL: 7 * 24 * time.Hour},
}

// Record is one stored record.
type Record struct {
	Class   string
	Seq     uint64
	Time    time.Time // when it was appended
	Payload []byte
}

// Size is what a record counts against Options.MaxBytes: its payload plus
// a fixed overhead for its key, timestamp and bookkeeping.
func (r Record) Size() int64 { return int64(len(r.Payload)) + RecordOverhead }

// RecordOverhead is the bytes each record counts beyond its payload.
const RecordOverhead = 32

// Options configure an outbox.
type Options struct {
	// MaxBytes bounds the stored records (sum of Record.Size). Default 64 MiB.
	MaxBytes int64
	// MaxAge drops records older than this, counted as expired (0: none).
	MaxAge time.Duration
	// Policy when full; default DropOldest.
	Policy Policy
	// Classes of records; default DefaultClasses. Appending to a class not
	// listed is an error.
	Classes []Class
	// Logger receives a line for every drop (rate-limited by the
	// implementation); nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// ClassStats counts one class.
type ClassStats struct {
	Records   int    `json:"records"`
	Bytes     int64  `json:"bytes"`
	FirstSeq  uint64 `json:"first_seq,omitempty"` // oldest stored (0: none)
	LastSeq   uint64 `json:"last_seq"`            // last assigned (always Appended: refused records get no seq)
	Appended  uint64 `json:"appended"`            // since the outbox was created
	Delivered uint64 `json:"delivered"`           // removed after delivery
	// Drops, never silent: evicted to make room (drop_oldest); refused
	// (reject_new, a drop_oldest that could not make room, ErrTooLarge, or
	// an Append whose commit failed, e.g. on a full disk); expired by TTL or
	// MaxAge. A gap in seq is always an eviction or an expiry.
	DroppedFull    uint64 `json:"dropped_full"`
	Rejected       uint64 `json:"rejected"`
	DroppedExpired uint64 `json:"dropped_expired"`
}

// Stats describes the outbox. Counters survive restarts in durable
// implementations.
type Stats struct {
	Records     int                   `json:"records"`
	Bytes       int64                 `json:"bytes"`
	MaxBytes    int64                 `json:"max_bytes"`
	FileBytes   int64                 `json:"file_bytes,omitempty"` // on-disk size (bbolt)
	Compactions uint64                `json:"compactions,omitempty"`
	Classes     map[string]ClassStats `json:"classes"`
}

// Dropped returns all drops of all classes (evicted, refused, expired).
func (s Stats) Dropped() uint64 {
	var n uint64
	for _, c := range s.Classes {
		n += c.DroppedFull + c.Rejected + c.DroppedExpired
	}
	return n
}

// Queue is a durable, bounded, ordered store of records waiting for
// delivery. Implementations are safe for concurrent use.
type Queue interface {
	// Append stores payload as the next record of class and returns its
	// seq. When it returns without error the record is stored (durably, for
	// durable implementations). When full, the Policy decides: DropOldest
	// evicts older records, RejectNew returns ErrFull.
	Append(ctx context.Context, class string, payload []byte) (uint64, error)
	// Peek returns up to max records of class with seq > after, in seq
	// order, their payloads totalling at most maxBytes (at least one record
	// is returned when any is waiting, whatever its size). max <= 0 and
	// maxBytes <= 0 mean no limit.
	Peek(class string, after uint64, max int, maxBytes int64) ([]Record, error)
	// Remove deletes the records of class with first <= seq <= last, which
	// were delivered. Removing records that are gone is not an error.
	Remove(class string, first, last uint64) error
	// Notify returns a channel that receives a value after an Append (it
	// may coalesce several appends into one wake-up).
	Notify() <-chan struct{}
	// Classes returns the classes in drain order (highest priority first).
	// A durable outbox also lists, last, classes found in its file that are
	// no longer configured, so their records can still be delivered; Append
	// refuses them.
	Classes() []Class
	// Expire drops records older than their class TTL or MaxAge now; it
	// returns how many were dropped. Append and Peek expire as they go;
	// Expire lets a caller sweep periodically.
	Expire() (int, error)
	// Stats describes the outbox.
	Stats() Stats
	// Check verifies the implementation's invariants (tests run it after
	// every test); nil means consistent.
	Check() error
	// Close flushes and closes; further calls return ErrClosed.
	Close() error
}

// Errors.
var (
	// ErrFull is returned by Append under RejectNew when the record does not fit.
	ErrFull = errors.New("outbox full")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("outbox closed")
	// ErrUnknownClass is returned for a class not configured.
	ErrUnknownClass = errors.New("unknown record class")
	// ErrTooLarge is returned for a record larger than MaxBytes.
	ErrTooLarge = errors.New("record larger than the outbox")
)
