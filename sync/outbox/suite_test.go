package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

// The shared suite: every test runs against every implementation, as
// TestSuite/memory/NAME and TestSuite/bolt/NAME, and every queue it opens
// is checked (Check) when the test ends.
var suite = []struct {
	name string
	fn   func(t *testing.T, open opener)
}{
	{"SeqPerClass", testSeqPerClass},
	{"Peek", testPeek},
	{"RemoveRanges", testRemoveRanges},
	{"ClassesOrder", testClassesOrder},
	{"DropOldestAcrossClasses", testDropOldestAcrossClasses},
	{"RefusalEvictsNothing", testRefusalEvictsNothing},
	{"RejectNew", testRejectNew},
	{"Expiry", testExpiry},
	{"ExpiryOnAppend", testExpiryOnAppend},
	{"TooLarge", testTooLarge},
	{"UnknownClass", testUnknownClass},
	{"Closed", testClosed},
	{"Notify", testNotify},
	{"Concurrent16", testConcurrent16},
	{"StatsConsistency", testStatsConsistency},
	{"CanceledContext", testCanceledContext},
	{"BadOptions", testBadOptions},
}

func TestSuite(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, im.open) })
			}
		})
	}
}

func testSeqPerClass(t *testing.T, open opener) {
	q := open(t, Options{})
	for i := 1; i <= 3; i++ {
		for _, class := range []string{"metrics", "predictions", "alerts"} {
			if seq := mustAppend(t, q, class, payload(class, i, 10)); seq != uint64(i) {
				t.Errorf("Append(%s) #%d = seq %d, want %d", class, i, seq, i)
			}
		}
	}
	mustAppend(t, q, "predictions", nil) // an empty payload is a record
	for class, want := range map[string][]uint64{"metrics": span(1, 3), "predictions": span(1, 4), "alerts": span(1, 3)} {
		recs := peekAll(t, q, class)
		if got := seqs(recs); !slices.Equal(got, want) {
			t.Errorf("Peek(%s) seqs = %v, want %v", class, got, want)
		}
		for i, r := range recs[:3] {
			if r.Class != class || !bytes.Equal(r.Payload, payload(class, i+1, 10)) {
				t.Errorf("Peek(%s)[%d] = %q in %q, want %q", class, i, r.Payload, r.Class, payload(class, i+1, 10))
			}
		}
	}
	st := q.Stats().Classes["predictions"]
	if st.FirstSeq != 1 || st.LastSeq != 4 || st.Appended != 4 || st.Records != 4 {
		t.Errorf("predictions stats = %+v, want first 1, last 4, appended 4, records 4", st)
	}
}

func testPeek(t *testing.T, open opener) {
	clock := newClock()
	q := open(t, Options{Now: clock.Now})
	for i := 1; i <= 5; i++ {
		mustAppend(t, q, "predictions", payload("p", i, 10))
		clock.Advance(time.Second)
	}
	cases := []struct {
		after    uint64
		max      int
		maxBytes int64
		want     []uint64
	}{
		{0, 0, 0, span(1, 5)},
		{0, 2, 0, span(1, 2)},
		{2, 0, 25, span(3, 4)},          // 20 payload bytes; a third would make 30
		{2, 0, 30, span(3, 5)},          // exactly 30
		{0, 0, 5, span(1, 1)},           // at least one, whatever its size
		{3, 1, 1, span(4, 4)},           // the same after a position
		{4, 10, 1 << 20, span(5, 5)},    // fewer than max
		{5, 10, 0, nil},                 // nothing after the last
		{math.MaxUint64, 10, 0, nil},    // nothing after the largest seq
		{math.MaxUint64 - 1, 0, 0, nil}, // nor just before it
	}
	for _, c := range cases {
		recs, err := q.Peek("predictions", c.after, c.max, c.maxBytes)
		if err != nil {
			t.Fatalf("Peek(after %d, max %d, maxBytes %d): %v", c.after, c.max, c.maxBytes, err)
		}
		if got := seqs(recs); !slices.Equal(got, c.want) {
			t.Errorf("Peek(after %d, max %d, maxBytes %d) = %v, want %v", c.after, c.max, c.maxBytes, got, c.want)
		}
	}
	recs := peekAll(t, q, "predictions")
	start := newClock().Now()
	for i, r := range recs {
		if want := start.Add(time.Duration(i) * time.Second); !r.Time.Equal(want) {
			t.Errorf("record %d time %v, want %v", r.Seq, r.Time, want)
		}
	}
	// Peek copies: changing what it returned changes nothing stored.
	recs[0].Payload[0] = 'X'
	if again := peekAll(t, q, "predictions"); again[0].Payload[0] == 'X' {
		t.Errorf("Peek returned the stored payload, not a copy")
	}
	if recs, err := q.Peek("alerts", 0, 10, 0); err != nil || len(recs) != 0 {
		t.Errorf("Peek(empty class) = %v, %v; want nothing", recs, err)
	}
}

