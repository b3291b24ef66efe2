package uplink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/edge-agent/edge-agent/sync/outbox"
)

// shutdownGrace is how long a clean shutdown waits for the PUBACKs of the
// messages in flight (so that fewer are sent again by the next run) and
// for the offline status to be acknowledged.
const shutdownGrace = 2 * time.Second

// conn is one MQTT connection: a paho client made for it alone (paho's own
// reconnect is off; a client is never reused after its connection ends).
type conn struct {
	cl       mqtt.Client
	lost     chan struct{} // closed when paho reports the connection lost
	lostOnce sync.Once
	lostErr  error // set before lost is closed
}

func (c *conn) onLost(err error) {
	c.lostOnce.Do(func() {
		c.lostErr = err
		close(c.lost)
	})
}

// session makes one connection and drains over it until it ends. It
// returns how long the connection was up (0 when it failed) and why it
// ended (nil for a clean shutdown).
func (u *Uplink) session(ctx context.Context) (up time.Duration, err error) {
	u.count(func(s *Stats) { s.ConnectAttempts++ })
	c, err := u.connect(ctx)
	if err != nil {
		return 0, err
	}
	start := u.now()
	u.mu.Lock()
	u.client = c.cl
	u.st.Connected = true
	u.st.Connects++
	broker := u.st.Broker
	u.mu.Unlock()
	u.log.Info("mqtt connected", "broker", broker)
	defer func() {
		u.mu.Lock()
		u.client = nil
		u.st.Connected = false
		u.st.Disconnects++
		u.st.InFlight = 0
		u.mu.Unlock()
		up = u.now().Sub(start)
	}()

	if err := u.announce(ctx, c); err != nil {
		c.cl.Disconnect(0)
		return 0, err
	}
	return 0, u.drain(ctx, c)
}

// connect opens a connection: reads the password and TLS files and
// connects, with the retained offline status as the last will.
func (u *Uplink) connect(ctx context.Context) (*conn, error) {
	o := u.o
	tlsCfg, err := tlsConfig(o)
	if err != nil {
		return nil, err
	}
	opts := mqtt.NewClientOptions()
	for _, b := range o.brokers() {
		opts.AddBroker(b)
	}
	opts.SetClientID(o.DeviceID).
		SetProtocolVersion(4).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetOrderMatters(false).
		SetKeepAlive(o.KeepAlive).
		SetPingTimeout(o.ConnectTimeout).
		SetConnectTimeout(o.ConnectTimeout).
		SetWriteTimeout(o.AckTimeout).
		SetBinaryWill(u.topics.Status(o.DeviceID), u.statusJSON("offline"), 1, true)
	if o.Username != "" {
		opts.SetUsername(o.Username)
		if o.PasswordFile != "" {
			pw, err := readPassword(o.PasswordFile)
			if err != nil {
				return nil, err
			}
			opts.SetPassword(pw)
		}
	}
	c := &conn{lost: make(chan struct{})}
	opts.SetConnectionLostHandler(func(_ mqtt.Client, err error) { c.onLost(err) })

	// Dial with ctx, so that Close does not wait for a slow attempt;
	// cancellation closes a connection still in its handshake.
	var (
		dmu   sync.Mutex
		stops []func() bool
	)
	opts.SetCustomOpenConnectionFn(func(uri *url.URL, _ mqtt.ClientOptions) (net.Conn, error) {
		u.mu.Lock()
		u.st.Broker = uri.String()
		u.mu.Unlock()
		nc, err := dial(ctx, uri, tlsCfg, o.ConnectTimeout)
		if err != nil {
			return nil, err
		}
		dmu.Lock()
		stops = append(stops, context.AfterFunc(ctx, func() { nc.Close() }))
		dmu.Unlock()
		return nc, nil
	})
	cl := mqtt.NewClient(opts)
	tok := cl.Connect()
	<-tok.Done() // bounded: each broker's dial and handshake by ConnectTimeout, and by ctx
	dmu.Lock()
	for _, stop := range stops {
		stop()
	}
	dmu.Unlock()
	if err := tok.Error(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, packets.ErrorRefusedNotAuthorised) || errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword) {
			return nil, fmt.Errorf("connect to %s: %w: %w", brokerList(o), ErrNotAuthorized, err)
		}
		return nil, fmt.Errorf("connect to %s: %w", brokerList(o), err)
	}
	if ctx.Err() != nil {
		cl.Disconnect(0)
		return nil, ctx.Err()
	}
	c.cl = cl
	return c, nil
}

