package mqtttest

import (
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

func connect(t *testing.T, b *Broker, o *mqtt.ClientOptions) mqtt.Client {
	t.Helper()
	c := mqtt.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v\n%s", b.URL, tok.Error(), b.Log())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

func TestPublishSubscribeAndRestart(t *testing.T) {
	b := Start(t)
	o := mqtt.NewClientOptions().AddBroker(b.URL).SetClientID("t1").SetAutoReconnect(false)
	c := connect(t, b, o)
	got := make(chan string, 1)
	c.Subscribe("x/#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- string(m.Payload()) }).Wait()
	c.Publish("x/y", 1, false, "hello").Wait()
	select {
	case s := <-got:
		if s != "hello" {
			t.Fatalf("got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
	if Mosquitto() == "" {
		return
	}
	b.Kill()
	if c.IsConnectionOpen() && WaitFor(t.Context(), 3*time.Second, func() bool { return !c.IsConnectionOpen() }) == false {
		t.Fatal("client still connected after the broker was killed")
	}
	b.Restart()
	connect(t, b, mqtt.NewClientOptions().AddBroker(b.URL).SetClientID("t2"))
}

func TestTLSAndPasswords(t *testing.T) {
	if Mosquitto() == "" {
		t.Skip("needs mosquitto")
	}
	b := Start(t, Options{TLS: true, ClientCerts: true, Users: map[string]string{"dev": "s3cret"}})
	if b.URL[:6] != "ssl://" {
		t.Fatalf("URL %s", b.URL)
	}
}
