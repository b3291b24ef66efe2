package fleet

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// DefaultBroker is the broker a Console uses when none is given.
const DefaultBroker = "tcp://127.0.0.1:1883"

// DefaultConnectTimeout bounds connecting and each broker round trip.
const DefaultConnectTimeout = 10 * time.Second

// Console talks to the fleet through an MQTT broker. Its zero value talks
// to DefaultBroker with the default prefix. Its methods may be called
// concurrently (each opens its own connection) unless ClientID is set.
type Console struct {
	// Broker is the broker URL: tcp://host:1883, or ssl://host:8883 (also
	// tls:// and mqtts://) for TLS. Several URLs separated by commas are
	// tried in order. DefaultBroker when empty.
	Broker string
	// Prefix of every topic; wire.DefaultPrefix ("edge/") when empty.
	Prefix string
	// ClientID is the MQTT client id; empty means "edgectl-" and 12 random
	// hex digits per connection. Two connections with one id evict each
	// other, so a fixed id allows one call at a time.
	ClientID string

	// Username for the broker; empty sends none.
	Username string
	// Password, or PasswordFile: a file whose first line is the password
	// (as the device's mqtt.password_file). At most one of the two.
	Password     string
	PasswordFile string
	// CAFile is a PEM bundle of the CAs that may sign the broker's
	// certificate (TLS brokers); empty uses the system roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key, for
	// brokers that require mutual TLS. Both or neither.
	CertFile, KeyFile string
	// InsecureSkipVerify accepts any broker certificate. THIS IS UNSAFE:
	// anyone on the path can read and forge commands. Tests only.
	InsecureSkipVerify bool

	// ConnectTimeout bounds the connection and each subscribe and publish
	// round trip. DefaultConnectTimeout when 0.
	ConnectTimeout time.Duration
	// Expires sets a command's expires_at to now + Expires; 0 means the
	// wait given to Send; a negative value sends no expires_at.
	Expires time.Duration

	// Logger receives connection events; nil discards.
	Logger *slog.Logger
}

func (c *Console) topics() wire.Topics { return wire.Topics{Prefix: c.Prefix} }

func (c *Console) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

func (c *Console) connectTimeout() time.Duration {
	if c.ConnectTimeout > 0 {
		return c.ConnectTimeout
	}
	return DefaultConnectTimeout
}

func (c *Console) brokers() ([]string, bool, error) {
	b := c.Broker
	if strings.TrimSpace(b) == "" {
		b = DefaultBroker
	}
	var out []string
	anyTLS := false
	for _, s := range strings.Split(b, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil {
			return nil, false, fmt.Errorf("broker %q: %w", s, err)
		}
		switch u.Scheme {
		case "tcp", "mqtt":
		case "ssl", "tls", "mqtts":
			anyTLS = true
		default:
			return nil, false, fmt.Errorf("broker %q: scheme %q is not tcp, ssl, tls or mqtts", s, u.Scheme)
		}
		if u.Host == "" {
			return nil, false, fmt.Errorf("broker %q: no host", s)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, false, errors.New("no broker URL")
	}
	return out, anyTLS, nil
}

// tlsConfig builds the TLS configuration from the CA, client certificate
// and InsecureSkipVerify options.
func (c *Console) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipVerify}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, errors.New("client certificate and key must be given together")
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func (c *Console) password() (string, error) {
	if c.PasswordFile == "" {
		return c.Password, nil
	}
	if c.Password != "" {
		return "", errors.New("both a password and a password file given")
	}
	data, err := os.ReadFile(c.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err)
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	data = bytes.TrimSuffix(data, []byte("\r"))
	if len(data) == 0 {
		return "", fmt.Errorf("password file %s is empty", c.PasswordFile)
	}
	return string(data), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24+)
	return hex.EncodeToString(b)
}

// conn is one connection of a Console call.
type conn struct {
	cl      mqtt.Client
	timeout time.Duration
	id      string
}