// dial opens the network connection of a broker URL.
func dial(ctx context.Context, uri *url.URL, tlsCfg *tls.Config, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if tlsScheme(uri.Scheme) {
		td := &tls.Dialer{NetDialer: d, Config: tlsCfg}
		return td.DialContext(ctx, "tcp", uri.Host)
	}
	return d.DialContext(ctx, "tcp", uri.Host)
}

// announce subscribes the command topics and publishes the retained
// status and hardware, waiting for their acknowledgements.
func (u *Uplink) announce(ctx context.Context, c *conn) error {
	if u.o.Commands != nil {
		tok := c.cl.SubscribeMultiple(u.commandTopics(), u.onCommand)
		if err := u.await(ctx, c, tok, "subscribe command topics"); err != nil {
			return err
		}
		st, ok := tok.(*mqtt.SubscribeToken)
		if ok {
			for topic, code := range st.Result() {
				if code == 0x80 {
					// A refusal (broker ACL) leaves data flowing: log it,
					// and the next connection tries again.
					err := fmt.Errorf("broker refused the subscription to %s", topic)
					u.setError(err)
					u.log.Error("command topic not subscribed", "topic", topic, "err", err)
				}
			}
		}
	}
	status := u.statusJSON("online")
	tok := c.cl.Publish(u.topics.Status(u.o.DeviceID), 1, true, status)
	u.sent(len(status))
	if err := u.await(ctx, c, tok, "publish status"); err != nil {
		return err
	}
	u.count(func(s *Stats) { s.MessagesAcked++ })
	if u.o.Hardware != nil {
		hw, err := u.o.Hardware()
		switch {
		case err != nil:
			u.log.Warn("hardware profile not published", "err", err)
		case len(hw) == 0:
			u.log.Warn("hardware profile not published: empty")
		default:
			tok := c.cl.Publish(u.topics.Hardware(u.o.DeviceID), 1, true, hw)
			u.sent(len(hw))
			if err := u.await(ctx, c, tok, "publish hardware"); err != nil {
				return err
			}
			u.count(func(s *Stats) { s.MessagesAcked++ })
		}
	}
	return nil
}

