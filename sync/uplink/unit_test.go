package uplink

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/wire"
)

func TestBackoffFullJitter(t *testing.T) {
	b := newBackoff(100*time.Millisecond, 2*time.Second)
	var asked []int64
	pick := int64(0) // 0: always the top of the range; 1: always 0
	b.rand = func(n int64) int64 {
		asked = append(asked, n)
		if pick == 0 {
			return n - 1
		}
		return 0
	}
	var got []time.Duration
	for i := 0; i < 8; i++ {
		got = append(got, b.next())
	}
	if fmt.Sprint(got) != "[100ms 200ms 400ms 800ms 1.6s 2s 2s 2s]" {
		t.Errorf("top of the range: %v", got)
	}
	for i, n := range asked { // rand(n) is asked for [0, ceiling], inclusive
		if time.Duration(n-1) != got[i] {
			t.Errorf("attempt %d asked rand(%d) for ceiling %v", i, n, got[i])
		}
	}
	pick = 1
	if d := b.next(); d != 0 {
		t.Errorf("bottom of the range: %v, want 0", d)
	}
	b.reset()
	pick = 0
	if d := b.next(); d != 100*time.Millisecond {
		t.Errorf("after reset: %v, want 100ms", d)
	}
	// Many attempts do not overflow.
	for i := 0; i < 200; i++ {
		if d := b.next(); d < 0 || d > 2*time.Second {
			t.Fatalf("attempt %d: %v out of bounds", i, d)
		}
	}
	// The real source stays in bounds and spreads.
	r := newBackoff(time.Second, time.Minute)
	seen := map[time.Duration]bool{}
	for i := 0; i < 100; i++ {
		r.reset()
		for j := 0; j < 3; j++ {
			d := r.next()
			if d < 0 || d > time.Second<<j {
				t.Fatalf("attempt %d: %v outside [0, %v]", j, d, time.Second<<j)
			}
			seen[d] = true
		}
	}
	if len(seen) < 250 {
		t.Errorf("only %d distinct waits in 300: no jitter?", len(seen))
	}
}

func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	if b := newBucket(0, 10, t0); b != nil || b.take(t0, 1e9) != 0 {
		t.Fatal("rate 0 is unlimited")
	}
	b := newBucket(10, 5, t0) // 10/s, burst 5
	for i := 0; i < 5; i++ {
		if d := b.take(t0, 1); d != 0 {
			t.Fatalf("token %d of the burst: wait %v", i, d)
		}
	}
	if d := b.take(t0, 1); d != 100*time.Millisecond {
		t.Errorf("sixth token: wait %v, want 100ms", d)
	}
	// After waiting it out, the balance is zero: the next costs 100ms.
	if d := b.take(t0.Add(100*time.Millisecond), 1); d != 100*time.Millisecond {
		t.Errorf("next token: wait %v, want 100ms", d)
	}
	// Idle time refills to the burst, not beyond.
	t1 := t0.Add(time.Hour)
	for i := 0; i < 5; i++ {
		if d := b.take(t1, 1); d != 0 {
			t.Fatalf("after idling, token %d: wait %v", i, d)
		}
	}
	if d := b.take(t1, 1); d == 0 {
		t.Error("the burst grew beyond 5")
	}
	// A take larger than the burst is paid for in full.
	c := newBucket(1000, 100, t0)
	if d := c.take(t0, 1100); d != time.Second {
		t.Errorf("1100 from a 100 burst at 1000/s: wait %v, want 1s", d)
	}
	if c.spent != 1100 {
		t.Errorf("spent %v", c.spent)
	}
	// A clock going backwards adds nothing.
	if d := c.take(t0.Add(-time.Hour), 0); d != time.Second {
		t.Errorf("backwards clock: %v", d)
	}
	// Long-run rate: n tokens over the waits asked for.
	d := newBucket(50, 1, t0)
	now := t0
	for i := 0; i < 1000; i++ {
		now = now.Add(d.take(now, 1))
	}
	if got := float64(1000-1) / now.Sub(t0).Seconds(); math.Abs(got-50) > 0.01 {
		t.Errorf("rate %v, want 50", got)
	}
}

func records(payloads ...string) []outbox.Record {
	var out []outbox.Record
	for i, p := range payloads {
		out = append(out, outbox.Record{Class: "predictions", Seq: uint64(i + 1), Time: time.Unix(1700000000, 0), Payload: []byte(p)})
	}
	return out
}

func testEncoder(t testing.TB, maxRecs, maxBytes int, gz bool) *encoder {
	o := mustDefaults(t, Options{Broker: "tcp://x:1", DeviceID: device, BatchMaxRecords: maxRecs, BatchMaxBytes: maxBytes, Gzip: gz})
	return newEncoder(o)
}