func testRemoveRanges(t *testing.T, open opener) {
	q := open(t, Options{})
	for i := 1; i <= 10; i++ {
		mustAppend(t, q, "predictions", payload("p", i, 20))
	}
	steps := []struct {
		first, last uint64
		want        []uint64
		delivered   uint64
	}{
		{3, 5, []uint64{1, 2, 6, 7, 8, 9, 10}, 3},
		{1, 4, []uint64{6, 7, 8, 9, 10}, 5},    // 3..4 are gone: not an error
		{9, 100, []uint64{6, 7, 8}, 7},         // past the last
		{8, 7, []uint64{6, 7, 8}, 7},           // first > last: nothing
		{0, 0, []uint64{6, 7, 8}, 7},           // no seq 0
		{11, 20, []uint64{6, 7, 8}, 7},         // not assigned yet
		{7, 7, []uint64{6, 8}, 8},              // one in the middle
		{0, math.MaxUint64, []uint64(nil), 10}, // everything
	}
	for _, s := range steps {
		if err := q.Remove("predictions", s.first, s.last); err != nil {
			t.Fatalf("Remove(%d, %d): %v", s.first, s.last, err)
		}
		if got := seqs(peekAll(t, q, "predictions")); !slices.Equal(got, s.want) {
			t.Errorf("after Remove(%d, %d): %v, want %v", s.first, s.last, got, s.want)
		}
		st := q.Stats().Classes["predictions"]
		if st.Delivered != s.delivered || st.Records != len(s.want) {
			t.Errorf("after Remove(%d, %d): delivered %d records %d, want %d and %d", s.first, s.last, st.Delivered, st.Records, s.delivered, len(s.want))
		}
		if len(s.want) > 0 && st.FirstSeq != s.want[0] {
			t.Errorf("after Remove(%d, %d): first_seq %d, want %d", s.first, s.last, st.FirstSeq, s.want[0])
		}
	}
	if seq := mustAppend(t, q, "predictions", nil); seq != 11 {
		t.Errorf("Append after removing everything = seq %d, want 11", seq)
	}
	if st := q.Stats(); st.Records != 1 || st.Bytes != RecordOverhead {
		t.Errorf("Stats = %d records %d bytes, want 1 and %d", st.Records, st.Bytes, RecordOverhead)
	}
}

func testClassesOrder(t *testing.T, open opener) {
	names := func(cs []Class) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	q := open(t, Options{})
	if got, want := names(q.Classes()), []string{"alerts", "predictions", "metrics"}; !slices.Equal(got, want) {
		t.Errorf("default Classes() = %v, want %v", got, want)
	}
	q = open(t, Options{Classes: []Class{{Name: "low"}, {Name: "high", Priority: 5}, {Name: "mid", Priority: 3}, {Name: "mid2", Priority: 3}, {Name: "neg", Priority: -1}}})
	if got, want := names(q.Classes()), []string{"high", "mid", "mid2", "low", "neg"}; !slices.Equal(got, want) {
		t.Errorf("Classes() = %v, want %v (priority, then configured order)", got, want)
	}
}

// 100 bytes per record: a payload of 68 and the overhead.
const rec100 = 100 - RecordOverhead

