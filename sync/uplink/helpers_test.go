package uplink

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/wire"
)

const (
	device = "dev-1"
	// wait is the generous limit for background events in tests.
	wait = 30 * time.Second
)

var topics = wire.Topics{}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !mqtttest.WaitFor(context.Background(), wait, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// testOptions are quick options for a broker URL.
func testOptions(t testing.TB, url string) Options {
	return Options{
		Broker:         url,
		DeviceID:       device,
		ConnectTimeout: 5 * time.Second,
		AckTimeout:     10 * time.Second,
		BackoffMin:     10 * time.Millisecond,
		BackoffMax:     100 * time.Millisecond,
		Logger:         testLogger(t),
	}
}

// startUplink runs an uplink until the test ends, and checks then that
// every goroutine it started has ended.
func startUplink(t testing.TB, q outbox.Queue, o Options, setup ...func(*Uplink)) *Uplink {
	t.Helper()
	before := runtime.NumGoroutine()
	u, err := New(q, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(u)
	}
	done := make(chan error, 1)
	go func() { done <- u.Run(context.Background()) }()
	t.Cleanup(func() {
		u.Close()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v after Close, want nil", err)
		}
		checkGoroutines(t, before)
	})
	return u
}

// checkGoroutines fails when more goroutines run than before, once things
// settled.
func checkGoroutines(t testing.TB, before int) {
	t.Helper()
	if !mqtttest.WaitFor(context.Background(), wait, func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("goroutines: %d after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:n])
	}
}

func appendN(t testing.TB, q outbox.Queue, class string, n int, payload func(i int) string) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if _, err := q.Append(context.Background(), class, []byte(payload(i))); err != nil {
			t.Fatal(err)
		}
	}
}

func predPayload(i int) string {
	return fmt.Sprintf(`{"ts":"2026-01-02T03:04:05Z","pipeline":"p","i":%d,"top":[{"label":"cat","score":0.5}]}`, i)
}

// --- a subscriber that keeps what it receives ---

type received struct {
	topic   string
	payload []byte
	retain  bool
	qos     byte
}

type collector struct {
	t   testing.TB
	cl  mqtt.Client
	mu  sync.Mutex
	msg []received
	// handle, when set, is called for each message (slow subscribers).
	handle func()
}

func subscribe(t testing.TB, url string, filters ...string) *collector {
	t.Helper()
	c := &collector{t: t}
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("sub-%d", time.Now().UnixNano())).
		SetCleanSession(true).SetAutoReconnect(false).SetOrderMatters(true).SetProtocolVersion(4)
	c.cl = mqtt.NewClient(o)
	if tok := c.cl.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	f := map[string]byte{}
	for _, s := range filters {
		f[s] = 1
	}
	if tok := c.cl.SubscribeMultiple(f, c.onMessage); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	t.Cleanup(c.close)
	return c
}

func (c *collector) close() { c.cl.Disconnect(0) }

func (c *collector) onMessage(_ mqtt.Client, m mqtt.Message) {
	if c.handle != nil {
		c.handle()
	}
	c.mu.Lock()
	c.msg = append(c.msg, received{topic: m.Topic(), payload: append([]byte(nil), m.Payload()...), retain: m.Retained(), qos: m.Qos()})
	c.mu.Unlock()
}

func (c *collector) messages(topic string) []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []received
	for _, m := range c.msg {
		if topic == "" || m.topic == topic {
			out = append(out, m)
		}
	}
	return out
}

// rec is a record as received.
type rec struct {
	seq uint64
	raw json.RawMessage
}

// records decodes the records received on a stream topic, in order.
func (c *collector) records(class string) []rec {
	var out []rec
	for _, m := range c.messages(topics.Stream(device, class)) {
		out = append(out, decodeRecords(c.t, class, m.payload)...)
	}
	return out
}

func decodeRecords(t testing.TB, class string, payload []byte) []rec {
	t.Helper()
	data, err := Decode(payload, 0)
	if err != nil {
		t.Fatalf("decode %s message: %v", class, err)
	}
	if class == MetricsClass {
		var m wire.Metrics
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("metrics message %q: %v", data, err)
		}
		return []rec{{seq: m.Seq, raw: data}}
	}
	var b wire.Batch
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatalf("batch message %q: %v", data, err)
	}
	if b.Device != device {
		t.Errorf("batch device %q, want %q", b.Device, device)
	}
	var out []rec
	for _, r := range b.Records {
		var s struct {
			Seq uint64 `json:"seq"`
		}
		if err := json.Unmarshal(r, &s); err != nil || s.Seq == 0 {
			t.Fatalf("record %q: no seq (%v)", r, err)
		}
		out = append(out, rec{seq: s.Seq, raw: r})
	}
	return out
}

func maxSeq(rs []rec) uint64 {
	var m uint64
	for _, r := range rs {
		m = max(m, r.seq)
	}
	return m
}

// checkExactlyOnce checks that seqs 1..n arrived once each, in order.
func checkExactlyOnce(t testing.TB, rs []rec, n int) {
	t.Helper()
	if len(rs) != n {
		t.Fatalf("received %d records, want %d", len(rs), n)
	}
	for i, r := range rs {
		if r.seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d, want %d", i, r.seq, i+1)
		}
	}
}