// dial connects. onConnect, when not nil, runs after every (re)connection
// on a goroutine of its own; reconnect turns on paho's automatic reconnect;
// lost is told about lost connections.
func (c *Console) dial(ctx context.Context, reconnect bool, onConnect func(mqtt.Client), lost func(error)) (*conn, error) {
	brokers, anyTLS, err := c.brokers()
	if err != nil {
		return nil, err
	}
	if c.PasswordFile != "" && c.Username == "" {
		return nil, errors.New("password file given without a username")
	}
	o := mqtt.NewClientOptions()
	for _, b := range brokers {
		o.AddBroker(b)
	}
	if anyTLS || c.CAFile != "" || c.CertFile != "" || c.KeyFile != "" {
		if !anyTLS {
			return nil, fmt.Errorf("TLS files given but the broker URL %s is not ssl://, tls:// or mqtts://", c.Broker)
		}
		cfg, err := c.tlsConfig()
		if err != nil {
			return nil, err
		}
		o.SetTLSConfig(cfg)
	}
	id := c.ClientID
	if id == "" {
		id = "edgectl-" + randomHex(6)
	}
	o.SetClientID(id)
	if c.Username != "" {
		pw, err := c.password()
		if err != nil {
			return nil, err
		}
		o.SetUsername(c.Username)
		o.SetPassword(pw)
	}
	timeout := c.connectTimeout()
	o.SetCleanSession(true)
	o.SetConnectTimeout(timeout)
	o.SetWriteTimeout(timeout)
	o.SetKeepAlive(30 * time.Second)
	o.SetPingTimeout(timeout)
	o.SetAutoReconnect(reconnect)
	o.SetMaxReconnectInterval(30 * time.Second)
	o.SetConnectRetry(false)
	o.SetOrderMatters(true) // handlers below never block: they hand over and return
	if onConnect != nil {
		o.SetOnConnectHandler(func(cl mqtt.Client) { onConnect(cl) })
	}
	log := c.logger()
	o.SetConnectionLostHandler(func(_ mqtt.Client, err error) {
		log.Warn("fleet console: connection lost", "err", err)
		if lost != nil {
			lost(err)
		}
	})
	cl := mqtt.NewClient(o)
	if err := await(ctx, cl.Connect(), timeout); err != nil {
		cl.Disconnect(0)
		return nil, fmt.Errorf("connect to %s: %w", strings.Join(brokers, ","), err)
	}
	log.Debug("fleet console: connected", "broker", strings.Join(brokers, ","), "client_id", id)
	return &conn{cl: cl, timeout: timeout, id: id}, nil
}

func (k *conn) close() { k.cl.Disconnect(250) }

// subscribe subscribes filters with handler and checks the broker granted
// every one.
func (k *conn) subscribe(ctx context.Context, filters map[string]byte, handler mqtt.MessageHandler) error {
	tok := k.cl.SubscribeMultiple(filters, handler)
	if err := await(ctx, tok, k.timeout); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	return checkGranted(tok)
}

func checkGranted(tok mqtt.Token) error {
	st, ok := tok.(*mqtt.SubscribeToken)
	if !ok {
		return nil
	}
	for topic, qos := range st.Result() {
		if qos == 0x80 {
			return fmt.Errorf("subscribe %s: refused by the broker (not authorised?)", topic)
		}
	}
	return nil
}

// publish publishes and waits for the broker's acknowledgement (QoS 1).
func (k *conn) publish(ctx context.Context, topic string, qos byte, payload []byte) error {
	if err := await(ctx, k.cl.Publish(topic, qos, false, payload), k.timeout); err != nil {
		return fmt.Errorf("publish to %s: %w", topic, err)
	}
	return nil
}

// await waits for tok, ctx or the timeout.
func await(ctx context.Context, tok mqtt.Token, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("no answer from the broker within %s", timeout)
	}
}
