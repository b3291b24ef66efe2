package sensor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// maxPayload bounds an MQTT sensor message.
const maxPayload = 64 << 10

// parsePayload decodes an MQTT sensor message: a JSON object
// {"values": [numbers], "ts": "RFC 3339 time"} (ts optional, other keys
// ignored), a JSON array of numbers, or a bare JSON number. It must hold
// exactly channels values, each within the float32 range. ts is zero when
// the message carries none.
func parsePayload(data []byte, channels int) (vals []float32, ts time.Time, err error) {
	if len(data) > maxPayload {
		return nil, time.Time{}, fmt.Errorf("payload of %d bytes: at most %d", len(data), maxPayload)
	}
	b := bytes.TrimSpace(data)
	if len(b) == 0 {
		return nil, time.Time{}, errors.New("empty payload")
	}
	var nums []*float64
	switch b[0] {
	case '{':
		var obj struct {
			Values *[]*float64 `json:"values"`
			TS     *string     `json:"ts"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, time.Time{}, fmt.Errorf("bad JSON object: %w", err)
		}
		if obj.Values == nil {
			return nil, time.Time{}, errors.New(`the object has no "values"`)
		}
		nums = *obj.Values
		if obj.TS != nil {
			if ts, err = time.Parse(time.RFC3339Nano, *obj.TS); err != nil {
				return nil, time.Time{}, fmt.Errorf("ts %q is not an RFC 3339 time", *obj.TS)
			}
		}
	case '[':
		if err := json.Unmarshal(b, &nums); err != nil {
			return nil, time.Time{}, fmt.Errorf("bad JSON array: %w", err)
		}
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, time.Time{}, fmt.Errorf("not a number, array or object: %.40q", b)
		}
		nums = []*float64{&v}
	}
	if len(nums) != channels {
		return nil, time.Time{}, fmt.Errorf("%d values, want %d", len(nums), channels)
	}
	vals = make([]float32, len(nums))
	for i, p := range nums {
		if p == nil {
			return nil, time.Time{}, fmt.Errorf("value %d is null", i)
		}
		if math.Abs(*p) > math.MaxFloat32 {
			return nil, time.Time{}, fmt.Errorf("value %d (%g) is out of the float32 range", i, *p)
		}
		vals[i] = float32(*p)
	}
	return vals, ts, nil
}
