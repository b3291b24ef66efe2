package command

import (
	"context"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edge-agent/edge-agent/sync/wire"
)

var decodeSeeds = []string{
	`{"id":"a","name":"ping"}`,
	`{"id":"a","name":"ping","args":{"x":1},"expires_at":"2030-01-01T00:00:00Z"}`,
	`{"id":"a","name":"ping","args":null,"expires_at":null}`,
	`{"id":"a","name":"ping","args":[]}`,
	`{"id":"a","name":"ping","expires_at":"soon"}`,
	`{"id":1,"name":"ping"}`,
	`{"id":"a"}`,
	`{"name":"ping"}`,
	`{"id":"a","name":"ping"}{}`,
	`{"id":"\u0000","name":"\ud800"}`,
	`null`, `[]`, `""`, `1e999`, `{`, "\xff\xfe", ``,
	`{"id":"a","id":"b","name":"ping"}`,
}

func TestDecode(t *testing.T) {
	cmd, err := Decode([]byte(`{"id":"a1","name":"model.activate","args":{"name":"m","version":2},"expires_at":"2030-01-02T03:04:05Z","extra":true}`))
	if err != nil || cmd.ID != "a1" || cmd.Name != "model.activate" || string(cmd.Args) != `{"name":"m","version":2}` ||
		cmd.ExpiresAt == nil || !cmd.ExpiresAt.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("Decode: %+v %v", cmd, err)
	}
	for _, s := range decodeSeeds[3:] {
		if _, err := Decode([]byte(s)); err == nil && s != `{"id":"a","id":"b","name":"ping"}` && s != `{"id":"\u0000","name":"\ud800"}` {
			t.Errorf("Decode(%q) accepted", s)
		}
	}
}

// FuzzDecode: no payload panics Decode; an accepted command satisfies the
// documented rules; a refusal is a bad_request with a message.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		cmd, werr := Decode(payload)
		if werr != nil {
			if werr.Code != wire.CodeBadRequest || werr.Message == "" {
				t.Fatalf("refusal %+v", werr)
			}
			if len(cmd.ID) > MaxIDLen {
				t.Fatalf("refusal carries an id of %d bytes", len(cmd.ID))
			}
			return
		}
		if cmd.ID == "" || len(cmd.ID) > MaxIDLen || cmd.Name == "" || len(cmd.Name) > MaxNameLen || !utf8.ValidString(cmd.ID) {
			t.Fatalf("accepted %+v", cmd)
		}
		if cmd.Args != nil {
			var m map[string]any
			if err := json.Unmarshal(cmd.Args, &m); err != nil {
				t.Fatalf("accepted args %q: %v", cmd.Args, err)
			}
		}
		// What the console would send back decodes the same.
		b, err := json.Marshal(cmd)
		if err != nil {
			t.Fatal(err)
		}
		again, werr := Decode(b)
		if werr != nil || again.ID != cmd.ID || again.Name != cmd.Name {
			t.Fatalf("round trip of %s: %+v %v", b, again, werr)
		}
	})
}

// FuzzSubmit: every payload handed to a running Dispatcher is answered
// exactly once (the fuzz queue never fills: inputs are submitted one at a
// time), whatever it holds, and the dispatcher keeps running.
func FuzzSubmit(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"id":"p","name":"panic"}`))
	f.Add([]byte(`{"id":"e","name":"echo","args":{"a":[1,2,{"b":null}]}}`))
	responses := make(chan wire.Response, 16)
	reg := NewRegistry()
	reg.Register(NamePing, Ping(nil))
	reg.Register("panic", func(context.Context, json.RawMessage) (any, error) { panic("fuzz") })
	reg.Register("echo", func(_ context.Context, args json.RawMessage) (any, error) { return args, nil })
	d, err := NewDispatcher(Options{Device: "fuzz", Registry: reg, Queue: 4, MaxPayload: 1 << 16,
		Respond: func(r wire.Response) { responses <- r }})
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	f.Cleanup(func() {
		cancel()
		<-done
	})
	f.Fuzz(func(t *testing.T, payload []byte) {
		d.Submit("edge/fuzz/cmd", payload)
		select {
		case r := <-responses:
			if r.Device != "fuzz" || (!r.OK && (r.Error == nil || r.Error.Code == "")) {
				t.Fatalf("response %+v", r)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("response does not encode: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no response to %q", payload)
		}
		select {
		case r := <-responses:
			t.Fatalf("a second response %+v", r)
		default:
		}
	})
}
