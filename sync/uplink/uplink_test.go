package uplink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// newQueue returns a memory outbox, checked for consistency after the
// test.
func newQueue(t testing.TB) outbox.Queue {
	t.Helper()
	q, err := outbox.NewMemory(outbox.Options{MaxBytes: 1 << 30, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	checkAfter(t, q)
	return q
}

// checkAfter runs the outbox's consistency check when the test ends (after
// the uplink using it has stopped) and closes it.
func checkAfter(t testing.TB, q outbox.Queue) {
	t.Cleanup(func() {
		if err := q.Check(); err != nil {
			t.Errorf("outbox check: %v", err)
		}
		if err := q.Close(); err != nil {
			t.Errorf("outbox close: %v", err)
		}
	})
}

func pending(q outbox.Queue) int { return q.Stats().Records }

func TestSteadyPublishing(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	sub := subscribe(t, b.URL, topics.Wildcard("#"))
	const n, nm, na = 1000, 40, 25
	appendN(t, q, "predictions", n/2, predPayload) // a backlog, then live appends
	appendN(t, q, "alerts", na, func(i int) string { return fmt.Sprintf(`{"alert":%d}`, i) })
	appendN(t, q, MetricsClass, nm/2, func(i int) string {
		return fmt.Sprintf(`{"ts":"2026-01-02T03:04:05Z","metrics":{"cpu":%d.5}}`, i)
	})
	o := testOptions(t, b.URL)
	o.BatchMaxRecords = 16
	u := startUplink(t, q, o)
	for i := n/2 + 1; i <= n; i++ {
		if _, err := q.Append(context.Background(), "predictions", []byte(predPayload(i))); err != nil {
			t.Fatal(err)
		}
	}
	appendN(t, q, MetricsClass, nm/2, func(i int) string { return fmt.Sprintf(`{"cpu":%d}`, i) }) // bare metrics
	waitFor(t, "every record", func() bool {
		return len(sub.records("predictions")) >= n && len(sub.records(MetricsClass)) >= nm && len(sub.records("alerts")) >= na
	})
	waitFor(t, "an empty outbox", func() bool { return pending(q) == 0 && u.Stats().RecordsDelivered == n+nm+na })

	preds := sub.records("predictions")
	checkExactlyOnce(t, preds, n)
	for i, r := range preds {
		want, _ := wire.WithSeq(uint64(i+1), []byte(predPayload(i+1)))
		if !bytes.Equal(r.raw, want) {
			t.Fatalf("record %d: %s, want %s", i+1, r.raw, want)
		}
	}
	checkExactlyOnce(t, sub.records("alerts"), na)
	metrics := sub.records(MetricsClass)
	checkExactlyOnce(t, metrics, nm)
	for i, r := range metrics {
		var m wire.Metrics
		if err := json.Unmarshal(r.raw, &m); err != nil {
			t.Fatal(err)
		}
		if m.Device != device || m.Metrics["cpu"] == nil || m.TS.IsZero() {
			t.Errorf("metrics %d: %s", i+1, r.raw)
		}
		if i < nm/2 && !m.TS.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("metrics %d: ts %v, want the record's own", i+1, m.TS)
		}
	}
	// The alerts (highest priority) were waiting with the backlog: they
	// all went before any prediction.
	var order []string
	for _, m := range sub.messages("") {
		if strings.HasSuffix(m.topic, "/alerts") || strings.HasSuffix(m.topic, "/predictions") {
			order = append(order, m.topic[strings.LastIndexByte(m.topic, '/')+1:])
		}
	}
	for i, c := range order {
		if c == "predictions" {
			for _, later := range order[i:] {
				if later == "alerts" {
					t.Fatalf("an alerts message came after a predictions message: %v", order)
				}
			}
			break
		}
	}
	for _, m := range sub.messages("") {
		if strings.HasSuffix(m.topic, "/predictions") {
			var b wire.Batch
			json.Unmarshal(m.payload, &b)
			if len(b.Records) > 16 {
				t.Errorf("a batch of %d records, cap 16", len(b.Records))
			}
		}
	}
	s := u.Stats()
	if s.RecordsDelivered != n+nm+na || s.RecordsSent != n+nm+na || !s.Connected || s.Connects != 1 {
		t.Errorf("stats %+v", s)
	}
	if s.Classes["predictions"].DeliveredSeq != n || s.Classes["predictions"].Pending != 0 {
		t.Errorf("class stats %+v", s.Classes)
	}
	if s.BytesSent == 0 || s.MessagesAcked != s.MessagesSent {
		t.Errorf("messages sent %d, acked %d, bytes %d", s.MessagesSent, s.MessagesAcked, s.BytesSent)
	}
}

func TestStatusAndHardwareRetained(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	hw := []byte(`{"arch":"arm64","cpu":{"cores":4}}`)
	o := testOptions(t, b.URL)
	o.Groups = []string{"lab"}
	var version atomic.Int64
	version.Store(3)
	o.Status = func() wire.Status {
		return wire.Status{AgentVersion: "1.2.3", Models: []wire.Model{{Name: "m", Version: version.Load(), SHA256: "ab"}}}
	}
	o.Hardware = func() ([]byte, error) { return hw, nil }
	u := startUplink(t, q, o)
	// Connected comes before the announce: wait until the broker acknowledged
	// both the status and the hardware, or a fast subscriber could get them
	// live (not flagged retained).
	waitFor(t, "the announce", func() bool { s := u.Stats(); return s.Connected && s.MessagesAcked >= 2 })

	// A subscriber that comes later gets both, retained.
	sub := subscribe(t, b.URL, topics.Status(device), topics.Hardware(device))
	waitFor(t, "status and hardware", func() bool {
		return len(sub.messages(topics.Status(device))) > 0 && len(sub.messages(topics.Hardware(device))) > 0
	})
	st := sub.messages(topics.Status(device))[0]
	var s wire.Status
	if err := json.Unmarshal(st.payload, &s); err != nil {
		t.Fatal(err)
	}
	if !st.retain || s.State != "online" || s.AgentVersion != "1.2.3" || len(s.Models) != 1 || s.Groups[0] != "lab" || s.TS.IsZero() {
		t.Errorf("status %s (retained %v)", st.payload, st.retain)
	}
	h := sub.messages(topics.Hardware(device))[0]
	if !h.retain || !bytes.Equal(h.payload, hw) {
		t.Errorf("hardware %s (retained %v), want %s", h.payload, h.retain, hw)
	}

	// A changed status is published again, retained.
	version.Store(4)
	if err := u.PublishStatus(context.Background()); err != nil {
		t.Fatal(err)
	}
	sub3 := subscribe(t, b.URL, topics.Status(device))
	waitFor(t, "the new retained status", func() bool { return len(sub3.messages("")) > 0 })
	if err := json.Unmarshal(sub3.messages("")[0].payload, &s); err != nil || s.Models[0].Version != 4 || !sub3.messages("")[0].retain {
		t.Errorf("status after PublishStatus: %s (%v)", sub3.messages("")[0].payload, err)
	}

	// A clean Close leaves "offline", retained.
	u.Close()
	if err := u.PublishStatus(context.Background()); !errors.Is(err, ErrNotConnected) {
		t.Errorf("PublishStatus after Close: %v", err)
	}
	sub2 := subscribe(t, b.URL, topics.Status(device))
	waitFor(t, "the retained status", func() bool { return len(sub2.messages("")) > 0 })
	if err := json.Unmarshal(sub2.messages("")[0].payload, &s); err != nil || s.State != "offline" {
		t.Errorf("status after Close: %s (%v)", sub2.messages("")[0].payload, err)
	}
}

func statusStates(t testing.TB, c *collector) []string {
	var out []string
	for _, m := range c.messages(topics.Status(device)) {
		var s wire.Status
		if err := json.Unmarshal(m.payload, &s); err != nil {
			t.Fatalf("status %q: %v", m.payload, err)
		}
		out = append(out, s.State)
	}
	return out
}

// TestLastWill cuts the uplink's TCP connection (a proxy closes it): the
// broker publishes the retained offline status, and the uplink reconnects
// and says online again.
func TestLastWill(t *testing.T) {
	b := mqtttest.Start(t)
	p := newProxy(t, b.URL)
	q := newQueue(t)
	u := startUplink(t, q, testOptions(t, p.URL))
	sub := subscribe(t, b.URL, topics.Status(device))
	waitFor(t, "online", func() bool { return strings.Join(statusStates(t, sub), ",") == "online" })

	p.setRefuse(true)
	p.drop()
	waitFor(t, "the last will", func() bool { return strings.Join(statusStates(t, sub), ",") == "online,offline" })
	// It is retained: a new subscriber sees it.
	sub2 := subscribe(t, b.URL, topics.Status(device))
	waitFor(t, "retained offline", func() bool { return strings.Join(statusStates(t, sub2), ",") == "offline" })
	if !sub2.messages("")[0].retain {
		t.Error("the will is not retained")
	}
	waitFor(t, "a lost connection", func() bool { return !u.Stats().Connected })

	p.setRefuse(false)
	waitFor(t, "online again", func() bool { return strings.Join(statusStates(t, sub), ",") == "online,offline,online" })
	s := u.Stats()
	if s.Connects != 2 || s.Disconnects != 1 || s.LastError == "" {
		t.Errorf("stats %+v", s)
	}
}

// TestBrokerKilledMidStream kills mosquitto three times while a backlog
// drains. The proxy holds the uplink's packets at the kill points so that
// the test knows what the broker had (a broker that dies between its
// PUBACK and delivering to subscribers loses messages, with or without
// us; that is not what is tested here).
func TestBrokerKilledMidStream(t *testing.T) {
	b := mqtttest.Start(t)
	b.RequireProcess()
	p := newProxy(t, b.URL)
	q := newQueue(t)
	const n = 3000
	appendN(t, q, "predictions", n, predPayload)
	o := testOptions(t, p.URL)
	o.BatchMaxRecords = 10
	o.InFlight = 4
	o.Gzip = true

	var mu sync.Mutex
	var forwarded uint64 // newest seq the broker received
	var killAt = []uint64{n / 4, n / 2, 3 * n / 4}
	p.setOnPublish(func(topic string, payload []byte) bool {
		if !strings.HasSuffix(topic, "/predictions") {
			return false
		}
		data, err := Decode(payload, 0)
		var batch struct {
			Records []struct {
				Seq uint64 `json:"seq"`
			} `json:"records"`
		}
		if err != nil || json.Unmarshal(data, &batch) != nil || len(batch.Records) == 0 {
			t.Errorf("the broker got a bad predictions message %q (%v)", payload, err)
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		forwarded = max(forwarded, batch.Records[len(batch.Records)-1].Seq)
		return len(killAt) > 0 && forwarded >= killAt[0]
	})
	var all []rec
	sub := subscribe(t, b.URL, topics.Stream(device, "predictions"))
	u := startUplink(t, q, o)
	for len(killAt) > 0 {
		waitFor(t, "the kill point", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return forwarded >= killAt[0] && maxSeq(sub.records("predictions")) >= forwarded
		})
		if u.Stats().InFlight == 0 {
			t.Log("nothing in flight at the kill point")
		}
		p.setRefuse(true)
		b.Kill()
		all = append(all, sub.records("predictions")...)
		sub.close()
		waitFor(t, "the uplink to notice", func() bool { return !u.Stats().Connected })
		b.Restart()
		sub = subscribe(t, b.URL, topics.Stream(device, "predictions"))
		mu.Lock()
		killAt = killAt[1:]
		mu.Unlock()
		p.setPaused(false)
		p.setRefuse(false)
	}
	waitFor(t, "every record", func() bool { return maxSeq(sub.records("predictions")) >= n })
	waitFor(t, "an empty outbox", func() bool { return pending(q) == 0 })
	all = append(all, sub.records("predictions")...)
	dups := checkAtLeastOnce(t, all, n, o.InFlight*o.BatchMaxRecords)
	s := u.Stats()
	t.Logf("%d records received for %d, %d duplicates; stats %+v", len(all), n, dups, s)
	if s.Connects != 4 {
		t.Errorf("%d connects, want 4", s.Connects)
	}
	if s.RecordsDelivered < n {
		t.Errorf("%d records delivered, want at least %d", s.RecordsDelivered, n)
	}
}

// TestBatchCaps checks the record and byte caps of the messages on the
// wire.
func TestBatchCaps(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	sub := subscribe(t, b.URL, topics.Wildcard("predictions"))
	const n = 500
	pad := strings.Repeat("x", 300)
	payload := func(i int) string {
		if i == 250 { // larger than a message by itself: it goes alone
			return fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("y", 5000))
		}
		return fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, pad)
	}
	appendN(t, q, "predictions", n, payload)
	o := testOptions(t, b.URL)
	o.BatchMaxRecords = 7
	o.BatchMaxBytes = 2000
	startUplink(t, q, o)
	waitFor(t, "every record", func() bool { return len(sub.records("predictions")) >= n })
	checkExactlyOnce(t, sub.records("predictions"), n)
	sawByteCap, sawRecordCap := false, false
	for _, m := range sub.messages("") {
		rs := decodeRecords(t, "predictions", m.payload)
		switch {
		case len(rs) == 1 && rs[0].seq == 250:
		case len(m.payload) > 2000:
			t.Errorf("message of %d bytes (%d records), cap 2000", len(m.payload), len(rs))
		case len(rs) > 7:
			t.Errorf("message of %d records, cap 7", len(rs))
		}
		sawRecordCap = sawRecordCap || len(rs) == 7
		sawByteCap = sawByteCap || (len(rs) < 7 && len(m.payload)+len(rs)*len(pad) > 2000)
	}
	if !sawByteCap {
		t.Error("no message was cut by the byte cap")
	}
	o.BatchMaxBytes = 1 << 20
	q2 := newQueue(t)
	appendN(t, q2, "predictions", 20, payload)
	m := newEncoder(mustDefaults(t, o)).build("predictions", mustPeek(t, q2, 20))
	if m.records != 7 {
		t.Errorf("a batch of %d records under a large byte cap, want 7", m.records)
	}
	if sawRecordCap {
		t.Error("records of 300 bytes: the byte cap should cut every batch before 7 records")
	}
}

