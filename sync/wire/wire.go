// Package wire holds what edge-agent devices and the fleet console exchange
// over MQTT: topic names and payload types (../shared/SPEC.md, "MQTT").
//
//	edge/{id}/status          up    retained  Status; "offline" is the last will
//	edge/{id}/hardware        up    retained  the hardware profile (hwprobe.Profile)
//	edge/{id}/predictions     up              Batch of prediction records
//	edge/{id}/metrics         up              Metrics
//	edge/{id}/alerts          up              Batch of alert records (an addition to SPEC.md)
//	edge/{id}/cmd             down            Command
//	edge/group/{g}/cmd        down            Command
//	edge/all/cmd              down            Command
//	edge/{id}/cmd/response    up              Response
//	edge/{id}/cmd/progress    up              Progress of a running command (QoS 0, an addition to SPEC.md)
//
// The prefix ("edge/") is configurable.
package wire

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// DefaultPrefix is the topic prefix.
const DefaultPrefix = "edge/"

// Topics builds topic names under a prefix.
type Topics struct {
	Prefix string // ends with "/"; DefaultPrefix when empty
}

func (t Topics) p() string {
	if t.Prefix == "" {
		return DefaultPrefix
	}
	if !strings.HasSuffix(t.Prefix, "/") {
		return t.Prefix + "/"
	}
	return t.Prefix
}

// Status returns edge/{id}/status.
func (t Topics) Status(id string) string { return t.p() + id + "/status" }

// Hardware returns edge/{id}/hardware.
func (t Topics) Hardware(id string) string { return t.p() + id + "/hardware" }

// Stream returns the topic of a record class: edge/{id}/predictions,
// edge/{id}/metrics, edge/{id}/alerts.
func (t Topics) Stream(id, class string) string { return t.p() + id + "/" + class }

// Command returns edge/{id}/cmd.
func (t Topics) Command(id string) string { return t.p() + id + "/cmd" }

// GroupCommand returns edge/group/{g}/cmd.
func (t Topics) GroupCommand(group string) string { return t.p() + "group/" + group + "/cmd" }

// AllCommand returns edge/all/cmd.
func (t Topics) AllCommand() string { return t.p() + "all/cmd" }

// Response returns edge/{id}/cmd/response.
func (t Topics) Response(id string) string { return t.p() + id + "/cmd/response" }

// Progress returns edge/{id}/cmd/progress, where a device reports how a
// long-running command advances. Reports are QoS 0, not retained and
// best-effort; the command's one Response on Response(id) still ends it.
func (t Topics) Progress(id string) string { return t.p() + id + "/cmd/progress" }

// Wildcard returns edge/+/SUFFIX, e.g. Wildcard("status").
func (t Topics) Wildcard(suffix string) string { return t.p() + "+/" + suffix }

// DeviceOf returns the device id of a device topic (edge/{id}/...), or "".
func (t Topics) DeviceOf(topic string) string {
	rest, ok := strings.CutPrefix(topic, t.p())
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if id == "group" || id == "all" {
		return ""
	}
	return id
}

// ValidID reports whether s may be a device id or group name: non-empty,
// at most 128 bytes, no MQTT wildcard or separator characters.
func ValidID(s string) bool {
	return s != "" && len(s) <= 128 && !strings.ContainsAny(s, "/+#\x00") && s != "group" && s != "all"
}

// Model names a model and its version.
type Model struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
	SHA256  string `json:"sha256"`
}

// Status is the retained status of a device.
type Status struct {
	State        string   `json:"state"` // "online" or "offline"
	AgentVersion string   `json:"agent_version,omitempty"`
	Models       []Model  `json:"models"`
	Groups       []string `json:"groups,omitempty"` // so the console knows who a group command reaches
	// Buffer summarises the outbox when the status was made (an addition
	// to SPEC.md): what waits, and every record dropped so far.
	Buffer *Buffer   `json:"buffer,omitempty"`
	TS     time.Time `json:"ts"`
}

// Buffer summarises a device's outbox.
type Buffer struct {
	Records int    `json:"records"`
	Bytes   int64  `json:"bytes"`
	Dropped uint64 `json:"dropped"`
}

// Batch is the payload of edge/{id}/predictions (and alerts): records,
// each a JSON object with its "seq" first.
type Batch struct {
	Device  string            `json:"device"`
	Records []json.RawMessage `json:"records"`
}