func TestBatchEncoding(t *testing.T) {
	e := testEncoder(t, 10, 1<<20, false)
	m := e.build("predictions", records(`{"a":1}`, ` { "b" : [1,2] } `, `{}`, `[1]`, `not json`, `{"x":1}{`, ``))
	want := `{"device":"dev-1","records":[{"seq":1,"a":1},{"seq":2,"b" : [1,2]},{"seq":3},` +
		`{"seq":4,"malformed":true,"raw":"WzFd"},{"seq":5,"malformed":true,"raw":"bm90IGpzb24="},` +
		`{"seq":6,"malformed":true,"raw":"eyJ4IjoxfXs="},{"seq":7,"malformed":true,"raw":""}]}`
	if string(m.payload) != want {
		t.Errorf("batch\n%s\nwant\n%s", m.payload, want)
	}
	if m.first != 1 || m.last != 7 || m.records != 7 || m.malformed != 4 {
		t.Errorf("message %+v", m)
	}
	if !json.Valid(m.payload) {
		t.Error("invalid JSON")
	}
	// A payload's own seq gives way to the record's; nested ones stay.
	m = e.build("predictions", records(`{"seq":99,"a":1}`, `{"s\u0065q":1,"b":"\u00e9"}`, `{"x":{"seq":3}}`, `{"seq":1}`))
	want = `{"device":"dev-1","records":[{"seq":1,"a":1},{"seq":2,"b":"\u00e9"},{"seq":3,"x":{"seq":3}},{"seq":4}]}`
	if string(m.payload) != want {
		t.Errorf("batch\n%s\nwant\n%s", m.payload, want)
	}
	// Byte cap: {"device":"dev-1","records":[ is 29 bytes, each record
	// {"seq":N,"p":"xxxxxxxxxx"} 26, the end 2.
	e = testEncoder(t, 10, 29+26+1+26+2, false)
	p := `{"p":"xxxxxxxxxx"}`
	m = e.build("predictions", records(p, p, p))
	if m.records != 2 || len(m.payload) != 29+26+1+26+2 {
		t.Errorf("byte cap: %d records, %d bytes: %s", m.records, len(m.payload), m.payload)
	}
	e = testEncoder(t, 10, 29+26+1+26+1, false)
	if m = e.build("predictions", records(p, p, p)); m.records != 1 {
		t.Errorf("byte cap minus one: %d records", m.records)
	}
	e = testEncoder(t, 10, 10, false)
	if m = e.build("predictions", records(p, p)); m.records != 1 || m.last != 1 {
		t.Errorf("a record larger than the cap goes alone: %+v", m)
	}
	e = testEncoder(t, 2, 1<<20, false)
	if m = e.build("predictions", records(p, p, p)); m.records != 2 || m.last != 2 {
		t.Errorf("record cap: %+v", m)
	}
}

func TestMetricsEncoding(t *testing.T) {
	e := testEncoder(t, 10, 1<<20, false)
	rt := time.Unix(1700000000, 0).UTC().Format(time.RFC3339Nano)
	for _, tc := range []struct{ in, want string }{
		{`{"ts":"2026-01-02T03:04:05Z","metrics":{"cpu":0.5,"big":12345678901234567890}}`,
			`{"device":"dev-1","seq":1,"ts":"2026-01-02T03:04:05Z","metrics":{"cpu":0.5,"big":12345678901234567890}}`},
		{`{"device":"other","seq":99,"metrics":{"cpu":1}}`, `{"device":"dev-1","seq":1,"ts":"` + rt + `","metrics":{"cpu":1}}`},
		{`{"cpu":1,"mem":{"used":2}}`, `{"device":"dev-1","seq":1,"ts":"` + rt + `","metrics":{"cpu":1,"mem":{"used":2}}}`},
		{`{"ts":"yesterday","cpu":1}`, `{"device":"dev-1","seq":1,"ts":"` + rt + `","metrics":{"ts":"yesterday","cpu":1}}`},
		{`{"metrics":[1]}`, `{"device":"dev-1","seq":1,"ts":"` + rt + `","metrics":{"metrics":[1]}}`},
		{`[1,2]`, `{"device":"dev-1","seq":1,"ts":"` + rt + `","metrics":{},"malformed":"WzEsMl0="}`},
	} {
		m := e.build(MetricsClass, records(tc.in))
		if string(m.payload) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, m.payload, tc.want)
		}
		var w wire.Metrics
		if err := json.Unmarshal(m.payload, &w); err != nil || w.Seq != 1 {
			t.Errorf("%s: not a wire.Metrics: %v", m.payload, err)
		}
	}
}

