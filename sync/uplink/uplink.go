package uplink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// CommandSink receives the command messages the device is subscribed to.
// The command dispatcher (sync/command) implements it.
type CommandSink interface {
	// Submit takes one message received on edge/{id}/cmd,
	// edge/group/{g}/cmd or edge/all/cmd: its topic and raw payload (the
	// sink owns the slice). Submit must not block: it queues the command
	// (or answers "busy") and returns. It is called from one goroutine of
	// the uplink, never from paho's, one message after another in the
	// order received.
	Submit(topic string, payload []byte)
}

// Errors.
var (
	// ErrNotConnected is returned by Respond and PublishProgress while
	// there is no connection.
	ErrNotConnected = errors.New("not connected to the broker")
	// ErrNotAuthorized is in the error of a connection attempt the broker
	// refused for the device's credentials (username and password file,
	// or client certificate).
	ErrNotAuthorized = errors.New("the broker refused the device's credentials")
	// ErrClosed is returned by Run after Close.
	ErrClosed = errors.New("uplink closed")
	// errAckTimeout ends a connection whose broker stopped acknowledging.
	errAckTimeout = errors.New("no acknowledgement within the ack timeout")
)

// Uplink moves records from an outbox to an MQTT broker and receives the
// fleet's commands. Create it with New, run it with Run, stop it with
// Close. Its methods are safe for concurrent use.
type Uplink struct {
	q      outbox.Queue
	o      Options
	log    *slog.Logger
	topics wire.Topics
	enc    *encoder
	bo     *backoff

	// Clock and sleep; tests replace them (rate limits are checked by
	// the tokens spent, not by timing).
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	cmds      chan command
	stop      chan struct{} // closed by Close
	closeOnce sync.Once

	mu      sync.Mutex
	started bool
	runDone chan struct{} // closed when Run returns
	runCtx  context.Context
	client  mqtt.Client // while connected
	st      Stats
	delSeq  map[string]uint64
	msgB    *bucket // drain rate limits, used by the drain goroutine
	byteB   *bucket
}

type command struct {
	topic   string
	payload []byte
}

