package fleet

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// FuzzDecodeMessage: no payload on any watched topic panics the watch's
// decoder, every message gives at least one event, and every event encodes
// as JSON (fleet watch --json prints it).
func FuzzDecodeMessage(f *testing.F) {
	suffixes := []string{"status", "hardware", "predictions", "alerts", "metrics", "cmd/response", "cmd/progress", "other"}
	for i, s := range []string{
		`{"state":"online","agent_version":"1","models":[{"name":"m","version":1,"sha256":"x"}],"ts":"2026-01-01T00:00:00Z"}`,
		profileSeed,
		`{"device":"d","records":[{"seq":1,"ts":"2026-01-01T00:00:00Z","top":[{"label":"a","score":1}]},{"seq":2,"malformed":true,"raw":"AA=="}]}`,
		`{"device":"d","records":[1,"x",null,{}]}`,
		`{"device":"d","seq":3,"ts":"2026-01-01T00:00:00Z","metrics":{"a":1,"b":[1,2]}}`,
		`{"id":"x","ok":false,"error":{"code":"failed","message":"m"}}`,
		`{"id":"x","device":"dev","ts":"2026-01-01T00:00:00Z","stage":"download","done":1,"total":2}`,
		"\x1f\x8b\x08\x00garbage", ``, `null`, `{"records":{}}`,
	} {
		f.Add(uint8(i), []byte(s))
	}
	tp := wire.Topics{}
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		topic := tp.Stream("dev", suffixes[int(which)%len(suffixes)])
		events := decodeMessage(tp, received{topic: topic, payload: payload, at: time.Now()})
		if len(events) == 0 {
			var b wire.Batch
			if json.Unmarshal(mustDecompress(payload), &b) == nil && len(b.Records) == 0 {
				return // an empty batch has no records to show
			}
			t.Fatalf("no event for %q on %s", payload, topic)
		}
		for _, e := range events {
			if e.Kind == "" || e.Device != "dev" {
				t.Fatalf("event %+v", e)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatalf("event %+v does not encode: %v", e, err)
			}
		}
	})
}

func mustDecompress(p []byte) []byte {
	out, err := Decompress(p)
	if err != nil {
		return nil
	}
	return out
}

const profileSeed = `{"arch":"arm64","cpu":{"usable":4},"memory":{"total_bytes":1},"gpus":[{"kind":"gpu","name":"x"}],"npus":null}`