func testDropOldestAcrossClasses(t *testing.T, open opener) {
	q := open(t, Options{MaxBytes: 1000})
	for i := 1; i <= 4; i++ {
		mustAppend(t, q, "metrics", payload("m", i, rec100))
	}
	for i := 1; i <= 3; i++ {
		mustAppend(t, q, "predictions", payload("p", i, rec100))
		mustAppend(t, q, "alerts", payload("a", i, rec100))
	}
	if st := q.Stats(); st.Bytes != 1000 || st.Dropped() != 0 {
		t.Fatalf("full outbox: %d bytes, %d dropped; want 1000, 0", st.Bytes, st.Dropped())
	}
	type want struct {
		metrics, predictions, alerts []uint64
		evictedM, evictedP, evictedA uint64
	}
	check := func(step string, w want) {
		t.Helper()
		st := q.Stats()
		for class, ws := range map[string][]uint64{"metrics": w.metrics, "predictions": w.predictions, "alerts": w.alerts} {
			if got := seqs(peekAll(t, q, class)); !slices.Equal(got, ws) {
				t.Errorf("%s: %s = %v, want %v", step, class, got, ws)
			}
		}
		if m, p, a := st.Classes["metrics"].DroppedFull, st.Classes["predictions"].DroppedFull, st.Classes["alerts"].DroppedFull; m != w.evictedM || p != w.evictedP || a != w.evictedA {
			t.Errorf("%s: evicted metrics %d predictions %d alerts %d, want %d %d %d", step, m, p, a, w.evictedM, w.evictedP, w.evictedA)
		}
		if st.Bytes > 1000 {
			t.Errorf("%s: %d bytes stored > max_bytes 1000", step, st.Bytes)
		}
	}
	mustAppend(t, q, "alerts", payload("a", 4, rec100))
	check("an alert", want{span(2, 4), span(1, 3), span(1, 4), 1, 0, 0})
	for i := 5; i <= 7; i++ {
		mustAppend(t, q, "alerts", payload("a", i, rec100))
	}
	check("three alerts", want{nil, span(1, 3), span(1, 7), 4, 0, 0})
	mustAppend(t, q, "alerts", payload("a", 8, rec100))
	check("metrics gone: predictions next", want{nil, span(2, 3), span(1, 8), 4, 1, 0})
	mustAppend(t, q, "predictions", payload("p", 4, rec100))
	check("a prediction evicts a prediction", want{nil, span(3, 4), span(1, 8), 4, 2, 0})
	// A metric may not evict predictions or alerts: it is refused.
	_, err := q.Append(context.Background(), "metrics", payload("m", 5, rec100))
	if !errors.Is(err, ErrFull) {
		t.Errorf("a metric into an outbox of alerts and predictions: %v, want ErrFull", err)
	}
	check("a refused metric", want{nil, span(3, 4), span(1, 8), 4, 2, 0})
	st := q.Stats()
	if m := st.Classes["metrics"]; m.Rejected != 1 || m.LastSeq != 4 || m.Appended != 4 {
		t.Errorf("metrics after a refusal: %+v, want rejected 1, last_seq 4 (a refused record gets no seq)", m)
	}
	if st.Dropped() != 7 {
		t.Errorf("Dropped() = %d, want 7", st.Dropped())
	}
	// A payload exactly as large as the outbox evicts everything of its
	// priority and below.
	mustAppend(t, q, "alerts", payload("a", 9, 1000-RecordOverhead))
	check("a record as large as the outbox", want{nil, nil, []uint64{9}, 4, 4, 8})
}

func testRefusalEvictsNothing(t *testing.T, open opener) {
	q := open(t, Options{MaxBytes: 1000})
	for i := 1; i <= 2; i++ {
		mustAppend(t, q, "metrics", payload("m", i, rec100))
	}
	for i := 1; i <= 8; i++ {
		mustAppend(t, q, "alerts", payload("a", i, rec100))
	}
	// Room for this metric would take 300 bytes: evicting both metrics
	// frees only 200, so it is refused and they stay.
	if _, err := q.Append(context.Background(), "metrics", make([]byte, 300-RecordOverhead)); !errors.Is(err, ErrFull) {
		t.Fatalf("Append: %v, want ErrFull", err)
	}
	if got := seqs(peekAll(t, q, "metrics")); !slices.Equal(got, span(1, 2)) {
		t.Errorf("metrics after a refusal = %v, want [1 2] kept", got)
	}
	if m := q.Stats().Classes["metrics"]; m.DroppedFull != 0 || m.Rejected != 1 {
		t.Errorf("metrics = %+v, want nothing evicted, 1 rejected", m)
	}
}

