package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// Target is where a command goes: one device, a group, or every device.
type Target struct {
	Device string // a device id, or
	Group  string // a group name, or
	All    bool   // the whole fleet
}

// ParseTarget reads a target: a device id, "group:NAME" or "all".
func ParseTarget(s string) (Target, error) {
	switch {
	case s == "all":
		return Target{All: true}, nil
	case strings.HasPrefix(s, "group:"):
		g := strings.TrimPrefix(s, "group:")
		if !wire.ValidID(g) {
			return Target{}, fmt.Errorf("target %q: invalid group name", s)
		}
		return Target{Group: g}, nil
	case wire.ValidID(s):
		return Target{Device: s}, nil
	}
	return Target{}, fmt.Errorf("target %q is not a device id, group:NAME or all", s)
}

func (t Target) String() string {
	switch {
	case t.All:
		return "all"
	case t.Group != "":
		return "group:" + t.Group
	}
	return t.Device
}

func (t Target) topic(tp wire.Topics) string {
	switch {
	case t.All:
		return tp.AllCommand()
	case t.Group != "":
		return tp.GroupCommand(t.Group)
	}
	return tp.Command(t.Device)
}

// Result is what Send collected.
type Result struct {
	// ID is the command's id; Target, Name and Topic say where it went.
	ID     string `json:"id"`
	Target string `json:"target"`
	Name   string `json:"name"`
	Topic  string `json:"topic"`
	// Replies are the answers, one per device (a device's repeated answers
	// are dropped), in arrival order.
	Replies []Reply `json:"replies"`
	// Missing are the expected devices that did not answer, sorted.
	Missing []Missing `json:"missing"`
}

