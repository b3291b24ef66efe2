// Package fleettest runs fake edge-agent devices for tests of the fleet
// console and edgectl: each is a real MQTT client (paho) that publishes a
// retained status (with an "offline" last will) and a hardware profile,
// subscribes its command topics and answers commands through a real
// command.Dispatcher, as the agent does; a handler's
// command.ReportProgress reports go out on edge/{id}/cmd/progress.
package fleettest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/sync/command"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// Options describe a fake device.
type Options struct {
	ID     string
	Prefix string // wire.DefaultPrefix when empty
	Groups []string
	// AgentVersion and Models go into the status ("0.0.0-test" and no
	// models when empty).
	AgentVersion string
	Models       []wire.Model
	// Hardware is the retained hardware profile; nil publishes none.
	Hardware []byte
	// Silent devices publish their status but never subscribe to commands.
	Silent bool
	// Handlers are registered besides ping.
	Handlers map[string]command.Handler
	// Username and Password for brokers that require them.
	Username, Password string
}

// Device is a running fake device.
type Device struct {
	ID       string
	Registry *command.Registry
	// Dispatcher is nil for a silent device.
	Dispatcher *command.Dispatcher

	t      testing.TB
	topics wire.Topics
	cl     mqtt.Client
	cancel context.CancelFunc
	done   chan struct{}
	seq    uint64
	status func(state string) []byte
}

const timeout = 20 * time.Second

// Start connects a fake device to broker and stops it at the end of the
// test. When Start returns, the device is subscribed to its command topics
// and its retained status is published.
func Start(t testing.TB, broker string, o Options) *Device {
	t.Helper()
	if o.AgentVersion == "" {
		o.AgentVersion = "0.0.0-test"
	}
	if o.Models == nil {
		o.Models = []wire.Model{}
	}
	d := &Device{ID: o.ID, t: t, topics: wire.Topics{Prefix: o.Prefix}, Registry: command.NewRegistry(), done: make(chan struct{})}
	d.Registry.Register(command.NamePing, command.Ping(nil))
	for name, h := range o.Handlers {
		d.Registry.Register(name, h)
	}
	d.status = func(state string) []byte {
		// As the uplink does: the offline status (last will, or at Close)
		// keeps the version, models and groups.
		b, _ := json.Marshal(wire.Status{State: state, AgentVersion: o.AgentVersion, Models: o.Models, Groups: o.Groups, TS: time.Now().UTC()})
		return b
	}
	status := d.status
	mo := mqtt.NewClientOptions().AddBroker(broker).SetClientID(o.ID).SetCleanSession(true).
		SetAutoReconnect(false).SetConnectTimeout(timeout).
		SetBinaryWill(d.topics.Status(o.ID), status("offline"), 1, true)
	if o.Username != "" {
		mo.SetUsername(o.Username).SetPassword(o.Password)
	}
	d.cl = mqtt.NewClient(mo)
	d.wait(d.cl.Connect(), "connect")

	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	if !o.Silent {
		disp, err := command.NewDispatcher(command.Options{
			Device: o.ID, Registry: d.Registry, Seen: command.NewMemorySeen(0), Timeout: 5 * time.Second,
			Respond: func(r wire.Response) {
				b, err := json.Marshal(r)
				if err != nil {
					t.Errorf("device %s: encode response: %v", o.ID, err)
					return
				}
				d.cl.Publish(d.topics.Response(o.ID), 1, false, b).WaitTimeout(timeout)
			},
			// As the uplink's PublishProgress: QoS 0, not waited for.
			Progress: func(p wire.Progress) {
				b, err := json.Marshal(p)
				if err != nil {
					t.Errorf("device %s: encode progress: %v", o.ID, err)
					return
				}
				d.cl.Publish(d.topics.Progress(o.ID), 0, false, b)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		d.Dispatcher = disp
		go func() {
			defer close(d.done)
			disp.Run(ctx)
		}()
		filters := map[string]byte{d.topics.Command(o.ID): 1, d.topics.AllCommand(): 1}
		for _, g := range o.Groups {
			filters[d.topics.GroupCommand(g)] = 1
		}
		d.wait(d.cl.SubscribeMultiple(filters, func(_ mqtt.Client, m mqtt.Message) {
			disp.Submit(m.Topic(), m.Payload())
		}), "subscribe")
	} else {
		close(d.done)
	}
	if o.Hardware != nil {
		d.wait(d.cl.Publish(d.topics.Hardware(o.ID), 1, true, o.Hardware), "publish hardware")
	}
	d.wait(d.cl.Publish(d.topics.Status(o.ID), 1, true, status("online")), "publish status")
	t.Cleanup(d.Stop)
	return d
}

func (d *Device) wait(tok mqtt.Token, what string) {
	d.t.Helper()
	if !tok.WaitTimeout(timeout) {
		d.t.Fatalf("device %s: %s: no answer from the broker", d.ID, what)
	}
	if err := tok.Error(); err != nil {
		d.t.Fatalf("device %s: %s: %v", d.ID, what, err)
	}
}

// Publish publishes payload on edge/{id}/SUFFIX (QoS 1, not retained).
func (d *Device) Publish(suffix string, payload []byte) {
	d.t.Helper()
	d.wait(d.cl.Publish(d.topics.Stream(d.ID, suffix), 1, false, payload), "publish "+suffix)
}

// PublishPredictions publishes predictions as one batch, numbering them
// from the device's next seq; gz compresses the message as the uplink's
// Gzip option does. It returns the last seq.
func (d *Device) PublishPredictions(gz bool, preds ...wire.Prediction) uint64 {
	d.t.Helper()
	b := wire.Batch{Device: d.ID}
	for _, p := range preds {
		d.seq++
		p.Seq = d.seq
		rec, err := json.Marshal(p)
		if err != nil {
			d.t.Fatal(err)
		}
		b.Records = append(b.Records, rec)
	}
	payload, err := json.Marshal(b)
	if err != nil {
		d.t.Fatal(err)
	}
	if gz {
		payload = Gzip(payload)
	}
	d.Publish("predictions", payload)
	return d.seq
}

// Gzip compresses p.
func Gzip(p []byte) []byte {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write(p)
	z.Close()
	return buf.Bytes()
}

// Stop publishes the offline status, disconnects and stops the dispatcher.
// It may be called more than once.
func (d *Device) Stop() {
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	<-d.done
	if d.cl.IsConnected() {
		d.cl.Publish(d.topics.Status(d.ID), 1, true, d.status("offline")).WaitTimeout(timeout)
	}
	d.cl.Disconnect(250)
}