func TestGzipAndDecode(t *testing.T) {
	e := testEncoder(t, 1000, 1<<20, true)
	var ps []string
	for i := 0; i < 100; i++ {
		ps = append(ps, predPayload(i))
	}
	m := e.build("predictions", records(ps...))
	if !IsGzip(m.payload) || len(m.payload) >= m.jsonBytes {
		t.Fatalf("not compressed: %d bytes of %d", len(m.payload), m.jsonBytes)
	}
	plain, err := Decode(m.payload, 0)
	if err != nil || !json.Valid(plain) || len(plain) != m.jsonBytes {
		t.Fatalf("decode: %v", err)
	}
	if _, err := Decode(m.payload, int64(m.jsonBytes-1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit: %v", err)
	}
	if out, err := Decode([]byte(`{"a":1}`), 0); err != nil || string(out) != `{"a":1}` {
		t.Errorf("plain JSON: %s %v", out, err)
	}
	if _, err := Decode([]byte{0x1f, 0x8b, 1, 2, 3}, 0); err == nil {
		t.Error("broken gzip decoded")
	}
	// A bomb: 100 MB of zeros.
	var bomb bytes.Buffer
	z := gzip.NewWriter(&bomb)
	z.Write(make([]byte, 100<<20))
	z.Close()
	if _, err := Decode(bomb.Bytes(), 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Errorf("bomb: %v", err)
	}
	// Tiny messages stay plain: gzip would make them larger.
	if m := e.build("predictions", records(`{}`)); IsGzip(m.payload) {
		t.Error("a tiny batch was compressed")
	}
}

func TestStatusJSON(t *testing.T) {
	u, err := New(newQueue(t), Options{Broker: "tcp://x:1", DeviceID: device, Groups: []string{"g"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	u.now = func() time.Time { return now }
	if got := string(u.statusJSON("offline")); got != `{"state":"offline","models":[],"groups":["g"],"ts":"2026-05-06T07:08:09Z"}` {
		t.Errorf("status %s", got)
	}
	u.o.Status = func() wire.Status { return wire.Status{State: "weird", AgentVersion: "1", Groups: []string{"h"}} }
	if got := string(u.statusJSON("online")); got != `{"state":"online","agent_version":"1","models":[],"groups":["h"],"ts":"2026-05-06T07:08:09Z"}` {
		t.Errorf("status %s", got)
	}
	f := u.commandTopics()
	if len(f) != 3 || f["edge/dev-1/cmd"] != 1 || f["edge/group/g/cmd"] != 1 || f["edge/all/cmd"] != 1 {
		t.Errorf("command topics %v", f)
	}
}

// FuzzBatch: whatever the payloads, a batch is valid JSON holding every
// record it claims, in seq order, each with its seq.
func FuzzBatch(f *testing.F) {
	f.Add([]byte(`{"a":1}`), []byte(`{}`), []byte(`x`), 100)
	f.Add([]byte(` {"a":"}"} `), []byte(`[1]`), []byte("{\"\xff\":1}"), 40)
	f.Add([]byte(`{"a":1`), []byte(`{"seq":5}`), []byte(`null`), 1)
	f.Fuzz(func(t *testing.T, a, b, c []byte, maxBytes int) {
		if maxBytes < 1 || maxBytes > 1<<20 {
			maxBytes = 1 << 16
		}
		e := testEncoder(t, 10, maxBytes, false)
		recs := []outbox.Record{{Seq: 7, Payload: a}, {Seq: 8, Payload: b}, {Seq: 9, Payload: c}}
		for _, class := range []string{"predictions", MetricsClass} {
			m := e.build(class, recs)
			if !json.Valid(m.payload) {
				t.Fatalf("%s: invalid JSON %q", class, m.payload)
			}
			got := decodeRecords(t, class, m.payload)
			if m.records < 1 || len(got) != m.records || m.first != 7 || m.last != uint64(6+m.records) {
				t.Fatalf("%s: message %+v, records %v", class, m, got)
			}
			for i, r := range got {
				if r.seq != uint64(7+i) {
					t.Fatalf("%s: record %d has seq %d", class, i, r.seq)
				}
			}
			if class != MetricsClass && m.records > 1 && len(m.payload) > maxBytes {
				t.Fatalf("batch of %d bytes over the cap %d", len(m.payload), maxBytes)
			}
		}
	})
}

// FuzzDecode: never a panic, never more than the limit.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"a":1}`))
	f.Add(gzipBytes([]byte(`{"device":"d","records":[]}`)))
	f.Add([]byte{0x1f, 0x8b})
	f.Add(gzipBytes(bytes.Repeat([]byte("a"), 5000)))
	f.Fuzz(func(t *testing.T, p []byte) {
		out, err := Decode(p, 4096)
		if err == nil && IsGzip(p) && len(out) > 4096 {
			t.Fatalf("%d bytes past the limit", len(out))
		}
		if err == nil && !IsGzip(p) && !bytes.Equal(out, p) {
			t.Fatal("plain payload changed")
		}
		if err != nil && !strings.Contains(err.Error(), "decode gzip message") {
			t.Fatalf("error %v", err)
		}
	})
}
