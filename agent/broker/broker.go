// Package broker runs the embedded MQTT broker (mochi-mqtt) that
// `mqtt.broker: embedded` asks for: a demo or a single device can then show
// its predictions live with `edgectl fleet watch` or `mosquitto_sub`
// without installing a broker. It is a convenience, not a production
// broker: it listens on loopback by default, allows every client, and keeps
// nothing across restarts.
package broker

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Broker is a running embedded broker.
type Broker struct {
	srv  *mochi.Server
	addr string
}

// Start listens on addr ("127.0.0.1:1883"; port 0 picks a free one) and
// serves until Close.
func Start(addr string, logger *slog.Logger) (*Broker, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("embedded broker address %q: %w", addr, err)
	}
	// Bind first ourselves, so a port in use is a clear error now rather
	// than a log line from the broker's goroutine.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	bound := ln.Addr().String()
	ln.Close()
	// The broker logs every client's coming and going, and an empty
	// warning for each connection closed at shutdown: only its errors
	// go to the agent's log.
	quiet := slog.New(errorsOnly{logger.Handler()}).With("component", "embedded-broker")
	srv := mochi.New(&mochi.Options{InlineClient: false, Logger: quiet})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: "tcp", Address: bound})); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("embedded broker on %s: %w", bound, err)
	}
	if host != "127.0.0.1" && host != "::1" && host != "localhost" {
		logger.Warn("embedded broker listens beyond loopback and allows every client", "addr", bound)
	}
	return &Broker{srv: srv, addr: bound}, nil
}

// Addr returns the address the broker listens on.
func (b *Broker) Addr() string { return b.addr }

// URL returns the broker's URL for clients, tcp://ADDR.
func (b *Broker) URL() string { return "tcp://" + b.addr }

// Close stops the broker.
func (b *Broker) Close() error {
	return b.srv.Close()
}

// errorsOnly passes on records at error level and above.
type errorsOnly struct{ slog.Handler }

func (h errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && h.Handler.Enabled(ctx, l)
}

func (h errorsOnly) WithAttrs(a []slog.Attr) slog.Handler { return errorsOnly{h.Handler.WithAttrs(a)} }

func (h errorsOnly) WithGroup(g string) slog.Handler { return errorsOnly{h.Handler.WithGroup(g)} }
