package uplink

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// MetricsClass is the record class sent as one wire.Metrics message per
// record; every other class is sent as wire.Batch messages.
const MetricsClass = "metrics"

// message is one MQTT message carrying records first..last of a class.
type message struct {
	class       string
	payload     []byte
	first, last uint64
	records     int
	jsonBytes   int // before compression
	malformed   int // records sent in the malformed form
}

// encoder builds record messages.
type encoder struct {
	device   []byte // JSON string of the device id
	maxBytes int
	maxRecs  int
	gzip     bool
}

func newEncoder(o Options) *encoder {
	dev, _ := json.Marshal(o.DeviceID)
	return &encoder{device: dev, maxBytes: o.BatchMaxBytes, maxRecs: o.BatchMaxRecords, gzip: o.Gzip}
}

// build makes one message of class from a prefix of recs (at least one
// record; recs is not empty and in seq order).
func (e *encoder) build(class string, recs []outbox.Record) message {
	var m message
	if class == MetricsClass {
		m = e.metrics(recs[0])
	} else {
		m = e.batch(class, recs)
	}
	m.class = class
	m.jsonBytes = len(m.payload)
	if e.gzip {
		if z := gzipBytes(m.payload); len(z) < len(m.payload) {
			m.payload = z
		}
	}
	return m
}

// batch encodes a wire.Batch: {"device":ID,"records":[{"seq":N,...},...]}.
// It adds records while the message stays within maxBytes and maxRecs.
func (e *encoder) batch(class string, recs []outbox.Record) message {
	var b bytes.Buffer
	b.WriteString(`{"device":`)
	b.Write(e.device)
	b.WriteString(`,"records":[`)
	m := message{first: recs[0].Seq}
	for i, r := range recs {
		if i >= e.maxRecs {
			break
		}
		item, ok := recordJSON(r.Seq, r.Payload)
		if i > 0 && b.Len()+1+len(item)+2 > e.maxBytes {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(item)
		m.last = r.Seq
		m.records++
		if !ok {
			m.malformed++
		}
	}
	b.WriteString(`]}`)
	m.payload = b.Bytes()
	return m
}

// recordJSON returns the record as a JSON object with "seq" first
// (wire.WithSeq); a "seq" member of the payload itself is left out, so
// that the record's seq is the only one. A payload that is not a JSON
// object cannot be sent as it is without spoiling the whole batch for the
// consumer, nor dropped without leaving a gap; it goes as
// {"seq":N,"malformed":true,"raw":BASE64} and ok is false.
func recordJSON(seq uint64, payload []byte) (item []byte, ok bool) {
	if isObject(payload) {
		if bytes.Contains(payload, []byte(`"seq"`)) || bytes.Contains(payload, []byte(`\u`)) {
			payload = withoutSeq(payload)
		}
		if out, err := wire.WithSeq(seq, payload); err == nil {
			return out, true
		}
	}
	return malformedJSON(seq, payload), false
}

// withoutSeq returns the JSON object p without its top-level "seq"
// members (the slow path, for payloads that may have one).
func withoutSeq(p []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(p))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return p
	}
	out := []byte{'{'}
	found := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return p
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return p
		}
		if key == "seq" {
			found = true
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(key)
		out = append(out, k...)
		out = append(out, ':')
		out = append(out, v...)
	}
	if !found {
		return p
	}
	return append(out, '}')
}

func malformedJSON(seq uint64, payload []byte) []byte {
	out := []byte(`{"seq":`)
	out = strconv.AppendUint(out, seq, 10)
	out = append(out, `,"malformed":true,"raw":"`...)
	out = base64.StdEncoding.AppendEncode(out, payload)
	return append(out, `"}`...)
}

// isObject reports whether p is valid JSON whose value is an object.
func isObject(p []byte) bool {
	p = bytes.TrimSpace(p)
	return len(p) >= 2 && p[0] == '{' && json.Valid(p)
}

// metricsMessage is wire.Metrics with the metrics kept as raw JSON (no
// float round trip) and room for a malformed record.
type metricsMessage struct {
	Device    string          `json:"device"`
	Seq       uint64          `json:"seq"`
	TS        time.Time       `json:"ts"`
	Metrics   json.RawMessage `json:"metrics"`
	Malformed string          `json:"malformed,omitempty"`
}

// metrics encodes one record as a wire.Metrics message. The record's
// payload is a JSON object: a wire.Metrics ({"ts":..., "metrics":{...}};
// its device and seq are replaced, its ts kept) or, without a "metrics"
// object, the metrics themselves, stamped with the record's time. Anything
// else goes with empty metrics and the payload in base64 under
// "malformed".
func (e *encoder) metrics(r outbox.Record) message {
	mm := metricsMessage{Seq: r.Seq, TS: r.Time.UTC(), Metrics: json.RawMessage(`{}`)}
	_ = json.Unmarshal(e.device, &mm.Device)
	ok := isObject(r.Payload)
	if ok {
		var in struct {
			TS      *time.Time      `json:"ts"`
			Metrics json.RawMessage `json:"metrics"`
		}
		if err := json.Unmarshal(r.Payload, &in); err == nil && isObject(in.Metrics) {
			mm.Metrics = in.Metrics
			if in.TS != nil && !in.TS.IsZero() {
				mm.TS = *in.TS
			}
		} else {
			mm.Metrics = r.Payload
		}
	} else {
		mm.Malformed = base64.StdEncoding.EncodeToString(r.Payload)
	}
	out, err := json.Marshal(mm)
	if err != nil { // cannot happen: every part was checked
		mm.Metrics = json.RawMessage(`{}`)
		mm.Malformed = base64.StdEncoding.EncodeToString(r.Payload)
		out, _ = json.Marshal(mm)
		ok = false
	}
	m := message{payload: out, first: r.Seq, last: r.Seq, records: 1}
	if !ok {
		m.malformed = 1
	}
	return m
}

var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

func gzipBytes(p []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(p)/3 + 64)
	z := gzipPool.Get().(*gzip.Writer)
	z.Reset(&b)
	_, _ = z.Write(p) // writes to a bytes.Buffer do not fail
	_ = z.Close()
	gzipPool.Put(z)
	return b.Bytes()
}

// IsGzip reports whether a record message payload is gzip-compressed
// (Options.Gzip): it starts with gzip's magic bytes 0x1f 0x8b, which a JSON
// text never does.
func IsGzip(payload []byte) bool {
	return len(payload) >= 2 && payload[0] == 0x1f && payload[1] == 0x8b
}

// ErrTooLarge is returned by Decode for a payload that expands past its
// limit.
var ErrTooLarge = errors.New("decompressed message larger than the limit")

// Decode returns the JSON of a record message from edge/{id}/predictions,
// alerts or metrics: the payload itself, or its decompressed form when it
// is gzip (IsGzip). max bounds the decompressed size (a gzip bomb gets
// ErrTooLarge); 0 means 64 MiB. Consumers such as the fleet console call it
// on every message of those topics.
func Decode(payload []byte, max int64) ([]byte, error) {
	if !IsGzip(payload) {
		return payload, nil
	}
	if max <= 0 {
		max = 64 << 20
	}
	z, err := gzip.NewReader(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("decode gzip message: %w", err)
	}
	defer z.Close()
	out, err := io.ReadAll(io.LimitReader(z, max+1))
	if err != nil {
		return nil, fmt.Errorf("decode gzip message: %w", err)
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("decode gzip message: %w (%d bytes)", ErrTooLarge, max)
	}
	return out, nil
}