// Prediction is a prediction record (SPEC.md).
type Prediction struct {
	Seq       uint64          `json:"seq"`
	TS        time.Time       `json:"ts"`
	Pipeline  string          `json:"pipeline"`
	Model     Model           `json:"model"`
	LatencyUS int64           `json:"latency_us"`
	Output    json.RawMessage `json:"output,omitempty"`
	Top       []Label         `json:"top,omitempty"`
}

// Label is one class score.
type Label struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// Metrics is the payload of edge/{id}/metrics. Seq numbers the device's
// metrics records (an addition to SPEC.md, so that gaps show).
type Metrics struct {
	Device  string         `json:"device"`
	Seq     uint64         `json:"seq,omitempty"`
	TS      time.Time      `json:"ts"`
	Metrics map[string]any `json:"metrics"`
}

// Command is a command from the fleet console.
type Command struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Args      json.RawMessage `json:"args,omitempty"`
	ExpiresAt *time.Time      `json:"expires_at,omitempty"`
}

// Response answers a command.
type Response struct {
	ID     string          `json:"id"`
	Device string          `json:"device,omitempty"` // an addition to SPEC.md: who answered
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Progress reports how a running command advances (ota.apply's download,
// say). A command may send any number of them before its Response, none
// after; they are best-effort (QoS 0), so a console must not count on
// seeing every one, and the Response alone says how the command ended.
type Progress struct {
	ID     string    `json:"id"`     // the command's id
	Device string    `json:"device"` // who reports
	TS     time.Time `json:"ts"`
	// Stage names the step under way: "download", "verify", "install",
	// "activate", or any other word the handler chooses.
	Stage string `json:"stage"`
	// Done and Total count the stage's work, in bytes or steps; Total is 0
	// when unknown.
	Done  int64 `json:"done,omitempty"`
	Total int64 `json:"total,omitempty"`
	// Message is an optional line for a person.
	Message string `json:"message,omitempty"`
}

// Error is a failed command's error.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Error codes of responses.
const (
	CodeBadRequest = "bad_request"     // malformed JSON, missing id or name, bad args
	CodeUnknown    = "unknown_command" // no handler for the name
	CodeExpired    = "expired"         // expires_at is in the past
	CodeFailed     = "failed"          // the handler returned an error
	CodeTimeout    = "timeout"         // the handler did not finish in time
	CodeBusy       = "busy"            // too many commands waiting
)

// WithSeq returns the JSON object payload with "seq": n added as its first
// member. payload must be a JSON object. A member of payload whose name a
// JSON decoder would take for seq (any case, Unicode folding or escapes
// included: "Seq", "\u0073eq", "ſeq") is dropped, so that every consumer
// reads n.
func WithSeq(n uint64, payload []byte) ([]byte, error) {
	p := strings.TrimSpace(string(payload))
	if !strings.HasPrefix(p, "{") || !strings.HasSuffix(p, "}") {
		return nil, fmt.Errorf("record payload is not a JSON object")
	}
	if mayNameSeq(p) {
		return withSeqParsed(n, p)
	}
	inner := strings.TrimSpace(p[1 : len(p)-1])
	if inner == "" {
		return []byte(fmt.Sprintf(`{"seq":%d}`, n)), nil
	}
	return []byte(fmt.Sprintf(`{"seq":%d,%s}`, n, inner)), nil
}

// mayNameSeq reports whether p might hold a member named like seq: it
// holds an escape, a non-ASCII byte, or "seq" in any case.
func mayNameSeq(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' || p[i] >= 0x80 {
			return true
		}
	}
	return strings.Contains(strings.ToLower(p), "seq")
}

// withSeqParsed rebuilds the object member by member, without any member
// that decodes as seq.
func withSeqParsed(n uint64, p string) ([]byte, error) {
	dec := json.NewDecoder(strings.NewReader(p))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("record payload is not a JSON object")
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"seq":%d`, n)
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("record payload: %w", err)
		}
		key, ok := kt.(string)
		if !ok {
			return nil, fmt.Errorf("record payload is not a JSON object")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("record payload: %w", err)
		}
		if strings.EqualFold(key, "seq") {
			continue
		}
		kb, err := json.Marshal(key)
		if err != nil {
			return nil, fmt.Errorf("record payload: %w", err)
		}
		b.WriteByte(',')
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, fmt.Errorf("record payload is not a JSON object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("record payload has data after its object")
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
