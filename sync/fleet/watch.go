package fleet

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// Event kinds.
const (
	KindStatus     = "status"     // Status is set
	KindHardware   = "hardware"   // Hardware (summary) and Profile are set
	KindPrediction = "prediction" // one record of edge/{id}/predictions: Seq, Record, Prediction
	KindAlert      = "alert"      // one record of edge/{id}/alerts: Seq, Record
	KindMetrics    = "metrics"    // Seq, Metrics
	KindResponse   = "response"   // Response
	KindProgress   = "progress"   // Progress: a running command's progress report
	KindInvalid    = "invalid"    // a message that does not decode: Error says why
	KindConnection = "connection" // the connection was lost (Error) or is back
	KindDropped    = "dropped"    // Dropped events were lost because the callback was slow
)

// Event is one thing a device published (or a note about the watch).
type Event struct {
	Kind     string    `json:"kind"`
	Device   string    `json:"device,omitempty"`
	Topic    string    `json:"topic,omitempty"`
	Received time.Time `json:"received"`
	// Retained marks a retained message delivered at subscription.
	Retained bool `json:"retained,omitempty"`
	// Seq is the record's seq (predictions, alerts, metrics).
	Seq uint64 `json:"seq,omitempty"`
	// Record is the record as sent (predictions, alerts). Prediction is
	// its decoding when it decodes as one.
	Record     json.RawMessage  `json:"record,omitempty"`
	Prediction *wire.Prediction `json:"-"`
	// Malformed marks a record the device could not send as JSON (uplink
	// sends {"seq":N,"malformed":true,"raw":BASE64}).
	Malformed bool            `json:"malformed,omitempty"`
	Status    *wire.Status    `json:"status,omitempty"`
	Hardware  *Hardware       `json:"hardware,omitempty"`
	Profile   json.RawMessage `json:"-"`
	Metrics   *wire.Metrics   `json:"metrics,omitempty"`
	Response  *wire.Response  `json:"response,omitempty"`
	Progress  *wire.Progress  `json:"progress,omitempty"`
	Error     string          `json:"error,omitempty"`
	Dropped   uint64          `json:"dropped,omitempty"`
}

// watchQueue bounds the messages waiting for the callback.
const watchQueue = 4096

// maxDecompressed bounds a gzip message's expansion.
const maxDecompressed = 64 << 20

type received struct {
	topic    string
	payload  []byte
	retained bool
	at       time.Time
	note     *Event // a connection note instead of a message
}

// Watch calls fn for each status, hardware profile, prediction and alert
// record, metrics message, command response and progress report the
// devices publish,
// starting with the retained status and hardware of every device, until
// ctx ends (it then returns nil). fn runs on one goroutine, in the order
// the messages arrived; while it is slow, up to 4096 messages wait, and
// beyond that they are dropped and counted in a KindDropped event. A lost
// connection is announced with a KindConnection event and re-established.
// Watch returns an error when the first connection or subscription fails.
func (c *Console) Watch(ctx context.Context, fn func(Event)) error {
	tp := c.topics()
	filters := map[string]byte{
		tp.Wildcard("status"): 1, tp.Wildcard("hardware"): 1, tp.Wildcard("predictions"): 1,
		tp.Wildcard("alerts"): 1, tp.Wildcard("metrics"): 1, tp.Wildcard("cmd/response"): 1,
		tp.Wildcard("cmd/progress"): 0, // published QoS 0
	}
	queue := make(chan received, watchQueue)
	var dropped atomic.Uint64
	push := func(r received) {
		select {
		case queue <- r:
		default:
			dropped.Add(1)
		}
	}
	handler := func(_ mqtt.Client, m mqtt.Message) {
		push(received{topic: m.Topic(), payload: m.Payload(), retained: m.Retained(), at: time.Now()})
	}
	first := make(chan error, 1)
	connected := atomic.Bool{}
	onConnect := func(cl mqtt.Client) {
		tok := cl.SubscribeMultiple(filters, handler)
		err := await(ctx, tok, c.connectTimeout())
		if err == nil {
			err = checkGranted(tok)
		}
		if err != nil {
			err = fmt.Errorf("subscribe: %w", err)
		}
		if !connected.Swap(true) {
			first <- err
			return
		}
		note := Event{Kind: KindConnection, Received: time.Now()}
		if err != nil {
			note.Error = "reconnected, but " + err.Error()
		}
		push(received{note: &note})
	}
	lost := func(err error) {
		push(received{note: &Event{Kind: KindConnection, Received: time.Now(), Error: "connection lost: " + err.Error()}})
	}
	k, err := c.dial(ctx, true, onConnect, lost)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while connecting
		}
		return err
	}
	defer k.close()
	select {
	case err := <-first:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-queue:
			if n := dropped.Swap(0); n > 0 {
				fn(Event{Kind: KindDropped, Received: time.Now(), Dropped: n})
			}
			if r.note != nil {
				fn(*r.note)
				continue
			}
			for _, e := range decodeMessage(tp, r) {
				fn(e)
			}
		}
	}
}

