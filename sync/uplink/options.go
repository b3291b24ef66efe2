package uplink

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// Options configure an Uplink. Zero values take the defaults named on each
// field.
type Options struct {
	// Broker is the broker URL: tcp://host:1883, or ssl://host:8883 (also
	// tls:// and mqtts://) for TLS. Several URLs separated by commas are
	// tried in order on every connection attempt (failover).
	Broker string
	// DeviceID is the device id: the MQTT client id and the {id} of every
	// topic. It must satisfy wire.ValidID.
	DeviceID string
	// Groups the device belongs to: it subscribes edge/group/{g}/cmd for
	// each. Each must satisfy wire.ValidID.
	Groups []string
	// Prefix of every topic; wire.DefaultPrefix ("edge/") when empty.
	Prefix string

	// Username for the broker; empty sends none.
	Username string
	// PasswordFile holds the password (one line; a trailing newline is
	// ignored). It is read at every connection attempt, so a rotated
	// password is picked up on the next reconnect. A missing, unreadable
	// or empty file fails the attempt with an error naming the file, and
	// the uplink keeps retrying with backoff. Requires Username.
	PasswordFile string
	// CAFile is a PEM bundle of the CAs that may sign the broker's
	// certificate (TLS brokers); empty uses the system roots.
	CAFile string
	// CertFile and KeyFile are the device's PEM client certificate and
	// key, for brokers that require mutual TLS. Both or neither.
	CertFile, KeyFile string

	// KeepAlive is the MQTT keep-alive interval. Default 30s.
	KeepAlive time.Duration
	// ConnectTimeout bounds one connection attempt (TCP, TLS, CONNECT) and
	// the subscribe and announce steps after it. Default 10s.
	ConnectTimeout time.Duration
	// AckTimeout is how long a published message may wait for its PUBACK
	// (or a subscription for its SUBACK) before the connection is
	// considered broken: it is closed and everything unacknowledged is
	// sent again on the next one. Keep it above the time a full in-flight
	// window takes on the slowest link. Default 1 minute.
	AckTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait between connection
	// attempts: after the n-th failure in a row the uplink waits a random
	// time in [0, min(BackoffMax, BackoffMin·2ⁿ)] ("full jitter"). The
	// count resets after a connection that stayed up for StableAfter.
	// Defaults 1s and 1 minute; at most 24h.
	BackoffMin, BackoffMax time.Duration
	// StableAfter is how long a connection must stay up to reset the
	// backoff, so that a broker that accepts and then drops every
	// connection still sees growing waits. Default 30s.
	StableAfter time.Duration

	// InFlight is the most QoS 1 messages awaiting their PUBACK at once,
	// over all classes. It also bounds the duplicates a reconnect can
	// cause: at most InFlight messages are sent again. Default 8.
	InFlight int
	// BatchMaxRecords caps the records of one predictions or alerts
	// message. Default 256.
	BatchMaxRecords int
	// BatchMaxBytes caps the JSON of one message (before gzip), so a
	// message on the wire is never larger, except one holding a single
	// record that is larger by itself. Default 64 KiB.
	BatchMaxBytes int
	// Gzip compresses record messages (predictions, alerts, metrics) when
	// that makes them smaller. A consumer tells by the first two bytes:
	// 0x1f 0x8b is gzip (JSON never starts so); Decode does it. Status,
	// hardware and responses are never compressed.
	Gzip bool
	// RateMessages and RateBytes limit the drain of records (messages/s
	// and payload bytes/s, token buckets holding one second's worth, or
	// one message of BatchMaxBytes if larger), so a backlog does not
	// flood the broker or a cellular link. 0 means unlimited. Status,
	// hardware and responses are not limited.
	RateMessages float64
	RateBytes    float64

	// Status returns the device status to publish (retained) on
	// edge/{id}/status at every connect, in the last will and at Close. It
	// must be quick. The uplink sets State ("online", or "offline" in the
	// last will and at Close), TS (the time it was made: for the will,
	// that of the connect) and, when empty, Groups and Models (to []).
	// Nil publishes a status with only those fields.
	Status func() wire.Status
	// Hardware returns the hardware profile JSON (as edge-agent probe
	// --json), published retained on edge/{id}/hardware at every connect.
	// Nil or an error (logged) publishes nothing: an empty retained
	// message would erase the last good profile.
	Hardware func() ([]byte, error)
	// Commands receives the commands from the fleet; nil subscribes none.
	Commands CommandSink
	// CommandQueue is how many received commands may wait for Commands.
	// Default 64. A command that finds it full for CommandWait is dropped,
	// counted and logged (the console sees no response).
	CommandQueue int
	// CommandWait is how long a received command waits for room in the
	// queue. Default 5s.
	CommandWait time.Duration

	// Logger receives connection events and errors; nil discards.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultKeepAlive       = 30 * time.Second
	DefaultConnectTimeout  = 10 * time.Second
	DefaultAckTimeout      = time.Minute
	DefaultBackoffMin      = time.Second
	DefaultBackoffMax      = time.Minute
	DefaultStableAfter     = 30 * time.Second
	DefaultInFlight        = 8
	DefaultBatchMaxRecords = 256
	DefaultBatchMaxBytes   = 64 << 10
	DefaultCommandQueue    = 64
	DefaultCommandWait     = 5 * time.Second
)

