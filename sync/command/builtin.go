package command

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// PingResult is what [Ping] answers.
type PingResult struct {
	Pong bool      `json:"pong"`
	TS   time.Time `json:"ts"`
}

// Ping returns the ping handler: it answers {"pong": true, "ts": now}. now
// is the clock; nil means time.Now.
func Ping(now func() time.Time) Handler {
	if now == nil {
		now = time.Now
	}
	return func(context.Context, json.RawMessage) (any, error) {
		return PingResult{Pong: true, TS: now().UTC()}, nil
	}
}

// Value returns a handler that answers what fn returns; it takes no args.
func Value[T any](fn func(ctx context.Context) (T, error)) Handler {
	return func(ctx context.Context, _ json.RawMessage) (any, error) {
		return fn(ctx)
	}
}

// Status returns the status handler: it answers the device's current status.
func Status(fn func() wire.Status) Handler {
	return Value(func(context.Context) (wire.Status, error) { return fn(), nil })
}

// Probe returns the probe handler: it answers the hardware profile (as
// `edge-agent probe --json`), which fn may compute afresh under ctx.
func Probe(fn func(ctx context.Context) (any, error)) Handler { return Value(fn) }

// BufferStats returns the buffer.stats handler: it answers the outbox
// statistics (an outbox.Stats; generic so that this package does not depend
// on the outbox's).
func BufferStats[S any](fn func() S) Handler {
	return Value(func(context.Context) (S, error) { return fn(), nil })
}

// DecodeArgs decodes a command's args into v, refusing unknown fields and
// trailing data. Errors are *wire.Error with wire.CodeBadRequest, so a
// handler can return them as they are. Absent args decode as {}.
func DecodeArgs(args json.RawMessage, v any) error {
	if len(bytes.TrimSpace(args)) == 0 {
		args = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &wire.Error{Code: wire.CodeBadRequest, Message: fmt.Sprintf("bad args: %v", err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &wire.Error{Code: wire.CodeBadRequest, Message: "bad args: trailing data after the object"}
	}
	return nil
}
