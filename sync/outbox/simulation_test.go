package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestBoltSimulation runs random operation sequences against Bolt and
// against Memory, the model, with the same clock, and requires the same
// answers and the same Stats after every operation: bbolt's simulation
// test against its QuickDB, for the outbox. Bolt is closed and reopened now
// and then, so the file, not only its memory, is compared.
func TestBoltSimulation(t *testing.T) {
	setVar(t, &testNoSync, true) // logic, not durability: the crash test covers fsync
	setVar(t, &compactMinFile, 16<<10)
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { simulate(t, seed, 1000) })
	}
}

func simulate(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 42))
	clock := newClock()
	o := Options{
		MaxBytes: int64(1500 + rng.IntN(6000)),
		MaxAge:   time.Duration(30+rng.IntN(60)) * time.Minute,
		Policy:   []Policy{DropOldest, RejectNew}[seed%2],
		Now:      clock.Now,
		Classes: []Class{
			{Name: "alerts", Priority: 2},
			{Name: "predictions", Priority: 1},
			{Name: "metrics", TTL: 10 * time.Minute},
			{Name: "logs", TTL: 20 * time.Minute}, // a second class of priority 0
		},
	}
	path := filepath.Join(t.TempDir(), "outbox.db")
	model := openMemory(t, o)
	b := openBolt(t, path, o)
	classes := []string{"alerts", "predictions", "metrics", "logs"}
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d, step %d: %s\nlast operations:\n%v", seed, len(log), fmt.Sprintf(format, args...), log[max(0, len(log)-15):])
	}
	errKind := func(err error) string {
		for _, e := range []error{ErrFull, ErrTooLarge, ErrUnknownClass, ErrClosed} {
			if errors.Is(err, e) {
				return e.Error()
			}
		}
		if err != nil {
			return "other: " + err.Error()
		}
		return "nil"
	}
	for range steps {
		class := classes[rng.IntN(len(classes))]
		switch r := rng.IntN(100); {
		case r < 50:
			n := rng.IntN(400)
			if rng.IntN(50) == 0 {
				n = int(o.MaxBytes) // too large
			}
			p := payload(class, len(log), n)
			log = append(log, fmt.Sprintf("Append(%s, %d bytes)", class, n))
			s1, e1 := model.Append(context.Background(), class, p)
			s2, e2 := b.Append(context.Background(), class, p)
			if s1 != s2 || errKind(e1) != errKind(e2) {
				fail("Append: memory %d %v, bolt %d %v", s1, e1, s2, e2)
			}
		case r < 65: // deliver from the front, as the uplink does
			max, maxBytes := 1+rng.IntN(10), int64(rng.IntN(1000))
			log = append(log, fmt.Sprintf("Peek+Remove(%s, max %d, %d bytes)", class, max, maxBytes))
			r1, e1 := model.Peek(class, 0, max, maxBytes)
			r2, e2 := b.Peek(class, 0, max, maxBytes)
			if !reflect.DeepEqual(r1, r2) || errKind(e1) != errKind(e2) {
				fail("Peek: memory %v %v, bolt %v %v", seqs(r1), e1, seqs(r2), e2)
			}
			if len(r1) > 0 {
				first, last := r1[0].Seq, r1[len(r1)-1].Seq
				if e1, e2 := model.Remove(class, first, last), b.Remove(class, first, last); errKind(e1) != errKind(e2) {
					fail("Remove: memory %v, bolt %v", e1, e2)
				}
			}
		case r < 73: // remove an arbitrary range
			last := model.Stats().Classes[class].LastSeq + 2
			first := uint64(rng.IntN(int(last) + 1))
			end := first + uint64(rng.IntN(8))
			log = append(log, fmt.Sprintf("Remove(%s, %d, %d)", class, first, end))
			if e1, e2 := model.Remove(class, first, end), b.Remove(class, first, end); errKind(e1) != errKind(e2) {
				fail("Remove: memory %v, bolt %v", e1, e2)
			}
		case r < 83:
			last := model.Stats().Classes[class].LastSeq
			after := uint64(rng.IntN(int(last) + 2))
			max, maxBytes := rng.IntN(20), int64(rng.IntN(3000))
			log = append(log, fmt.Sprintf("Peek(%s, after %d, max %d, %d bytes)", class, after, max, maxBytes))
			r1, e1 := model.Peek(class, after, max, maxBytes)
			r2, e2 := b.Peek(class, after, max, maxBytes)
			if !reflect.DeepEqual(r1, r2) || errKind(e1) != errKind(e2) {
				fail("Peek: memory %v %v, bolt %v %v", seqs(r1), e1, seqs(r2), e2)
			}
		case r < 92:
			d := time.Duration(rng.IntN(8*60)) * time.Second
			log = append(log, fmt.Sprintf("Advance(%v)", d))
			clock.Advance(d)
		case r < 96:
			log = append(log, "Expire()")
			n1, e1 := model.Expire()
			n2, e2 := b.Expire()
			if n1 != n2 || errKind(e1) != errKind(e2) {
				fail("Expire: memory %d %v, bolt %d %v", n1, e1, n2, e2)
			}
		case r < 98:
			log = append(log, "Check()")
			if err := b.Check(); err != nil {
				fail("Check: %v", err)
			}
		default:
			log = append(log, "reopen")
			if err := b.Close(); err != nil {
				fail("Close: %v", err)
			}
			b = openBolt(t, path, o)
		}
		s1, s2 := model.Stats(), b.Stats()
		s2.FileBytes, s2.Compactions = 0, 0
		if !reflect.DeepEqual(s1, s2) {
			fail("Stats differ:\nmemory %+v\nbolt   %+v", s1, s2)
		}
	}
	st := model.Stats()
	t.Logf("seed %d (%s, max_bytes %d): %d records left, %d dropped, bolt compactions %d", seed, o.Policy, o.MaxBytes, st.Records, st.Dropped(), b.Stats().Compactions)
}
