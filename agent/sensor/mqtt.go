package sensor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Defaults of MQTTOptions.
const (
	DefaultMQTTConnectTimeout = 10 * time.Second
	mqttMaxReconnectInterval  = 30 * time.Second
	mqttRejectLogEvery        = 10 * time.Second
)

// MQTTOptions configure an MQTT sensor.
type MQTTOptions struct {
	// Broker is the broker URL: tcp://host:1883, ssl://host:8883 (also
	// tls://, mqtts://, ws://, wss://).
	Broker string
	// Topic to subscribe; MQTT wildcards (+, #) are allowed.
	Topic string
	// QoS of the subscription: 0, 1 or 2.
	QoS byte
	// Channels name the values of each message; at least one.
	Channels []string
	// Username and Password for the broker (optional).
	Username, Password string
	// TLS configures ssl:// brokers; nil uses the system roots.
	TLS *tls.Config
	// ConnectTimeout bounds a connection attempt (default
	// DefaultMQTTConnectTimeout).
	ConnectTimeout time.Duration
}

// MQTT is a sensor fed by an MQTT topic (MQTT 3.1.1, paho). Each message
// is one sample: {"values":[...], "ts": RFC 3339 (optional)}, a JSON array
// of numbers, or a bare number, with one value per channel. Messages that
// are not are counted (Rejected) and logged at most every 10 s; they never
// stop the sensor.
type MQTT struct {
	name     string
	opts     MQTTOptions
	clock    func() time.Time
	logger   *slog.Logger
	rejected atomic.Uint64
	// subscribed is true while the subscription is in place (tests wait
	// for it).
	subscribed atomic.Bool
	rejectLog  rateLimiter
}

func newMQTT(spec Spec, logger *slog.Logger) (*MQTT, error) {
	o := spec.MQTT
	if o.Broker == "" {
		return nil, errors.New("mqtt: the broker is empty")
	}
	u, err := url.Parse(o.Broker)
	if err != nil {
		return nil, fmt.Errorf("mqtt: broker: %w", err)
	}
	switch u.Scheme {
	case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
	default:
		return nil, fmt.Errorf("mqtt: broker %q: want a tcp://, ssl://, tls://, mqtts://, ws:// or wss:// URL", o.Broker)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("mqtt: broker %q has no host", o.Broker)
	}
	if err := checkSubscribeTopic(o.Topic); err != nil {
		return nil, fmt.Errorf("mqtt: %w", err)
	}
	if o.QoS > 2 {
		return nil, fmt.Errorf("mqtt: qos %d: want 0, 1 or 2", o.QoS)
	}
	if len(o.Channels) == 0 {
		return nil, errors.New("mqtt: no channels: name at least one")
	}
	if err := checkChannelNames(o.Channels); err != nil {
		return nil, fmt.Errorf("mqtt: channels: %w", err)
	}
	if o.ConnectTimeout < 0 {
		return nil, fmt.Errorf("mqtt: connect timeout %v is negative", o.ConnectTimeout)
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = DefaultMQTTConnectTimeout
	}
	o.Channels = append([]string(nil), o.Channels...)
	return &MQTT{name: spec.Name, opts: o, clock: spec.Clock, logger: logger,
		rejectLog: rateLimiter{every: mqttRejectLogEvery}}, nil
}

// checkSubscribeTopic checks an MQTT topic filter.
func checkSubscribeTopic(t string) error {
	if t == "" {
		return errors.New("the topic is empty")
	}
	if len(t) > 65535 || strings.ContainsRune(t, 0) {
		return fmt.Errorf("topic %q is not a valid MQTT topic", t)
	}
	levels := strings.Split(t, "/")
	for i, l := range levels {
		if strings.Contains(l, "#") && (l != "#" || i != len(levels)-1) {
			return fmt.Errorf("topic %q: # must be a whole last level", t)
		}
		if strings.Contains(l, "+") && l != "+" {
			return fmt.Errorf("topic %q: + must be a whole level", t)
		}
	}
	return nil
}

// Name returns the sensor's name.
func (m *MQTT) Name() string { return m.name }

// Channels returns the configured channels.
func (m *MQTT) Channels() []string { return m.opts.Channels }