func testRejectNew(t *testing.T, open opener) {
	q := open(t, Options{MaxBytes: 500, Policy: RejectNew})
	for i := 1; i <= 5; i++ {
		mustAppend(t, q, "predictions", payload("p", i, rec100))
	}
	for _, class := range []string{"predictions", "alerts", "predictions"} {
		if _, err := q.Append(context.Background(), class, payload(class, 9, rec100)); !errors.Is(err, ErrFull) {
			t.Errorf("Append(%s) into a full outbox: %v, want ErrFull", class, err)
		}
	}
	st := q.Stats()
	if p, a := st.Classes["predictions"], st.Classes["alerts"]; p.Rejected != 2 || a.Rejected != 1 || p.LastSeq != 5 || a.LastSeq != 0 || p.DroppedFull != 0 {
		t.Errorf("after refusals: predictions %+v alerts %+v; want 2 and 1 rejected, last_seq 5 and 0, none evicted", p, a)
	}
	if got := seqs(peekAll(t, q, "predictions")); !slices.Equal(got, span(1, 5)) {
		t.Errorf("stored = %v, want 1..5 kept", got)
	}
	if err := q.Remove("predictions", 1, 2); err != nil {
		t.Fatal(err)
	}
	if seq := mustAppend(t, q, "predictions", payload("p", 6, rec100)); seq != 6 {
		t.Errorf("Append after room was made = seq %d, want 6", seq)
	}
	if seq := mustAppend(t, q, "alerts", payload("a", 1, rec100)); seq != 1 {
		t.Errorf("alerts seq %d, want 1", seq)
	}
	if st := q.Stats(); st.Bytes != 500 || st.Dropped() != 3 {
		t.Errorf("Stats: %d bytes %d dropped, want 500, 3", st.Bytes, st.Dropped())
	}
}

func testExpiry(t *testing.T, open opener) {
	clock := newClock()
	q := open(t, Options{
		Now:    clock.Now,
		MaxAge: 24 * time.Hour,
		Classes: []Class{
			{Name: "alerts", Priority: 2},
			{Name: "metrics", TTL: time.Hour},
		},
	})
	mustAppend(t, q, "metrics", []byte("m1"))
	mustAppend(t, q, "alerts", []byte("a1"))
	clock.Advance(30 * time.Minute)
	mustAppend(t, q, "metrics", []byte("m2"))
	clock.Advance(30 * time.Minute)
	if n, err := q.Expire(); n != 0 || err != nil {
		t.Errorf("Expire at exactly the TTL = %d, %v; want 0 (older than the TTL expires)", n, err)
	}
	clock.Advance(time.Nanosecond)
	// Peek expires as it goes.
	if got := seqs(peekAll(t, q, "metrics")); !slices.Equal(got, []uint64{2}) {
		t.Errorf("metrics after the TTL of the first = %v, want [2]", got)
	}
	if m := q.Stats().Classes["metrics"]; m.DroppedExpired != 1 || m.FirstSeq != 2 || m.Records != 1 {
		t.Errorf("metrics = %+v, want 1 expired, first_seq 2", m)
	}
	clock.Advance(24 * time.Hour)
	if n, err := q.Expire(); n != 2 || err != nil {
		t.Errorf("Expire after MaxAge = %d, %v; want 2 (a metric by TTL, an alert by MaxAge)", n, err)
	}
	st := q.Stats()
	if st.Records != 0 || st.Bytes != 0 || st.Classes["alerts"].DroppedExpired != 1 || st.Classes["metrics"].DroppedExpired != 2 {
		t.Errorf("after expiry: %+v", st)
	}
	if n, err := q.Expire(); n != 0 || err != nil {
		t.Errorf("Expire of nothing = %d, %v", n, err)
	}
	if seq := mustAppend(t, q, "metrics", []byte("m3")); seq != 3 {
		t.Errorf("seq after expiry %d, want 3", seq)
	}
}

