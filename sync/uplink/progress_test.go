package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// TestPublishProgress: reports go out QoS 0, not retained, on
// edge/{id}/cmd/progress with the device filled in, in order and ahead of
// the response that follows them; without a connection PublishProgress
// fails at once with ErrNotConnected.
func TestPublishProgress(t *testing.T) {
	b := mqtttest.Start(t)
	q := newQueue(t)
	o := testOptions(t, b.URL)

	idle, err := New(q, o) // never run: never connected
	if err != nil {
		t.Fatal(err)
	}
	if err := idle.PublishProgress(wire.Progress{ID: "c0", Stage: "download"}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("PublishProgress unconnected: %v, want ErrNotConnected", err)
	}
	idle.Close()

	sub := subscribe(t, b.URL, topics.Progress(device), topics.Response(device))
	u := startUplink(t, q, o)
	// Connected comes before the announce: wait until the broker acknowledged
	// the online status, so that it is not counted among the reports below
	// (it was, once, on a slow qemu run).
	waitFor(t, "the announce", func() bool { s := u.Stats(); return s.Connected && s.MessagesAcked >= 1 })
	sent := []wire.Progress{
		{ID: "c1", Stage: "download", Done: 1 << 20, Total: 4 << 20},
		{ID: "c1", Stage: "download", Done: 4 << 20, Total: 4 << 20},
		{ID: "c1", Device: "named", Stage: "verify", Message: "signature ok"},
	}
	before := u.Stats().MessagesSent
	for _, p := range sent {
		if err := u.PublishProgress(p); err != nil {
			t.Fatalf("PublishProgress: %v", err)
		}
	}
	if got := u.Stats().MessagesSent - before; got != uint64(len(sent)) {
		t.Errorf("messages sent %d, want %d", got, len(sent))
	}
	if err := u.Respond(context.Background(), wire.Response{ID: "c1", OK: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reports and the response", func() bool { return len(sub.messages("")) >= len(sent)+1 })
	msgs := sub.messages("")
	if len(msgs) != len(sent)+1 {
		t.Fatalf("%d messages, want %d", len(msgs), len(sent)+1)
	}
	for i, want := range sent {
		m := msgs[i]
		if m.topic != "edge/"+device+"/cmd/progress" || m.retain || m.qos != 0 {
			t.Errorf("report %d on %s, retained %v, QoS %d; want %s, not retained, QoS 0", i, m.topic, m.retain, m.qos, topics.Progress(device))
		}
		var p wire.Progress
		if err := json.Unmarshal(m.payload, &p); err != nil {
			t.Fatalf("report %d %s: %v", i, m.payload, err)
		}
		if want.Device == "" {
			want.Device = device
		}
		if p != want {
			t.Errorf("report %d is %+v, want %+v", i, p, want)
		}
	}
	if last := msgs[len(sent)]; last.topic != topics.Response(device) {
		t.Errorf("the response came on %s, after the reports? messages: %d", last.topic, len(msgs))
	}
}