// Rejected returns how many messages were refused as malformed.
func (m *MQTT) Rejected() uint64 { return m.rejected.Load() }

// clientID returns edge-agent-sensor-NAME-RANDOM, NAME reduced to
// characters brokers accept, so two agents (or restarts) never collide.
func (m *MQTT) clientID() string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, m.name)
	if len(name) > 32 {
		name = name[:32]
	}
	return fmt.Sprintf("edge-agent-sensor-%s-%08x", name, rand.Uint32())
}

// Run connects, subscribes and emits a sample per well-formed message
// until ctx is done (returning nil). A first connection that fails, or a
// subscription the broker refuses, returns an error; a connection lost
// later is re-established (and the topic subscribed again) by paho.
func (m *MQTT) Run(ctx context.Context, emit func(Sample)) error {
	var (
		mu      sync.Mutex // serializes emit and guards stopped
		stopped bool
		failed  = make(chan error, 1)
	)
	handler := func(_ mqtt.Client, msg mqtt.Message) {
		vals, ts, err := parsePayload(msg.Payload(), len(m.opts.Channels))
		if err != nil {
			n := m.rejected.Add(1)
			if ok, skipped := m.rejectLog.allow(m.clock()); ok {
				m.logger.Warn("mqtt sensor: message rejected", "topic", msg.Topic(), "err", err,
					"rejected_total", n, "not_logged", skipped)
			}
			return
		}
		if ts.IsZero() {
			ts = m.clock()
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			emit(Sample{TS: ts, Values: vals})
		}
	}
	o := mqtt.NewClientOptions().
		AddBroker(m.opts.Broker).
		SetClientID(m.clientID()).
		SetProtocolVersion(4).
		SetCleanSession(true).
		SetOrderMatters(true).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(mqttMaxReconnectInterval).
		SetConnectTimeout(m.opts.ConnectTimeout).
		SetUsername(m.opts.Username).
		SetPassword(m.opts.Password)
	if m.opts.TLS != nil {
		o.SetTLSConfig(m.opts.TLS)
	}
	o.SetOnConnectHandler(func(c mqtt.Client) {
		tok := c.Subscribe(m.opts.Topic, m.opts.QoS, handler)
		var err error
		if !tok.WaitTimeout(m.opts.ConnectTimeout) {
			err = errors.New("no SUBACK in time")
		} else if err = tok.Error(); err == nil {
			if st, ok := tok.(*mqtt.SubscribeToken); ok {
				if code := st.Result()[m.opts.Topic]; code == 0x80 {
					err = errors.New("the broker refused the subscription")
				}
			}
		}
		if err != nil {
			select {
			case failed <- fmt.Errorf("sensor %q: subscribe %q: %w", m.name, m.opts.Topic, err):
			default:
			}
			return
		}
		m.subscribed.Store(true)
		m.logger.Info("mqtt sensor subscribed", "broker", m.opts.Broker, "topic", m.opts.Topic)
	})
	o.SetConnectionLostHandler(func(_ mqtt.Client, err error) {
		m.subscribed.Store(false)
		m.logger.Warn("mqtt sensor: connection lost; reconnecting", "broker", m.opts.Broker, "err", err)
	})
	c := mqtt.NewClient(o)
	tok := c.Connect()
	defer func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
		m.subscribed.Store(false)
		select {
		case <-tok.Done():
			c.Disconnect(250)
		default:
			// Disconnect waits for the connection attempt (at most
			// ConnectTimeout); Run need not.
			go c.Disconnect(250)
		}
	}()
	select {
	case <-ctx.Done():
		return nil
	case <-tok.Done():
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("sensor %q: connect to %s: %w", m.name, m.opts.Broker, err)
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-failed:
		return err
	}
}

// rateLimiter lets one event through per period and counts the others.
type rateLimiter struct {
	every   time.Duration
	mu      sync.Mutex
	last    time.Time
	skipped int
}

// allow reports whether an event at now may be logged, and how many were
// held back since the last one that was.
func (r *rateLimiter) allow(now time.Time) (ok bool, skipped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.last.IsZero() && now.Sub(r.last) < r.every && now.Sub(r.last) >= 0 {
		r.skipped++
		return false, 0
	}
	r.last, skipped, r.skipped = now, r.skipped, 0
	return true, skipped
}