func testExpiryOnAppend(t *testing.T, open opener) {
	clock := newClock()
	q := open(t, Options{Now: clock.Now, MaxBytes: 300, Classes: []Class{{Name: "metrics", TTL: time.Minute}, {Name: "alerts", Priority: 1}}})
	mustAppend(t, q, "metrics", payload("m", 1, rec100))
	mustAppend(t, q, "metrics", payload("m", 2, rec100))
	clock.Advance(2 * time.Minute)
	// Appending expires the old metrics first: they are counted as
	// expired, not as evicted, although the outbox was short of room.
	for i := 1; i <= 2; i++ {
		mustAppend(t, q, "alerts", payload("a", i, rec100))
	}
	m := q.Stats().Classes["metrics"]
	if m.DroppedExpired != 2 || m.DroppedFull != 0 || m.Records != 0 {
		t.Errorf("metrics = %+v, want 2 expired, 0 evicted", m)
	}
}

func testTooLarge(t *testing.T, open opener) {
	q := open(t, Options{MaxBytes: 1000})
	mustAppend(t, q, "metrics", []byte("small"))
	_, err := q.Append(context.Background(), "alerts", make([]byte, 1000-RecordOverhead+1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Append larger than the outbox: %v, want ErrTooLarge", err)
	}
	st := q.Stats()
	if a := st.Classes["alerts"]; a.Rejected != 1 || a.LastSeq != 0 {
		t.Errorf("alerts = %+v, want 1 rejected, no seq", a)
	}
	if st.Records != 1 {
		t.Errorf("a refused large record evicted others: %d records left", st.Records)
	}
}

func testUnknownClass(t *testing.T, open opener) {
	q := open(t, Options{})
	if _, err := q.Append(context.Background(), "nope", nil); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("Append: %v, want ErrUnknownClass", err)
	}
	if _, err := q.Peek("nope", 0, 1, 0); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("Peek: %v, want ErrUnknownClass", err)
	}
	if err := q.Remove("nope", 1, 2); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("Remove: %v, want ErrUnknownClass", err)
	}
	if st := q.Stats(); len(st.Classes) != 3 || st.Dropped() != 0 {
		t.Errorf("Stats after unknown classes: %+v", st)
	}
}

func testClosed(t *testing.T, open opener) {
	q := open(t, Options{})
	mustAppend(t, q, "alerts", []byte("a"))
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := q.Append(context.Background(), "alerts", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Append: %v", err)
	}
	if _, err := q.Peek("alerts", 0, 1, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Peek: %v", err)
	}
	if err := q.Remove("alerts", 1, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Remove: %v", err)
	}
	if _, err := q.Expire(); !errors.Is(err, ErrClosed) {
		t.Errorf("Expire: %v", err)
	}
	if err := q.Check(); !errors.Is(err, ErrClosed) {
		t.Errorf("Check: %v", err)
	}
	if err := q.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if st := q.Stats(); st.Records != 1 {
		t.Errorf("Stats after Close: %+v, want the last state", st)
	}
}

func testNotify(t *testing.T, open opener) {
	q := open(t, Options{})
	ch := q.Notify()
	select {
	case <-ch:
		t.Fatal("Notify fired before any Append")
	default:
	}
	for i := range 5 { // coalesced: Append never blocks on the channel
		mustAppend(t, q, "metrics", payload("m", i, 5))
	}
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no Notify after Append")
	}
	if err := q.Remove("metrics", 1, 5); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Error("Notify after Remove (only Appends notify)")
	case <-time.After(20 * time.Millisecond):
	}
}

func testConcurrent16(t *testing.T, open opener) {
	q := open(t, Options{})
	const producers, each = 16, 40
	got := make([][]uint64, producers)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				class := "predictions"
				if i%4 == 3 {
					class = "alerts"
				}
				seq, err := q.Append(context.Background(), class, []byte(fmt.Sprintf("%d/%d", p, i)))
				if err != nil {
					t.Errorf("producer %d: %v", p, err)
					return
				}
				got[p] = append(got[p], seq)
			}
		})
	}
	wg.Wait()
	bySeq := map[string]map[uint64]string{"predictions": {}, "alerts": {}}
	for p := range producers {
		for i, seq := range got[p] {
			class := "predictions"
			if i%4 == 3 {
				class = "alerts"
			}
			if prev, dup := bySeq[class][seq]; dup {
				t.Fatalf("%s seq %d given twice (%s and %d/%d)", class, seq, prev, p, i)
			}
			bySeq[class][seq] = fmt.Sprintf("%d/%d", p, i)
		}
	}
	for class, m := range bySeq {
		recs := peekAll(t, q, class)
		if want := span(1, uint64(len(m))); !slices.Equal(seqs(recs), want) {
			t.Fatalf("%s: stored %v, want 1..%d contiguous", class, seqs(recs), len(m))
		}
		for _, r := range recs {
			if string(r.Payload) != m[r.Seq] {
				t.Errorf("%s seq %d holds %q, Append of %q returned it", class, r.Seq, r.Payload, m[r.Seq])
			}
		}
	}
}