// await waits for a token, the connection's loss, the ack timeout or ctx.
func (u *Uplink) await(ctx context.Context, c *conn, tok mqtt.Token, what string) error {
	t := time.NewTimer(u.o.AckTimeout)
	defer t.Stop()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-c.lost:
		return fmt.Errorf("%s: connection lost: %w", what, c.lostErr)
	case <-t.C:
		return fmt.Errorf("%s: %w (%v)", what, errAckTimeout, u.o.AckTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// inflight is a published record message awaiting its PUBACK.
type inflight struct {
	message
	tok mqtt.Token
	at  time.Time
}

// drain publishes the outbox over c until ctx ends (clean shutdown: nil)
// or the connection fails (its error).
func (u *Uplink) drain(ctx context.Context, c *conn) error {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	window := make(chan struct{}, u.o.InFlight) // one token per message in flight
	acks := make(chan *inflight, u.o.InFlight)
	abort := make(chan struct{})
	ackerDone := make(chan struct{})
	go func() {
		defer close(ackerDone)
		if err := u.acker(acks, window, abort); err != nil {
			cancel(err)
		}
	}()

	err := u.publishLoop(sctx, c, acks, window)
	close(acks)
	clean := ctx.Err() != nil && context.Cause(sctx) == ctx.Err()
	if clean {
		// Shutting down: give the PUBACKs of the window a moment, so the
		// next run sends fewer records again.
		t := time.AfterFunc(shutdownGrace, func() { close(abort) })
		<-ackerDone
		if !t.Stop() {
			<-abort
		}
	} else {
		close(abort)
		<-ackerDone
	}
	if cause := context.Cause(sctx); cause != nil && !errors.Is(cause, ctx.Err()) {
		err = cause
	}
	select {
	case <-c.lost:
		c.cl.Disconnect(0)
		if c.lostErr != nil {
			return fmt.Errorf("connection lost: %w", c.lostErr)
		}
		return errors.New("connection lost")
	default:
	}
	if clean {
		// The retained status says offline; a clean DISCONNECT means the
		// broker does not publish the will.
		status := u.statusJSON("offline")
		tok := c.cl.Publish(u.topics.Status(u.o.DeviceID), 1, true, status)
		u.sent(len(status))
		if tok.WaitTimeout(shutdownGrace) && tok.Error() == nil {
			u.count(func(s *Stats) { s.MessagesAcked++ })
		}
		c.cl.Disconnect(250)
		return nil
	}
	c.cl.Disconnect(0)
	return err
}

// publishLoop publishes record messages, highest-priority class first and
// in seq order within a class, keeping at most InFlight unacknowledged.
func (u *Uplink) publishLoop(ctx context.Context, c *conn, acks chan<- *inflight, window chan struct{}) error {
	classes := u.q.Classes()
	after := make(map[string]uint64, len(classes)) // last seq published on this connection
	buf := make(map[string][]outbox.Record, len(classes))
	poll := time.NewTimer(time.Hour)
	defer poll.Stop()
	for {
		sent := false
		for _, cl := range classes {
			recs, err := u.fill(cl.Name, after[cl.Name], buf[cl.Name])
			if err != nil {
				return err
			}
			buf[cl.Name] = recs
			if len(recs) == 0 {
				continue
			}
			m := u.enc.build(cl.Name, recs)
			buf[cl.Name] = recs[m.records:]
			// A place in the window, then the rate limits.
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return nil
			case <-c.lost:
				return nil
			}
			u.mu.Lock()
			wait := max(u.msgB.take(u.now(), 1), u.byteB.take(u.now(), float64(len(m.payload))))
			u.mu.Unlock()
			if wait > 0 && u.sleep(ctx, wait) != nil {
				return nil
			}
			tok := c.cl.Publish(u.topics.Stream(u.o.DeviceID, m.class), 1, false, m.payload)
			acks <- &inflight{message: m, tok: tok, at: u.now()}
			after[cl.Name] = m.last
			u.count(func(s *Stats) {
				s.MessagesSent++
				s.BytesSent += uint64(len(m.payload))
				s.RecordsSent += uint64(m.records)
				s.RecordsMalformed += uint64(m.malformed)
				s.InFlight++
			})
			if m.malformed > 0 {
				u.log.Warn("records that are not JSON objects sent in the malformed form",
					"class", m.class, "count", m.malformed, "first_seq", m.first, "last_seq", m.last)
			}
			sent = true
			break // start again from the highest priority
		}
		if sent {
			continue
		}
		// Nothing waiting: sleep until an append (or a slow poll, which
		// also catches anything a coalesced notification missed).
		poll.Reset(5 * time.Second)
		select {
		case <-u.q.Notify():
		case <-poll.C:
		case <-ctx.Done():
			return nil
		case <-c.lost:
			return nil
		}
	}
}

// fill tops up the records of class peeked but not yet published: a batch
// class to a full batch, metrics (one message per record) to a window's
// worth when empty.
func (u *Uplink) fill(class string, after uint64, buf []outbox.Record) ([]outbox.Record, error) {
	want, maxBytes := u.o.BatchMaxRecords, int64(u.o.BatchMaxBytes)
	if class == MetricsClass {
		want, maxBytes = u.o.InFlight, int64(u.o.InFlight)*int64(u.o.BatchMaxBytes)
		if len(buf) > 0 {
			return buf, nil
		}
	}
	if len(buf) >= want {
		return buf, nil
	}
	if len(buf) > 0 {
		after = buf[len(buf)-1].Seq
		for _, r := range buf {
			maxBytes -= int64(len(r.Payload))
		}
		if maxBytes <= 0 {
			return buf, nil
		}
	}
	more, err := u.q.Peek(class, after, want-len(buf), maxBytes)
	if err != nil {
		return buf, fmt.Errorf("read outbox %s: %w", class, err)
	}
	if len(buf) == 0 {
		return more, nil
	}
	return append(buf, more...), nil
}

// acker waits for the PUBACKs in publish order and removes each message's
// records from the outbox once acknowledged, freeing its window place.
// Messages already acknowledged when one is done are removed together
// (one outbox write, one fsync for a durable outbox, for several
// messages). It returns an error when a publish fails or times out (the
// connection is then dropped and the next one sends everything
// unacknowledged again), and nil when acks is closed and drained or abort
// is closed.
func (u *Uplink) acker(acks <-chan *inflight, window <-chan struct{}, abort <-chan struct{}) error {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	var next *inflight // received, not yet waited for
	for {
		m := next
		next = nil
		if m == nil {
			var ok bool
			if m, ok = <-acks; !ok {
				return nil
			}
		}
		t.Reset(max(0, u.o.AckTimeout-u.now().Sub(m.at)))
		select {
		case <-m.tok.Done():
		case <-t.C:
			return fmt.Errorf("publish %s seq %d-%d: %w (%v)", m.class, m.first, m.last, errAckTimeout, u.o.AckTimeout)
		case <-abort:
			return nil
		}
		done := []*inflight{m}
	gather:
		for len(done) < cap(acks) {
			select {
			case n, ok := <-acks:
				if !ok {
					break gather
				}
				select {
				case <-n.tok.Done():
					done = append(done, n)
				default:
					next = n
					break gather
				}
			default:
				break gather
			}
		}
		for i, d := range done {
			if err := d.tok.Error(); err != nil {
				u.removeDelivered(done[:i])
				return fmt.Errorf("publish %s seq %d-%d: %w", d.class, d.first, d.last, err)
			}
		}
		u.removeDelivered(done)
		for range done {
			<-window
		}
	}
}

// removeDelivered removes acknowledged messages' records from the outbox:
// one Remove per class, over the seqs from the first message's first to
// the last one's last (any seq between them is not stored: each message
// was read after the one before it).
func (u *Uplink) removeDelivered(done []*inflight) {
	type span struct{ first, last uint64 }
	spans := map[string]*span{}
	var order []string
	for _, d := range done {
		if s := spans[d.class]; s != nil {
			s.last = d.last
		} else {
			spans[d.class] = &span{d.first, d.last}
			order = append(order, d.class)
		}
	}
	for _, class := range order {
		s := spans[class]
		if err := u.q.Remove(class, s.first, s.last); err != nil {
			// Delivered but still stored: sent again later (duplicates).
			err = fmt.Errorf("remove delivered %s seq %d-%d from the outbox: %w", class, s.first, s.last, err)
			u.setError(err)
			u.log.Error("outbox remove failed", "err", err)
		}
	}
	u.mu.Lock()
	for _, d := range done {
		u.st.MessagesAcked++
		u.st.RecordsDelivered += uint64(d.records)
		u.st.InFlight--
		if d.last > u.delSeq[d.class] {
			u.delSeq[d.class] = d.last
		}
	}
	u.mu.Unlock()
}