// New returns an uplink that drains q with the options o. It checks the
// options; it does not connect (Run does) nor read any file.
func New(q outbox.Queue, o Options) (*Uplink, error) {
	if q == nil {
		return nil, errors.New("uplink: nil outbox")
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	for _, c := range q.Classes() {
		if !wire.ValidID(c.Name) {
			return nil, fmt.Errorf("uplink: record class %q cannot be a topic level", c.Name)
		}
	}
	u := &Uplink{
		q:      q,
		o:      o,
		log:    o.Logger.With("component", "uplink", "device", o.DeviceID),
		topics: wire.Topics{Prefix: o.Prefix},
		enc:    newEncoder(o),
		bo:     newBackoff(o.BackoffMin, o.BackoffMax),
		now:    time.Now,
		sleep:  sleepCtx,
		cmds:   make(chan command, o.CommandQueue),
		stop:   make(chan struct{}),
		delSeq: map[string]uint64{},
	}
	return u, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run connects and keeps the device connected until ctx ends or Close is
// called: after a failed attempt or a lost connection it waits (backoff
// with full jitter) and tries again, forever. On every connection it
// subscribes the command topics, publishes the retained status (online)
// and hardware, then drains the outbox. It returns nil after Close, the
// context's error when ctx ended, and ErrClosed when called after Close.
// Run may be called once.
func (u *Uplink) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u.mu.Lock()
	select {
	case <-u.stop:
		u.mu.Unlock()
		return ErrClosed
	default:
	}
	if u.started {
		u.mu.Unlock()
		return errors.New("uplink: Run called twice")
	}
	u.started = true
	u.runDone = make(chan struct{})
	u.runCtx = ctx
	now := u.now()
	u.msgB = newBucket(u.o.RateMessages, u.o.RateMessages, now)
	u.byteB = newBucket(u.o.RateBytes, max(u.o.RateBytes, float64(u.o.BatchMaxBytes)), now)
	u.mu.Unlock()
	defer close(u.runDone)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // Close cancels the run
		defer wg.Done()
		select {
		case <-u.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	go func() {
		defer wg.Done()
		u.dispatch(ctx)
	}()
	defer wg.Wait()

	for {
		up, err := u.session(ctx)
		if ctx.Err() != nil {
			break
		}
		if up >= u.o.StableAfter {
			u.bo.reset()
		}
		wait := u.bo.next()
		if err != nil {
			u.setError(err)
			u.log.Warn("mqtt connection failed", "err", err, "retry_in", wait.Round(time.Millisecond))
		} else {
			u.log.Info("mqtt connection ended", "retry_in", wait.Round(time.Millisecond))
		}
		if sleepCtx(ctx, wait) != nil {
			break
		}
	}
	select {
	case <-u.stop:
		return nil
	default:
		return ctx.Err()
	}
}

// Close stops Run, publishing the retained offline status and
// disconnecting cleanly when connected, and waits until Run and every
// goroutine the uplink started have ended. Records not yet acknowledged
// stay in the outbox and are sent by the next uplink. Close does not close
// the outbox.
func (u *Uplink) Close() {
	u.closeOnce.Do(func() { close(u.stop) })
	u.mu.Lock()
	done := u.runDone
	u.mu.Unlock()
	if done != nil {
		<-done
	}
}

// dispatch hands received commands to the sink, one at a time, off
// paho's goroutines.
func (u *Uplink) dispatch(ctx context.Context) {
	for {
		select {
		case c := <-u.cmds:
			u.o.Commands.Submit(c.topic, c.payload)
		case <-ctx.Done():
			return
		}
	}
}

// onCommand is paho's message handler for the command topics. With
// OrderMatters false paho runs it on a goroutine of its own per message;
// it waits at most CommandWait for room in the queue, so it always ends.
func (u *Uplink) onCommand(_ mqtt.Client, m mqtt.Message) {
	c := command{topic: m.Topic(), payload: bytes.Clone(m.Payload())}
	select {
	case u.cmds <- c:
		u.count(func(s *Stats) { s.CommandsReceived++ })
		return
	default:
	}
	t := time.NewTimer(u.o.CommandWait)
	defer t.Stop()
	select {
	case u.cmds <- c:
		u.count(func(s *Stats) { s.CommandsReceived++ })
	case <-t.C:
		u.count(func(s *Stats) { s.CommandsDropped++ })
		u.log.Warn("command dropped: the command queue stayed full", "topic", c.topic, "wait", u.o.CommandWait)
	case <-u.runCtx.Done():
		u.count(func(s *Stats) { s.CommandsDropped++ })
	}
}

// Respond publishes a command response on edge/{id}/cmd/response (QoS 1)
// and waits for its PUBACK or ctx. Device is filled in when empty. Without
// a connection it returns ErrNotConnected at once; the response is not
// kept for later.
func (u *Uplink) Respond(ctx context.Context, r wire.Response) error {
	if r.Device == "" {
		r.Device = u.o.DeviceID
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("respond to command %q: %w", r.ID, err)
	}
	if err := u.publishAndWait(ctx, u.topics.Response(u.o.DeviceID), false, payload); err != nil {
		return fmt.Errorf("respond to command %q: %w", r.ID, err)
	}
	return nil
}

// publishAndWait publishes one QoS 1 message on the current connection and
// waits for its PUBACK or ctx; without a connection it returns
// ErrNotConnected at once.
func (u *Uplink) publishAndWait(ctx context.Context, topic string, retained bool, payload []byte) error {
	u.mu.Lock()
	cl := u.client
	u.mu.Unlock()
	if cl == nil {
		return ErrNotConnected
	}
	tok := cl.Publish(topic, 1, retained, payload)
	u.sent(len(payload))
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return err
		}
		u.count(func(s *Stats) { s.MessagesAcked++ })
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PublishProgress publishes a command's progress report on
// edge/{id}/cmd/progress, QoS 0 and not retained, and returns without
// waiting for the broker: reports are best-effort, and the response
// (Respond) is what ends a command. It waits for nothing but the MQTT
// client's writer taking the message, which is at once unless the
// connection is congested (then at most AckTimeout, the client's write
// timeout, as every publish). Device is filled in when empty. Without a
// connection it returns ErrNotConnected at once; the report is not kept
// for later. It suits command.Options.Progress.
func (u *Uplink) PublishProgress(p wire.Progress) error {
	if p.Device == "" {
		p.Device = u.o.DeviceID
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("progress of command %q: %w", p.ID, err)
	}
	u.mu.Lock()
	cl := u.client
	u.mu.Unlock()
	if cl == nil {
		return fmt.Errorf("progress of command %q: %w", p.ID, ErrNotConnected)
	}
	// paho hands a QoS 0 message to its writer and completes the token
	// once written; only an error already known is reported.
	tok := cl.Publish(u.topics.Progress(u.o.DeviceID), 0, false, payload)
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			if errors.Is(err, mqtt.ErrNotConnected) {
				err = ErrNotConnected
			}
			return fmt.Errorf("progress of command %q: %w", p.ID, err)
		}
	default:
	}
	u.sent(len(payload))
	return nil
}

// PublishStatus publishes the retained online status again (after the
// served models changed, say) and waits for its PUBACK or ctx. Without a
// connection it returns ErrNotConnected: the next connection announces
// the current status anyway.
func (u *Uplink) PublishStatus(ctx context.Context) error {
	if err := u.publishAndWait(ctx, u.topics.Status(u.o.DeviceID), true, u.statusJSON("online")); err != nil {
		return fmt.Errorf("publish status: %w", err)
	}
	return nil
}