func testStatsConsistency(t *testing.T, open opener) {
	clock := newClock()
	q := open(t, Options{Now: clock.Now, MaxBytes: 2000, Classes: []Class{{Name: "alerts", Priority: 2}, {Name: "predictions", Priority: 1}, {Name: "metrics", TTL: time.Minute}}})
	for i := range 60 {
		class := []string{"metrics", "predictions", "alerts"}[i%3]
		if _, err := q.Append(context.Background(), class, payload(class, i, 10+i*3)); err != nil && !errors.Is(err, ErrFull) {
			t.Fatal(err)
		}
		if i%7 == 0 {
			clock.Advance(20 * time.Second)
		}
		if i%11 == 0 {
			recs, err := q.Peek("predictions", 0, 2, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) > 0 {
				if err := q.Remove("predictions", recs[0].Seq, recs[len(recs)-1].Seq); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	st := q.Stats()
	if st.MaxBytes != 2000 || st.Bytes > st.MaxBytes {
		t.Errorf("bytes %d max %d", st.Bytes, st.MaxBytes)
	}
	records, size := 0, int64(0)
	for _, c := range q.Classes() {
		recs := peekAll(t, q, c.Name)
		cs := st.Classes[c.Name]
		var b int64
		for _, r := range recs {
			b += r.Size()
		}
		if cs.Records != len(recs) || cs.Bytes != b {
			t.Errorf("%s: stats %d records %d bytes, stored %d and %d", c.Name, cs.Records, cs.Bytes, len(recs), b)
		}
		if len(recs) > 0 && (cs.FirstSeq != recs[0].Seq || cs.LastSeq < recs[len(recs)-1].Seq) {
			t.Errorf("%s: first %d last %d, stored %d..%d", c.Name, cs.FirstSeq, cs.LastSeq, recs[0].Seq, recs[len(recs)-1].Seq)
		}
		if cs.Appended != uint64(cs.Records)+cs.Delivered+cs.DroppedFull+cs.DroppedExpired {
			t.Errorf("%s: counters do not add up: %+v", c.Name, cs)
		}
		records += len(recs)
		size += b
	}
	if st.Records != records || st.Bytes != size {
		t.Errorf("totals %d records %d bytes, classes add to %d and %d", st.Records, st.Bytes, records, size)
	}
	if st.Dropped() == 0 {
		t.Errorf("the test meant to drop records (2000 bytes, TTL): %+v", st)
	}
}

func testCanceledContext(t *testing.T, open opener) {
	q := open(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.Append(ctx, "alerts", []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a canceled context: %v", err)
	}
	if seq := mustAppend(t, q, "alerts", []byte("y")); seq != 1 {
		t.Errorf("seq after a canceled Append = %d, want 1", seq)
	}
}

func testBadOptions(t *testing.T, open opener) {
	_ = open // the options are refused before anything opens
	for _, o := range []Options{
		{MaxBytes: -1},
		{MaxBytes: RecordOverhead},
		{MaxAge: -time.Second},
		{Policy: "drop_newest"},
		{Classes: []Class{{Name: ""}}},
		{Classes: []Class{{Name: "a"}, {Name: "a"}}},
		{Classes: []Class{{Name: "a", TTL: -1}}},
		{Classes: []Class{{Name: string(make([]byte, 300))}}},
	} {
		if _, err := newConfig(o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	if _, err := NewMemory(Options{Policy: "x"}); err == nil {
		t.Error("NewMemory accepted a bad policy")
	}
	if _, err := Open(t.TempDir()+"/x.db", Options{Policy: "x"}); err == nil {
		t.Error("Open accepted a bad policy")
	}
}
