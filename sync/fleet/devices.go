package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// Device is what the retained messages of one device say.
type Device struct {
	ID string `json:"id"`
	// State is "online" or "offline" from the retained status, "unknown"
	// when the device has a hardware profile but no status, "invalid" when
	// its status does not decode (Error says why).
	State        string       `json:"state"`
	AgentVersion string       `json:"agent_version,omitempty"`
	Models       []wire.Model `json:"models"`
	Groups       []string     `json:"groups,omitempty"`
	// TS is the status's timestamp: when the device last went online (or,
	// for the last will, when it connected before going offline).
	TS time.Time `json:"ts,omitzero"`
	// Hardware summarises the retained hardware profile; nil when the
	// device published none.
	Hardware *Hardware `json:"hardware,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// InGroup reports whether the device's status lists group g.
func (d Device) InGroup(g string) bool {
	for _, x := range d.Groups {
		if x == g {
			return true
		}
	}
	return false
}

// Hardware is a summary of a device's hardware profile (hwprobe.Profile,
// as `edge-agent probe --json` prints it).
type Hardware struct {
	Arch        string   `json:"arch,omitempty"`
	Board       string   `json:"board,omitempty"`
	CPUs        int      `json:"cpus,omitempty"`         // usable logical CPUs
	MemoryBytes int64    `json:"memory_bytes,omitempty"` // usable memory
	GPUs        []string `json:"gpus,omitempty"`
	NPUs        []string `json:"npus,omitempty"`
	Error       string   `json:"error,omitempty"` // the profile did not decode
}

// summarize reads the parts of a hardware profile that Hardware shows.
func summarize(profile []byte) *Hardware {
	var p struct {
		Arch  string `json:"arch"`
		Board struct {
			Model   string `json:"model"`
			Product string `json:"product"`
		} `json:"board"`
		CPU struct {
			Usable  int `json:"usable"`
			Logical int `json:"logical"`
		} `json:"cpu"`
		Memory struct {
			Usable int64 `json:"usable_bytes"`
			Total  int64 `json:"total_bytes"`
		} `json:"memory"`
		GPUs []accel `json:"gpus"`
		NPUs []accel `json:"npus"`
	}
	if err := json.Unmarshal(profile, &p); err != nil {
		return &Hardware{Error: "hardware profile does not decode: " + err.Error()}
	}
	h := &Hardware{Arch: p.Arch, Board: p.Board.Model, CPUs: p.CPU.Usable, MemoryBytes: p.Memory.Usable}
	if h.Board == "" {
		h.Board = p.Board.Product
	}
	if h.CPUs == 0 {
		h.CPUs = p.CPU.Logical
	}
	if h.MemoryBytes == 0 {
		h.MemoryBytes = p.Memory.Total
	}
	for _, g := range p.GPUs {
		h.GPUs = append(h.GPUs, g.String())
	}
	for _, n := range p.NPUs {
		h.NPUs = append(h.NPUs, n.String())
	}
	return h
}

type accel struct {
	Kind   string `json:"kind"`
	Vendor string `json:"vendor"`
	Name   string `json:"name"`
}

func (a accel) String() string {
	switch {
	case a.Name != "":
		return a.Name
	case a.Vendor != "":
		return a.Vendor + " " + a.Kind
	}
	return a.Kind
}

// fleetState tracks devices from status and hardware messages, retained
// or live.
type fleetState struct {
	topics  wire.Topics
	mu      sync.Mutex
	devices map[string]*Device
}

func newFleetState(t wire.Topics) *fleetState {
	return &fleetState{topics: t, devices: map[string]*Device{}}
}

func (s *fleetState) device(id string) *Device {
	d := s.devices[id]
	if d == nil {
		d = &Device{ID: id, State: "unknown"}
		s.devices[id] = d
	}
	return d
}

// status records a status message; an empty payload (a cleared retained
// status) forgets it.
func (s *fleetState) status(id string, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(payload) == 0 {
		if d := s.devices[id]; d != nil {
			if d.Hardware == nil {
				delete(s.devices, id)
			} else {
				hw := d.Hardware
				*d = Device{ID: id, State: "unknown", Hardware: hw}
			}
		}
		return
	}
	d := s.device(id)
	hw := d.Hardware
	var st wire.Status
	if err := json.Unmarshal(payload, &st); err != nil {
		*d = Device{ID: id, State: "invalid", Hardware: hw, Error: "status does not decode: " + err.Error()}
		return
	}
	*d = Device{ID: id, State: st.State, AgentVersion: st.AgentVersion, Models: st.Models, Groups: st.Groups, TS: st.TS, Hardware: hw}
	if d.State == "" {
		d.State = "unknown"
	}
}

func (s *fleetState) hardware(id string, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(payload) == 0 {
		if d := s.devices[id]; d != nil {
			d.Hardware = nil
		}
		return
	}
	s.device(id).Hardware = summarize(payload)
}

// handle routes a status or hardware message; it reports whether it was one.
func (s *fleetState) handle(topic string, payload []byte) bool {
	id := s.topics.DeviceOf(topic)
	if id == "" {
		return false
	}
	switch topic {
	case s.topics.Status(id):
		s.status(id, payload)
	case s.topics.Hardware(id):
		s.hardware(id, payload)
	default:
		return false
	}
	return true
}

func (s *fleetState) get(id string) (Device, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[id]
	if !ok {
		return Device{}, false
	}
	return *d, true
}

// list returns the devices sorted by id.
func (s *fleetState) list() []Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Device, 0, len(s.devices))
	for _, d := range s.devices {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// markerTopic is where a console call publishes to itself to learn that
// the broker has delivered every retained message of its subscriptions.
func (c *Console) markerTopic(clientID string) string {
	return c.topics().Stream("console", clientID+"/sync")
}

// Devices lists the devices that have a retained status or hardware
// profile, sorted by id. It waits until the broker has delivered the
// retained messages, or at most wait (DefaultWait when 0).
func (c *Console) Devices(ctx context.Context, wait time.Duration) ([]Device, error) {
	if wait <= 0 {
		wait = DefaultWait
	}
	k, err := c.dial(ctx, false, nil, nil)
	if err != nil {
		return nil, err
	}
	defer k.close()
	t := c.topics()
	state := newFleetState(t)
	marker, nonce := c.markerTopic(k.id), []byte(randomHex(8))
	synced := make(chan struct{})
	var once sync.Once
	handler := func(_ mqtt.Client, m mqtt.Message) {
		if m.Topic() == marker {
			if string(m.Payload()) == string(nonce) {
				once.Do(func() { close(synced) })
			}
			return
		}
		state.handle(m.Topic(), m.Payload())
	}
	// QoS 0 everywhere: retained state needs no acknowledgement, and one
	// QoS keeps the broker's delivery order (retained first, then marker).
	filters := map[string]byte{t.Wildcard("status"): 0, t.Wildcard("hardware"): 0, marker: 0}
	if err := k.subscribe(ctx, filters, handler); err != nil {
		return nil, err
	}
	if err := k.publish(ctx, marker, 0, nonce); err != nil {
		return nil, err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-synced:
	case <-timer.C:
		c.logger().Debug("fleet console: retained messages not confirmed by the marker; using what came within the wait", "wait", wait)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return state.list(), nil
}

// DefaultWait is the default wait of Devices.
const DefaultWait = 2 * time.Second

// checkWait refuses a negative or absurd wait.
func checkWait(wait time.Duration) error {
	if wait <= 0 {
		return fmt.Errorf("wait %s is not positive", wait)
	}
	return nil
}