// maxBackoff caps the backoff settings (a day between attempts is plenty).
const maxBackoff = 24 * time.Hour

// maxInFlight keeps the window well inside MQTT's 65535 packet ids.
const maxInFlight = 4096

// withDefaults checks o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	if strings.TrimSpace(o.Broker) == "" {
		errs = append(errs, errors.New("no broker URL"))
	}
	for _, b := range o.brokers() {
		u, err := url.Parse(b)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("broker %q: %w", b, err))
		case !knownScheme(u.Scheme):
			errs = append(errs, fmt.Errorf("broker %q: scheme %q is not tcp, ssl, tls or mqtts", b, u.Scheme))
		case u.Host == "":
			errs = append(errs, fmt.Errorf("broker %q: no host", b))
		}
	}
	if !wire.ValidID(o.DeviceID) {
		errs = append(errs, fmt.Errorf("device id %q is not valid (non-empty, at most 128 bytes, no / + # or NUL, not \"group\" or \"all\")", o.DeviceID))
	}
	for _, g := range o.Groups {
		if !wire.ValidID(g) {
			errs = append(errs, fmt.Errorf("group %q is not valid", g))
		}
	}
	if o.PasswordFile != "" && o.Username == "" {
		errs = append(errs, errors.New("password file given without a username"))
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		errs = append(errs, errors.New("client certificate and key must be given together"))
	}
	if o.InFlight < 0 || o.InFlight > maxInFlight {
		errs = append(errs, fmt.Errorf("in-flight window %d is not between 1 and %d", o.InFlight, maxInFlight))
	}
	if o.BatchMaxRecords < 0 || o.BatchMaxBytes < 0 || o.RateMessages < 0 || o.RateBytes < 0 ||
		o.CommandQueue < 0 || o.KeepAlive < 0 || o.ConnectTimeout < 0 || o.AckTimeout < 0 ||
		o.BackoffMin < 0 || o.BackoffMax < 0 || o.StableAfter < 0 || o.CommandWait < 0 {
		errs = append(errs, errors.New("negative limit, rate or duration"))
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("uplink options: %w", errors.Join(errs...))
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.KeepAlive, DefaultKeepAlive)
	def(&o.ConnectTimeout, DefaultConnectTimeout)
	def(&o.AckTimeout, DefaultAckTimeout)
	def(&o.BackoffMin, DefaultBackoffMin)
	def(&o.BackoffMax, DefaultBackoffMax)
	def(&o.StableAfter, DefaultStableAfter)
	def(&o.CommandWait, DefaultCommandWait)
	o.BackoffMin = min(o.BackoffMin, maxBackoff)
	o.BackoffMax = min(max(o.BackoffMax, o.BackoffMin), maxBackoff)
	if o.InFlight == 0 {
		o.InFlight = DefaultInFlight
	}
	if o.BatchMaxRecords == 0 {
		o.BatchMaxRecords = DefaultBatchMaxRecords
	}
	if o.BatchMaxBytes == 0 {
		o.BatchMaxBytes = DefaultBatchMaxBytes
	}
	if o.CommandQueue == 0 {
		o.CommandQueue = DefaultCommandQueue
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// brokers splits Broker at commas.
func (o Options) brokers() []string {
	var out []string
	for _, b := range strings.Split(o.Broker, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

func knownScheme(s string) bool {
	switch s {
	case "tcp", "ssl", "tls", "mqtts":
		return true
	}
	return false
}

func tlsScheme(s string) bool { return s == "ssl" || s == "tls" || s == "mqtts" }