// decodeMessage turns one message into its events. It never panics on a
// bad payload: what does not decode is a KindInvalid event.
func decodeMessage(tp wire.Topics, r received) []Event {
	id := tp.DeviceOf(r.topic)
	base := Event{Device: id, Topic: r.topic, Received: r.at, Retained: r.retained}
	invalid := func(format string, args ...any) []Event {
		e := base
		e.Kind = KindInvalid
		e.Error = fmt.Sprintf(format, args...)
		return []Event{e}
	}
	switch r.topic {
	case tp.Status(id):
		if len(r.payload) == 0 {
			return invalid("status cleared")
		}
		var st wire.Status
		if err := json.Unmarshal(r.payload, &st); err != nil {
			return invalid("status does not decode: %v", err)
		}
		e := base
		e.Kind, e.Status = KindStatus, &st
		return []Event{e}
	case tp.Hardware(id):
		if len(r.payload) == 0 {
			return invalid("hardware profile cleared")
		}
		e := base
		e.Kind, e.Hardware, e.Profile = KindHardware, summarize(r.payload), r.payload
		return []Event{e}
	case tp.Response(id):
		var resp wire.Response
		if err := json.Unmarshal(r.payload, &resp); err != nil {
			return invalid("response does not decode: %v", err)
		}
		e := base
		e.Kind, e.Response = KindResponse, &resp
		return []Event{e}
	case tp.Progress(id):
		var p wire.Progress
		if err := json.Unmarshal(r.payload, &p); err != nil {
			return invalid("progress report does not decode: %v", err)
		}
		e := base
		e.Kind, e.Progress = KindProgress, &p
		return []Event{e}
	case tp.Stream(id, "metrics"):
		data, err := Decompress(r.payload)
		if err != nil {
			return invalid("%v", err)
		}
		var m wire.Metrics
		if err := json.Unmarshal(data, &m); err != nil {
			return invalid("metrics do not decode: %v", err)
		}
		e := base
		e.Kind, e.Seq, e.Metrics = KindMetrics, m.Seq, &m
		return []Event{e}
	case tp.Stream(id, "predictions"), tp.Stream(id, "alerts"):
		kind := KindPrediction
		if r.topic == tp.Stream(id, "alerts") {
			kind = KindAlert
		}
		data, err := Decompress(r.payload)
		if err != nil {
			return invalid("%v", err)
		}
		var b wire.Batch
		if err := json.Unmarshal(data, &b); err != nil {
			return invalid("batch does not decode: %v", err)
		}
		out := make([]Event, 0, len(b.Records))
		for _, rec := range b.Records {
			e := base
			e.Kind, e.Record = kind, rec
			var head struct {
				Seq       uint64 `json:"seq"`
				Malformed bool   `json:"malformed"`
			}
			if err := json.Unmarshal(rec, &head); err != nil {
				e.Kind, e.Error = KindInvalid, fmt.Sprintf("record does not decode: %v", err)
				out = append(out, e)
				continue
			}
			e.Seq, e.Malformed = head.Seq, head.Malformed
			if kind == KindPrediction && !head.Malformed {
				var p wire.Prediction
				if json.Unmarshal(rec, &p) == nil {
					e.Prediction = &p
				}
			}
			out = append(out, e)
		}
		return out
	}
	return invalid("unexpected topic")
}

// ErrTooLarge is returned by Decompress for a message that expands past
// 64 MiB.
var ErrTooLarge = errors.New("decompressed message larger than 64 MiB")

// Decompress returns the JSON of a record message (predictions, alerts,
// metrics): the payload itself, or its expansion when it starts with gzip's
// magic bytes 0x1f 0x8b (the uplink's Gzip option; JSON never starts so).
func Decompress(payload []byte) ([]byte, error) { return decompress(payload, maxDecompressed) }

func decompress(payload []byte, max int) ([]byte, error) {
	if len(payload) < 2 || payload[0] != 0x1f || payload[1] != 0x8b {
		return payload, nil
	}
	z, err := gzip.NewReader(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("gzip message: %w", err)
	}
	defer z.Close()
	out, err := io.ReadAll(io.LimitReader(z, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("gzip message: %w", err)
	}
	if len(out) > max {
		return nil, ErrTooLarge
	}
	return out, nil
}