// checkAtLeastOnce checks that every seq 1..n arrived, in order, with
// duplicates only within window records of the newest seq seen: a stream
// never skips ahead, and a resend starts at most window records back.
func checkAtLeastOnce(t testing.TB, rs []rec, n int, window int) (dups int) {
	t.Helper()
	var top uint64
	for i, r := range rs {
		switch {
		case r.seq == top+1:
			top = r.seq
		case r.seq > top+1:
			t.Fatalf("record %d: seq %d after %d: a gap", i, r.seq, top)
		default:
			dups++
			if top-r.seq >= uint64(window) {
				t.Fatalf("record %d: seq %d sent again after %d: more than the in-flight window (%d records) back", i, r.seq, top, window)
			}
			if i > 0 && r.seq != rs[i-1].seq+1 && r.seq > rs[i-1].seq {
				t.Fatalf("record %d: resend seq %d after %d is out of order", i, r.seq, rs[i-1].seq)
			}
		}
	}
	if top != uint64(n) {
		t.Fatalf("last seq %d, want %d", top, n)
	}
	return dups
}

// publish sends a message from a test client.
func publish(t testing.TB, url, topic string, payload []byte, retained bool) {
	t.Helper()
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("pub-%d", time.Now().UnixNano())).SetProtocolVersion(4)
	cl := mqtt.NewClient(o)
	if tok := cl.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publisher connect: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	if tok := cl.Publish(topic, 1, retained, payload); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

// --- a TCP proxy between the uplink and the broker ---

// proxy forwards MQTT connections to a broker. It can refuse new
// connections, drop the open ones abruptly (like a cut link), and hold the
// client's packets (whole packets: the broker has exactly the ones
// forwarded, which onPublish reports).
type proxy struct {
	t      testing.TB
	ln     net.Listener
	target string
	URL    string

	mu      sync.Mutex
	cond    *sync.Cond
	closed  bool
	refuse  bool
	paused  bool
	pairs   map[*pair]bool
	wg      sync.WaitGroup
	onPub   func(topic string, payload []byte) (pause bool)
	accepts int
}

type pair struct{ client, broker net.Conn }

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: strings.TrimPrefix(target, "tcp://"), URL: "tcp://" + ln.Addr().String(), pairs: map[*pair]bool{}}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.drop()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse || p.closed
		p.accepts++
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		b, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pr := &pair{c, b}
		p.mu.Lock()
		p.pairs[pr] = true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.up(pr)
		go func() {
			defer p.wg.Done()
			io.Copy(c, b)
			p.end(pr)
		}()
	}
}

func (p *proxy) end(pr *pair) {
	pr.client.Close()
	pr.broker.Close()
	p.mu.Lock()
	delete(p.pairs, pr)
	p.cond.Broadcast()
	p.mu.Unlock()
}

// up forwards the client's packets one by one, holding them while paused.
func (p *proxy) up(pr *pair) {
	defer p.wg.Done()
	defer p.end(pr)
	r := bufio.NewReader(pr.client)
	for {
		pkt, err := readPacket(r)
		if err != nil {
			return
		}
		p.mu.Lock()
		for p.paused && p.pairs[pr] {
			p.cond.Wait()
		}
		alive := p.pairs[pr]
		p.mu.Unlock()
		if !alive {
			return
		}
		if _, err := pr.broker.Write(pkt); err != nil {
			return
		}
		if topic, payload, ok := parsePublish(pkt); ok {
			p.mu.Lock()
			if p.onPub != nil && p.onPub(topic, payload) {
				p.paused = true
			}
			p.mu.Unlock()
		}
	}
}

func readPacket(r *bufio.Reader) ([]byte, error) {
	h, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	pkt := []byte{h}
	n, mult := 0, 1
	for i := 0; i < 4; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		pkt = append(pkt, b)
		n += int(b&127) * mult
		mult *= 128
		if b&128 == 0 {
			break
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return append(pkt, body...), nil
}

// parsePublish returns the topic and payload of a PUBLISH packet.
func parsePublish(pkt []byte) (string, []byte, bool) {
	if pkt[0]>>4 != 3 {
		return "", nil, false
	}
	i := 1
	for pkt[i]&128 != 0 {
		i++
	}
	body := pkt[i+1:]
	tl := int(binary.BigEndian.Uint16(body))
	topic := string(body[2 : 2+tl])
	rest := body[2+tl:]
	if (pkt[0]>>1)&3 > 0 {
		rest = rest[2:]
	}
	return topic, rest, true
}

// setRefuse makes the proxy close new connections at once (refuse) or
// forward them again.
func (p *proxy) setRefuse(v bool) {
	p.mu.Lock()
	p.refuse = v
	p.mu.Unlock()
}

func (p *proxy) setPaused(v bool) {
	p.mu.Lock()
	p.paused = v
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *proxy) setOnPublish(f func(topic string, payload []byte) bool) {
	p.mu.Lock()
	p.onPub = f
	p.mu.Unlock()
}

// drop closes every connection abruptly, as a cut link does: the broker
// sees the socket close without a DISCONNECT.
func (p *proxy) drop() {
	p.mu.Lock()
	var prs []*pair
	for pr := range p.pairs {
		prs = append(prs, pr)
	}
	p.mu.Unlock()
	for _, pr := range prs {
		p.end(pr)
	}
}