// Reply is one device's answer.
type Reply struct {
	Device string          `json:"device"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *wire.Error     `json:"error,omitempty"`
	// Expected is false for a device that answered although its retained
	// status did not make it expected (no status, or not in the group).
	Expected bool `json:"expected"`
	// Elapsed is the time from the command's publication to this answer.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Missing is an expected device that did not answer.
type Missing struct {
	Device string `json:"device"`
	// State is the device's retained state: online, offline, or unknown
	// when it has no retained status.
	State string `json:"state"`
}

// Failed returns the replies that are not OK.
func (r Result) Failed() []Reply {
	var out []Reply
	for _, x := range r.Replies {
		if !x.OK {
			out = append(out, x)
		}
	}
	return out
}

// OK reports whether at least one device answered, every answer is OK and
// no expected device is missing.
func (r Result) OK() bool {
	return len(r.Replies) > 0 && len(r.Failed()) == 0 && len(r.Missing) == 0
}

// Send sends the command name with args (a JSON object, or nil) to target
// (a device id, "group:NAME" or "all") and collects the answers for wait.
// It returns early when the target is one device and it has answered. An
// error means the command could not be sent (or ctx ended: the Result then
// holds what was collected so far); devices that fail or do not answer are
// reported in the Result, not as an error. It is SendWithProgress without
// progress.
func (c *Console) Send(ctx context.Context, target, name string, args json.RawMessage, wait time.Duration) (Result, error) {
	return c.SendWithProgress(ctx, target, name, args, wait, nil)
}

// SendWithProgress is Send that also passes to onProgress (when not nil)
// each progress report of the command that the targeted devices publish
// on edge/{id}/cmd/progress: it subscribes to them before it publishes the
// command. A report's Device is the one its topic names. onProgress runs on
// a goroutine of its own, one call at a time, in the order the reports
// arrived, and never after SendWithProgress returned; a device's reports
// that arrive after its answer are left out, and while onProgress is slow
// reports beyond the first 1024 waiting are dropped (and logged). Reports
// are best-effort (QoS 0): a Reply, not a report, says how the command
// ended.
func (c *Console) SendWithProgress(ctx context.Context, target, name string, args json.RawMessage, wait time.Duration, onProgress func(wire.Progress)) (Result, error) {
	tg, err := ParseTarget(target)
	if err != nil {
		return Result{}, err
	}
	if name == "" {
		return Result{}, errors.New("empty command name")
	}
	if len(bytes.TrimSpace(args)) == 0 {
		args = nil
	} else {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(args, &obj); err != nil || obj == nil {
			return Result{}, errors.New("command args are not a JSON object")
		}
	}
	if err := checkWait(wait); err != nil {
		return Result{}, err
	}
	tp := c.topics()
	cmd := wire.Command{ID: randomHex(16), Name: name, Args: args}
	if exp := c.Expires; exp >= 0 {
		if exp == 0 {
			exp = wait
		}
		t := time.Now().Add(exp).UTC()
		cmd.ExpiresAt = &t
	}
	payload, err := json.Marshal(cmd)
	if err != nil {
		return Result{}, fmt.Errorf("encode command: %w", err)
	}
	res := Result{ID: cmd.ID, Target: tg.String(), Name: name, Topic: tg.topic(tp), Replies: []Reply{}, Missing: []Missing{}}

	k, err := c.dial(ctx, false, nil, nil)
	if err != nil {
		return res, err
	}
	defer k.close()
	state := newFleetState(tp)
	var mu sync.Mutex
	var sentAt time.Time
	answered := map[string]bool{}
	arrived := make(chan string, 1)
	relay := startRelay(onProgress)
	defer relay.stop() // also on the early returns below
	handler := func(_ mqtt.Client, m mqtt.Message) {
		if state.handle(m.Topic(), m.Payload()) {
			return
		}
		id := tp.DeviceOf(m.Topic())
		if id == "" {
			return
		}
		if m.Topic() == tp.Progress(id) {
			var p wire.Progress
			if relay == nil || json.Unmarshal(m.Payload(), &p) != nil || p.ID != cmd.ID {
				return
			}
			p.Device = id
			mu.Lock()
			late := answered[id]
			mu.Unlock()
			if !late {
				relay.push(p)
			}
			return
		}
		if m.Topic() != tp.Response(id) {
			return
		}
		var r wire.Response
		if err := json.Unmarshal(m.Payload(), &r); err != nil {
			return // not an answer we can attribute to this command
		}
		if r.ID != cmd.ID {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if answered[id] {
			return
		}
		answered[id] = true
		res.Replies = append(res.Replies, Reply{Device: id, OK: r.OK, Result: r.Result, Error: r.Error, Elapsed: time.Since(sentAt)})
		if !r.OK && r.Error == nil {
			res.Replies[len(res.Replies)-1].Error = &wire.Error{Code: wire.CodeFailed, Message: "failed without an error"}
		}
		select {
		case arrived <- id:
		default:
		}
	}
	filters := map[string]byte{tp.Wildcard("status"): 0, tp.Wildcard("cmd/response"): 1}
	if relay != nil {
		filters[tp.Wildcard("cmd/progress")] = 0
	}
	if tg.Device != "" {
		// Only its messages matter: no need for every device's status.
		filters = map[string]byte{tp.Status(tg.Device): 0, tp.Response(tg.Device): 1}
		if relay != nil {
			filters[tp.Progress(tg.Device)] = 0
		}
	}
	if err := k.subscribe(ctx, filters, handler); err != nil {
		return res, err
	}
	mu.Lock()
	sentAt = time.Now()
	mu.Unlock()
	if err := k.publish(ctx, res.Topic, 1, payload); err != nil {
		return res, err
	}
	c.logger().Debug("fleet console: command sent", "id", cmd.ID, "name", name, "topic", res.Topic)

	timer := time.NewTimer(wait)
	defer timer.Stop()
	var ctxErr error
collect:
	for {
		select {
		case id := <-arrived:
			if tg.Device != "" && id == tg.Device {
				break collect
			}
		case <-timer.C:
			break collect
		case <-ctx.Done():
			ctxErr = ctx.Err()
			break collect
		}
	}
	// The reports that came before the end are all passed on before Send
	// returns; later ones are not.
	if n := relay.stop(); n > 0 {
		c.logger().Warn("fleet console: progress reports dropped: the progress callback is slow", "id", cmd.ID, "dropped", n)
	}
	mu.Lock()
	defer mu.Unlock()
	out := res
	out.Replies = append([]Reply{}, res.Replies...)
	expected := map[string]string{} // id -> state
	if tg.Device != "" {
		st := "unknown"
		if d, ok := state.get(tg.Device); ok {
			st = d.State
		}
		expected[tg.Device] = st
	} else {
		for _, d := range state.list() {
			if (tg.All && d.State == "online") || (tg.Group != "" && d.InGroup(tg.Group)) {
				expected[d.ID] = d.State
			}
		}
	}
	for i := range out.Replies {
		_, out.Replies[i].Expected = expected[out.Replies[i].Device]
	}
	for id, st := range expected {
		if !answered[id] {
			out.Missing = append(out.Missing, Missing{Device: id, State: st})
		}
	}
	sort.Slice(out.Missing, func(i, j int) bool { return out.Missing[i].Device < out.Missing[j].Device })
	return out, ctxErr
}