func mustDefaults(t testing.TB, o Options) Options {
	o, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustPeek(t testing.TB, q outbox.Queue, n int) []outbox.Record {
	recs, err := q.Peek("predictions", 0, n, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestGzipRoundTrip(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	sub := subscribe(t, b.URL, topics.Wildcard("+"))
	const n = 300
	appendN(t, q, "predictions", n, predPayload)
	appendN(t, q, MetricsClass, 3, func(i int) string { return `{"cpu":1}` })
	o := testOptions(t, b.URL)
	o.Gzip = true
	u := startUplink(t, q, o)
	waitFor(t, "every record", func() bool {
		return len(sub.records("predictions")) >= n && len(sub.records(MetricsClass)) >= 3
	})
	preds := sub.records("predictions")
	checkExactlyOnce(t, preds, n)
	for i, r := range preds {
		want, _ := wire.WithSeq(uint64(i+1), []byte(predPayload(i+1)))
		if !bytes.Equal(r.raw, want) {
			t.Fatalf("record %d: %s, want %s", i+1, r.raw, want)
		}
	}
	var zipped, plain int
	for _, m := range sub.messages(topics.Stream(device, "predictions")) {
		if !IsGzip(m.payload) {
			t.Errorf("a predictions batch went uncompressed (%d bytes)", len(m.payload))
		}
		d, _ := Decode(m.payload, 0)
		zipped += len(m.payload)
		plain += len(d)
	}
	for _, m := range sub.messages(topics.Status(device)) {
		if IsGzip(m.payload) {
			t.Error("the status was compressed")
		}
	}
	for _, m := range sub.messages(topics.Stream(device, MetricsClass)) {
		if IsGzip(m.payload) { // tiny: kept plain, gzip would make them larger
			t.Error("a tiny metrics message was compressed")
		}
	}
	if zipped*3 > plain {
		t.Errorf("gzip: %d bytes for %d", zipped, plain)
	}
	if s := u.Stats(); s.BytesSent >= uint64(plain) {
		t.Errorf("bytes sent %d, more than the uncompressed %d", s.BytesSent, plain)
	}
	t.Logf("predictions: %d bytes compressed, %d plain", zipped, plain)
}

// TestRateLimits drains with both limits and a fake clock: the tokens
// spent and the waits asked for match the limits exactly, whatever the
// speed of the machine.
func TestRateLimits(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	const n = 200
	appendN(t, q, "predictions", n, predPayload)
	o := testOptions(t, b.URL)
	o.BatchMaxRecords = 2
	o.RateMessages = 20
	o.RateBytes = 2000
	o.BatchMaxBytes = 1000
	sub := subscribe(t, b.URL, topics.Stream(device, "predictions"))
	// A slow subscriber: the broker holds what it cannot take yet.
	sub.handle = func() { time.Sleep(time.Millisecond) }

	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var slept time.Duration
	u := startUplink(t, q, o, func(u *Uplink) {
		u.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		u.sleep = func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(d)
			slept += d
			return ctx.Err()
		}
	})
	waitFor(t, "every record", func() bool { return len(sub.records("predictions")) >= n })
	checkExactlyOnce(t, sub.records("predictions"), n)
	s := u.Stats()
	msgs := float64(n / 2)
	var bytesSent float64
	for _, m := range sub.messages("") {
		bytesSent += float64(len(m.payload))
	}
	if s.RateMessageTokens != msgs || s.RateByteTokens != bytesSent {
		t.Errorf("tokens spent: %v messages, %v bytes; want %v and %v", s.RateMessageTokens, s.RateByteTokens, msgs, bytesSent)
	}
	// The clock only moves when the drain waits, so the waits add up to
	// what the stricter limit needs beyond its burst.
	want := max((msgs-o.RateMessages)/o.RateMessages, (bytesSent-max(o.RateBytes, float64(o.BatchMaxBytes)))/o.RateBytes)
	mu.Lock()
	got := slept.Seconds()
	mu.Unlock()
	if got < want*0.99 || got > want*1.01+0.001 {
		t.Errorf("the drain waited %.3fs, want %.3fs", got, want)
	}
	t.Logf("%v messages, %v bytes, waited %.2fs (fake clock)", msgs, bytesSent, got)
}

// sink records commands; block, when set, holds Submit until closed.
type sink struct {
	mu    sync.Mutex
	got   []received
	block chan struct{}
}

func (s *sink) Submit(topic string, payload []byte) {
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	s.got = append(s.got, received{topic: topic, payload: payload})
	s.mu.Unlock()
}

func (s *sink) topics() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.got {
		out = append(out, m.topic+"="+string(m.payload))
	}
	return out
}

func TestCommands(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	sk := &sink{}
	o := testOptions(t, b.URL)
	o.Groups = []string{"g1", "g2"}
	o.Commands = sk
	u := startUplink(t, q, o)
	waitFor(t, "a connection", func() bool { return u.Stats().Connected })
	send := []string{
		topics.Command(device), topics.GroupCommand("g1"), topics.GroupCommand("g2"), topics.AllCommand(),
		topics.Command("dev-2"), topics.GroupCommand("g3"), // not ours
		topics.Command(device),
	}
	for i, tp := range send {
		publish(t, b.URL, tp, []byte(fmt.Sprintf(`{"id":"c%d","name":"ping"}`, i)), false)
	}
	want := []string{
		topics.Command(device) + `={"id":"c0","name":"ping"}`,
		topics.GroupCommand("g1") + `={"id":"c1","name":"ping"}`,
		topics.GroupCommand("g2") + `={"id":"c2","name":"ping"}`,
		topics.AllCommand() + `={"id":"c3","name":"ping"}`,
		topics.Command(device) + `={"id":"c6","name":"ping"}`,
	}
	waitFor(t, "the commands", func() bool { return len(sk.topics()) >= len(want) })
	got := sk.topics()
	// Each arrives on a goroutine of its own: compare as sets.
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
		t.Errorf("sink got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Responses.
	rsub := subscribe(t, b.URL, topics.Response(device))
	if err := u.Respond(context.Background(), wire.Response{ID: "c0", OK: true, Result: json.RawMessage(`"pong"`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the response", func() bool { return len(rsub.messages("")) > 0 })
	var r wire.Response
	if err := json.Unmarshal(rsub.messages("")[0].payload, &r); err != nil || r.ID != "c0" || !r.OK || r.Device != device || string(r.Result) != `"pong"` {
		t.Errorf("response %s (%v)", rsub.messages("")[0].payload, err)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestBlockedSinkDoesNotBlockPaho: a sink that never returns holds
// neither the drain nor paho; commands beyond the queue are dropped and
// counted.
func TestBlockedSinkDoesNotBlockPaho(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	sk := &sink{block: make(chan struct{})}
	o := testOptions(t, b.URL)
	o.Commands = sk
	o.CommandQueue = 1
	o.CommandWait = 50 * time.Millisecond
	sub := subscribe(t, b.URL, topics.Stream(device, "predictions"))
	u := startUplink(t, q, o)
	t.Cleanup(func() { close(sk.block) }) // runs before the uplink's Close
	waitFor(t, "a connection", func() bool { return u.Stats().Connected })
	for i := 0; i < 5; i++ {
		publish(t, b.URL, topics.Command(device), []byte(fmt.Sprintf(`{"id":"c%d"}`, i)), false)
	}
	// One in Submit, one queued, three dropped after CommandWait.
	waitFor(t, "dropped commands", func() bool { return u.Stats().CommandsDropped == 3 })
	appendN(t, q, "predictions", 100, predPayload)
	waitFor(t, "records while the sink is stuck", func() bool { return len(sub.records("predictions")) >= 100 })
	checkExactlyOnce(t, sub.records("predictions"), 100)
	if err := u.Respond(context.Background(), wire.Response{ID: "x", OK: true}); err != nil {
		t.Errorf("respond while the sink is stuck: %v", err)
	}
	if s := u.Stats(); s.CommandsReceived != 2 {
		t.Errorf("commands received %d, want 2", s.CommandsReceived)
	}
}

// TestBackoffResetsAfterAGoodConnection drops the connection repeatedly:
// with StableAfter reached every time, each reconnect waits at most
// BackoffMin; a broker that refuses makes the ceilings grow.
func TestBackoffResetsAfterAGoodConnection(t *testing.T) {
	b := mqtttest.Start(t)
	p := newProxy(t, b.URL)
	q := newQueue(t)
	o := testOptions(t, p.URL)
	o.BackoffMin = 8 * time.Millisecond
	o.BackoffMax = 64 * time.Millisecond
	o.StableAfter = time.Nanosecond
	var mu sync.Mutex
	var ceilings []time.Duration
	u := startUplink(t, q, o, func(u *Uplink) {
		u.bo.rand = func(n int64) int64 {
			mu.Lock()
			ceilings = append(ceilings, time.Duration(n-1))
			mu.Unlock()
			return n / 2
		}
	})
	for i := 1; i <= 3; i++ {
		waitFor(t, "a connection", func() bool { return u.Stats().Connects == uint64(i) && u.Stats().Connected })
		p.drop()
	}
	waitFor(t, "a connection", func() bool { return u.Stats().Connects == 4 })
	mu.Lock()
	got := fmt.Sprint(ceilings)
	ceilings = nil
	mu.Unlock()
	if got != "[8ms 8ms 8ms]" {
		t.Errorf("ceilings after good connections %s, want [8ms 8ms 8ms]", got)
	}
	// Now refuse: the attempts fail and the ceiling doubles up to the max.
	p.setRefuse(true)
	p.drop()
	waitFor(t, "6 failed attempts", func() bool { mu.Lock(); defer mu.Unlock(); return len(ceilings) >= 6 })
	mu.Lock()
	got = fmt.Sprint(ceilings[:6])
	mu.Unlock()
	if got != "[8ms 16ms 32ms 64ms 64ms 64ms]" {
		t.Errorf("ceilings while refused %s", got)
	}
	if s := u.Stats(); s.LastError == "" || s.Connected {
		t.Errorf("stats %+v", s)
	}
}

func TestNewChecksOptions(t *testing.T) {
	q := newQueue(t)
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{DeviceID: device}, "no broker"},
		{Options{Broker: "http://x:1", DeviceID: device}, "scheme"},
		{Options{Broker: "tcp://x:1", DeviceID: "a/b"}, "device id"},
		{Options{Broker: "tcp://x:1", DeviceID: device, Groups: []string{"#"}}, "group"},
		{Options{Broker: "tcp://x:1", DeviceID: device, PasswordFile: "/p"}, "username"},
		{Options{Broker: "tcp://x:1", DeviceID: device, CertFile: "/c"}, "together"},
		{Options{Broker: "tcp://x:1", DeviceID: device, InFlight: 100000}, "in-flight"},
		{Options{Broker: "tcp://x:1", DeviceID: device, RateBytes: -1}, "negative"},
	} {
		_, err := New(q, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", tc.o, err, tc.want)
		}
	}
	if _, err := New(q, Options{Broker: "tcp://a:1, ssl://b:2", DeviceID: device}); err != nil {
		t.Errorf("two brokers: %v", err)
	}
	u, err := New(q, Options{Broker: "tcp://a:1", DeviceID: device})
	if err != nil {
		t.Fatal(err)
	}
	u.Close()
	if err := u.Run(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close: %v", err)
	}
	if err := u.Respond(context.Background(), wire.Response{ID: "x"}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Respond unconnected: %v", err)
	}
}

// TestFailoverAndRunContext: the first broker is down, the second takes
// the connection; ending Run's context ends Run with its error.
func TestFailoverAndRunContext(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	dead := newProxy(t, b.URL)
	dead.setRefuse(true)
	o := testOptions(t, dead.URL+","+b.URL)
	u, err := New(q, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	waitFor(t, "a connection", func() bool { return u.Stats().Connected })
	if got := u.Stats().Broker; got != b.URL {
		t.Errorf("connected to %s, want %s", got, b.URL)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	u.Close()
}

// TestCloseWhileConnecting: a broker that accepts TCP and never answers
// does not hold Close for the connect timeout.
func TestCloseWhileConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	q := newQueue(t)
	o := testOptions(t, "tcp://"+ln.Addr().String())
	o.ConnectTimeout = time.Hour
	before := runtime.NumGoroutine()
	u, err := New(q, o)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- u.Run(context.Background()) }()
	c := <-accepted
	defer c.Close()
	closed := make(chan struct{})
	go func() { u.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("Close waits for the connection attempt")
	}
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	c.Close()
	checkGoroutines(t, before+1) // the accept loop
}

// TestAckTimeout: a broker that stops acknowledging (the proxy holds the
// packets) gets its connection dropped after AckTimeout; the records are
// sent again on the next one, none lost. (The packets the proxy held are
// forwarded when it lets go, as a slow network delivers what a closed
// socket had sent: duplicates, within the in-flight window.)
func TestAckTimeout(t *testing.T) {
	b := mqtttest.Start(t)
	p := newProxy(t, b.URL)
	q := newQueue(t)
	sub := subscribe(t, b.URL, topics.Stream(device, "predictions"))
	o := testOptions(t, p.URL)
	o.AckTimeout = 300 * time.Millisecond
	o.BatchMaxRecords = 10
	u := startUplink(t, q, o)
	waitFor(t, "a connection", func() bool { return u.Stats().Connected })
	p.setPaused(true)
	appendN(t, q, "predictions", 100, predPayload)
	waitFor(t, "the ack timeout", func() bool { return strings.Contains(u.Stats().LastError, "no acknowledgement") })
	if s := u.Stats(); s.RecordsDelivered != 0 || pending(q) != 100 {
		t.Errorf("delivered %d, pending %d while nothing was acknowledged", s.RecordsDelivered, pending(q))
	}
	p.setPaused(false)
	waitFor(t, "every record", func() bool { return maxSeq(sub.records("predictions")) >= 100 && pending(q) == 0 })
	checkAtLeastOnce(t, sub.records("predictions"), 100, o.BatchMaxRecords*DefaultInFlight)
	if s := u.Stats(); s.Connects < 2 {
		t.Errorf("connects %d, want a reconnect", s.Connects)
	}
}