// Stats describes the uplink.
type Stats struct {
	// Connected reports whether a connection is up.
	Connected bool `json:"connected"`
	// Broker is the broker of the current or last connection attempt.
	Broker string `json:"broker,omitempty"`
	// ConnectAttempts counts attempts, Connects the successful ones,
	// Disconnects the connections that ended.
	ConnectAttempts uint64 `json:"connect_attempts"`
	Connects        uint64 `json:"connects"`
	Disconnects     uint64 `json:"disconnects"`
	// MessagesSent and BytesSent count every PUBLISH handed to the
	// client (records, resends, status, hardware, responses) and its
	// payload bytes as sent (after gzip); MessagesAcked those the broker
	// acknowledged.
	MessagesSent  uint64 `json:"messages_sent"`
	BytesSent     uint64 `json:"bytes_sent"`
	MessagesAcked uint64 `json:"messages_acked"`
	// RecordsSent counts records published, resends included;
	// RecordsDelivered those acknowledged and removed from the outbox.
	RecordsSent      uint64 `json:"records_sent"`
	RecordsDelivered uint64 `json:"records_delivered"`
	// RecordsMalformed counts records whose payload was not a JSON object,
	// sent in the malformed form (see the package doc).
	RecordsMalformed uint64 `json:"records_malformed"`
	// InFlight is the record messages awaiting their PUBACK now.
	InFlight int `json:"in_flight"`
	// CommandsReceived were queued for the sink; CommandsDropped found
	// the queue full.
	CommandsReceived uint64 `json:"commands_received"`
	CommandsDropped  uint64 `json:"commands_dropped"`
	// RateTokens is the tokens the drain spent from its rate limits:
	// messages and bytes (0 when unlimited).
	RateMessageTokens float64 `json:"rate_message_tokens,omitempty"`
	RateByteTokens    float64 `json:"rate_byte_tokens,omitempty"`
	// LastError is the last connection or delivery error, and when.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Classes describes the backlog of each record class.
	Classes map[string]ClassStats `json:"classes"`
}

// ClassStats is the backlog of one record class.
type ClassStats struct {
	// Pending is the records waiting in the outbox (in flight included).
	Pending int `json:"pending"`
	// DeliveredSeq is the last seq acknowledged by the broker.
	DeliveredSeq uint64 `json:"delivered_seq"`
	// Lag is the age of the oldest record waiting (0: none).
	Lag time.Duration `json:"lag_ns"`
}

// Stats returns the counters and, from the outbox, the backlog of each
// class.
func (u *Uplink) Stats() Stats {
	u.mu.Lock()
	s := u.st
	if u.msgB != nil {
		s.RateMessageTokens = u.msgB.spent
	}
	if u.byteB != nil {
		s.RateByteTokens = u.byteB.spent
	}
	del := make(map[string]uint64, len(u.delSeq))
	for k, v := range u.delSeq {
		del[k] = v
	}
	u.mu.Unlock()
	qs := u.q.Stats()
	now := u.now()
	s.Classes = map[string]ClassStats{}
	for _, c := range u.q.Classes() {
		cs := ClassStats{Pending: qs.Classes[c.Name].Records, DeliveredSeq: del[c.Name]}
		if cs.Pending > 0 {
			if recs, err := u.q.Peek(c.Name, 0, 1, 1); err == nil && len(recs) > 0 && !recs[0].Time.IsZero() {
				cs.Lag = max(0, now.Sub(recs[0].Time))
			}
		}
		s.Classes[c.Name] = cs
	}
	return s
}

func (u *Uplink) count(f func(*Stats)) {
	u.mu.Lock()
	f(&u.st)
	u.mu.Unlock()
}

func (u *Uplink) sent(n int) {
	u.count(func(s *Stats) { s.MessagesSent++; s.BytesSent += uint64(n) })
}

func (u *Uplink) setError(err error) {
	u.mu.Lock()
	u.st.LastError = err.Error()
	u.st.LastErrorAt = u.now()
	u.mu.Unlock()
}

// statusJSON is the retained status with the given state, stamped now.
func (u *Uplink) statusJSON(state string) []byte {
	var s wire.Status
	if u.o.Status != nil {
		s = u.o.Status()
	}
	s.State = state
	s.TS = u.now().UTC()
	if len(s.Groups) == 0 {
		s.Groups = u.o.Groups
	}
	if s.Models == nil {
		s.Models = []wire.Model{}
	}
	out, err := json.Marshal(s)
	if err != nil { // a Status with unencodable parts: send the bare state
		out, _ = json.Marshal(wire.Status{State: state, TS: s.TS, Groups: u.o.Groups, Models: []wire.Model{}})
	}
	return out
}

// commandTopics are the subscriptions for commands.
func (u *Uplink) commandTopics() map[string]byte {
	f := map[string]byte{u.topics.Command(u.o.DeviceID): 1, u.topics.AllCommand(): 1}
	for _, g := range u.o.Groups {
		f[u.topics.GroupCommand(g)] = 1
	}
	return f
}

func brokerList(o Options) string { return strings.Join(o.brokers(), ",") }
