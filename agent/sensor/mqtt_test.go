package sensor

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
)

// publisher connects a paho client to the broker for the test.
func publisher(t *testing.T, url string) func(topic, payload string) {
	t.Helper()
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("test-pub-%d", time.Now().UnixNano())).
		SetProtocolVersion(4).SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(100 * time.Millisecond)
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(hang) || tok.Error() != nil {
		t.Fatalf("publisher connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return func(topic, payload string) {
		t.Helper()
		if tok := c.Publish(topic, 1, false, payload); !tok.WaitTimeout(hang) || tok.Error() != nil {
			t.Fatalf("publish %q: %v", payload, tok.Error())
		}
	}
}

func mqttSensor(t *testing.T, broker, topic string, channels ...string) *MQTT {
	t.Helper()
	return mustNew(t, Spec{Name: "env", Type: TypeMQTT, Clock: fakeClock(),
		MQTT: MQTTOptions{Broker: broker, Topic: topic, QoS: 1, Channels: channels, ConnectTimeout: 5 * time.Second}}).(*MQTT)
}

func TestMQTTSensorReceivesAndRejects(t *testing.T) {
	b := mqtttest.Start(t)
	s := mqttSensor(t, b.URL, "sensors/+/env", "temp", "humidity")
	var k sink
	background(t, s, k.emit)
	waitFor(t, "the subscription", s.subscribed.Load)
	pub := publisher(t, b.URL)
	pub("sensors/kitchen/env", `{"values":[21.5,40],"ts":"2024-05-01T12:00:00.25Z","unit":"C"}`)
	pub("sensors/kitchen/env", `"hello"`)
	pub("sensors/kitchen/env", `[1]`)
	pub("sensors/kitchen/env", `{"values":[1,null]}`)
	pub("sensors/kitchen/env", `{"values":[1,2],"ts":"yesterday"}`)
	pub("sensors/hall/env", " [22, 41.25]\n")
	pub("elsewhere", `[0,0]`)
	waitFor(t, "two samples", func() bool { return k.len() >= 2 })
	got := k.snapshot()
	if len(got) != 2 {
		t.Fatalf("%d samples, want 2", len(got))
	}
	if !slices.Equal(got[0].Values, []float32{21.5, 40}) || !got[0].TS.Equal(time.Date(2024, 5, 1, 12, 0, 0, 25e7, time.UTC)) {
		t.Errorf("first sample %v at %v", got[0].Values, got[0].TS)
	}
	if !slices.Equal(got[1].Values, []float32{22, 41.25}) || got[1].TS.Year() != 2025 {
		t.Errorf("second sample %v at %v, want it stamped by the clock", got[1].Values, got[1].TS)
	}
	// Messages are handled in order: the bad ones came before the last good one.
	if n := s.Rejected(); n != 4 {
		t.Errorf("%d rejected, want 4", n)
	}
}

func TestMQTTSensorBareNumber(t *testing.T) {
	b := mqtttest.Start(t)
	s := mqttSensor(t, b.URL, "t", "temp")
	var k sink
	background(t, s, k.emit)
	waitFor(t, "the subscription", s.subscribed.Load)
	pub := publisher(t, b.URL)
	pub("t", "19.75")
	pub("t", "[20]")
	waitFor(t, "two samples", func() bool { return k.len() >= 2 })
	if got := k.snapshot(); got[0].Values[0] != 19.75 || got[1].Values[0] != 20 {
		t.Fatalf("samples %v %v", got[0].Values, got[1].Values)
	}
}

func TestMQTTSensorSurvivesABrokerRestart(t *testing.T) {
	b := mqtttest.Start(t)
	b.RequireProcess()
	s := mqttSensor(t, b.URL, "t", "v")
	var k sink
	done, _ := background(t, s, k.emit)
	waitFor(t, "the subscription", s.subscribed.Load)
	b.Kill()
	waitFor(t, "the sensor to notice", func() bool { return !s.subscribed.Load() })
	b.Restart()
	waitFor(t, "the subscription again", s.subscribed.Load)
	publisher(t, b.URL)("t", "7")
	waitFor(t, "a sample after the restart", func() bool { return k.len() >= 1 })
	select {
	case err := <-done:
		t.Fatalf("Run returned %v", err)
	default:
	}
}

func TestMQTTSensorConnectFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	s := mqttSensor(t, "tcp://"+addr, "t", "v")
	if _, err := runAll(t, s); err == nil || !strings.Contains(err.Error(), `sensor "env": connect to tcp://`+addr) {
		t.Fatalf("Run = %v, want a connection error", err)
	}
}

func TestMQTTValidation(t *testing.T) {
	ok := MQTTOptions{Broker: "tcp://127.0.0.1:1883", Topic: "a/b", Channels: []string{"v"}}
	for _, tc := range []struct {
		edit func(*MQTTOptions)
		want string
	}{
		{func(o *MQTTOptions) { o.Broker = "" }, "the broker is empty"},
		{func(o *MQTTOptions) { o.Broker = "http://x:1883" }, "want a tcp://"},
		{func(o *MQTTOptions) { o.Broker = "tcp://" }, "has no host"},
		{func(o *MQTTOptions) { o.Topic = "" }, "the topic is empty"},
		{func(o *MQTTOptions) { o.Topic = "a/#/b" }, "# must be a whole last level"},
		{func(o *MQTTOptions) { o.Topic = "a/b+" }, "+ must be a whole level"},
		{func(o *MQTTOptions) { o.QoS = 3 }, "qos 3"},
		{func(o *MQTTOptions) { o.Channels = nil }, "no channels"},
		{func(o *MQTTOptions) { o.ConnectTimeout = -time.Second }, "negative"},
	} {
		o := ok
		tc.edit(&o)
		if _, err := New(Spec{Name: "m", Type: TypeMQTT, MQTT: o}, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", o, err, tc.want)
		}
	}
	if _, err := New(Spec{Name: "m", Type: TypeMQTT, MQTT: ok}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestMQTTClientID(t *testing.T) {
	s := mustNew(t, Spec{Name: "kitchen env/1", Type: TypeMQTT,
		MQTT: MQTTOptions{Broker: "tcp://h:1883", Topic: "t", Channels: []string{"v"}}}).(*MQTT)
	a, b := s.clientID(), s.clientID()
	re := regexp.MustCompile(`^edge-agent-sensor-kitchen_env_1-[0-9a-f]{8}$`)
	if !re.MatchString(a) || a == b {
		t.Fatalf("client ids %q, %q", a, b)
	}
}

func TestRateLimiter(t *testing.T) {
	r := rateLimiter{every: 10 * time.Second}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at      time.Duration
		ok      bool
		skipped int
	}{{0, true, 0}, {time.Second, false, 0}, {9 * time.Second, false, 0}, {11 * time.Second, true, 2}, {12 * time.Second, false, 0}, {30 * time.Second, true, 1}} {
		ok, skipped := r.allow(t0.Add(tc.at))
		if ok != tc.ok || skipped != tc.skipped {
			t.Errorf("at %v: %v, %d; want %v, %d", tc.at, ok, skipped, tc.ok, tc.skipped)
		}
	}
}

func TestParsePayload(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		n    int
		want []float32
		ts   time.Time
	}{
		{`{"values":[1.5,-2],"ts":"2024-05-01T12:00:00Z"}`, 2, []float32{1.5, -2}, ts},
		{`{"values":[3]}`, 1, []float32{3}, time.Time{}},
		{` [1e2, 0] `, 2, []float32{100, 0}, time.Time{}},
		{`-0.25`, 1, []float32{-0.25}, time.Time{}},
	} {
		got, gotTS, err := parsePayload([]byte(tc.in), tc.n)
		if err != nil || !slices.Equal(got, tc.want) || !gotTS.Equal(tc.ts) {
			t.Errorf("parsePayload(%s) = %v, %v, %v", tc.in, got, gotTS, err)
		}
	}
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{``, 1, "empty payload"},
		{`{"value":1}`, 1, `no "values"`},
		{`{"values":"1"}`, 1, "bad JSON object"},
		{`[1,2`, 2, "bad JSON array"},
		{`[1,"2"]`, 2, "bad JSON array"},
		{`[1,null]`, 2, "value 1 is null"},
		{`[1,2]`, 3, "2 values, want 3"},
		{`1e39`, 1, "out of the float32 range"},
		{`NaN`, 1, "not a number, array or object"},
		{`1 2`, 1, "not a number"},
		{`{"values":[1],"ts":"noon"}`, 1, `ts "noon" is not an RFC 3339 time`},
		{`[` + strings.Repeat("1,", 40000) + `1]`, 1, "at most 65536"},
	} {
		if _, _, err := parsePayload([]byte(tc.in), tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parsePayload(%.40s) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}
