package wire

import (
	"encoding/json"
	"testing"
	"time"
)

func TestProgressTopic(t *testing.T) {
	for _, c := range []struct {
		prefix, want string
	}{
		{"", "edge/dev-1/cmd/progress"},
		{"fleet/", "fleet/dev-1/cmd/progress"},
		{"fleet", "fleet/dev-1/cmd/progress"},
	} {
		tp := Topics{Prefix: c.prefix}
		got := tp.Progress("dev-1")
		if got != c.want {
			t.Errorf("Progress with prefix %q = %q, want %q", c.prefix, got, c.want)
		}
		if id := tp.DeviceOf(got); id != "dev-1" {
			t.Errorf("DeviceOf(%q) = %q", got, id)
		}
		if got == tp.Response("dev-1") || got == tp.Command("dev-1") {
			t.Errorf("progress topic %q collides with the response or command topic", got)
		}
	}
	if w := (Topics{}).Wildcard("cmd/progress"); w != "edge/+/cmd/progress" {
		t.Errorf("wildcard %q", w)
	}
}

func TestProgressJSON(t *testing.T) {
	ts := time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC)
	full := Progress{ID: "c1", Device: "d", TS: ts, Stage: "download", Done: 3 << 20, Total: 4 << 20, Message: "from cache"}
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"c1","device":"d","ts":"2026-11-26T12:00:00.123456789Z","stage":"download","done":3145728,"total":4194304,"message":"from cache"}`
	if string(b) != want {
		t.Errorf("encoded\n%s\nwant\n%s", b, want)
	}
	var back Progress
	if err := json.Unmarshal(b, &back); err != nil || back != full {
		t.Errorf("round trip %+v (%v), want %+v", back, err, full)
	}
	// A stage without counts leaves them out.
	b, err = json.Marshal(Progress{ID: "c1", Device: "d", TS: ts, Stage: "verify"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"c1","device":"d","ts":"2026-11-26T12:00:00.123456789Z","stage":"verify"}`; string(b) != want {
		t.Errorf("encoded %s, want %s", b, want)
	}
}
