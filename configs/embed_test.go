package configs

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/agent/config"
)

func TestEmbeddedFilesAreTheShippedOnes(t *testing.T) {
	for name, got := range map[string][]byte{"demo.yaml": Demo(), "edge-agent.yaml": Reference()} {
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("embedded %s differs from the file", name)
		}
	}
}

func TestCallersGetCopies(t *testing.T) {
	d := Demo()
	d[0] ^= 0xff
	if bytes.Equal(d, Demo()) {
		t.Error("changing Demo's bytes changed the embedded file")
	}
	r := Reference()
	r[0] ^= 0xff
	if bytes.Equal(r, Reference()) {
		t.Error("changing Reference's bytes changed the embedded file")
	}
}

func TestEmbeddedConfigsParse(t *testing.T) {
	demo, err := config.Parse(Demo(), "demo.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if demo.Device.ID != "demo-local" || demo.Pipeline("motion") == nil {
		t.Errorf("demo: %+v", demo)
	}
	ref, err := config.Parse(Reference(), "edge-agent.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Sensor("accel") == nil || ref.Sensor("accel").Type != config.SensorIIO || ref.Sensor("env").Type != config.SensorSocket {
		t.Errorf("reference sensors: %+v", ref.Sensors)
	}
	// The commented TLS broker of the reference is a valid setting.
	if _, err := config.Parse(Reference(), "edge-agent.yaml", []string{
		"mqtt.broker=ssl://mqtt.example.com:8883", "mqtt.username=gateway-17",
		"mqtt.password_file=/etc/edge-agent/mqtt.password", "mqtt.ca_file=/etc/edge-agent/ca.pem",
		"mqtt.cert_file=/etc/edge-agent/device.pem", "mqtt.key_file=/etc/edge-agent/device.key",
	}); err != nil {
		t.Error(err)
	}
}

// The sensors the reference shows commented out are valid when uncommented.
func TestReferenceCommentedSensorsAreValid(t *testing.T) {
	var out []string
	in, n := false, 0
	for _, line := range strings.Split(string(Reference()), "\n") {
		switch {
		case line == "sensors:":
			in = true
		case line == "pipelines:":
			in = false
		case in && strings.HasPrefix(line, "  # "):
			rest := strings.TrimPrefix(line, "  # ")
			if strings.HasPrefix(rest, "- ") || strings.HasPrefix(rest, "  ") {
				line = "  " + rest
				n++
			}
		}
		out = append(out, line)
	}
	if n < 20 {
		t.Fatalf("uncommented only %d lines; the reference's layout changed", n)
	}
	c, err := config.Parse([]byte(strings.Join(out, "\n")), "uncommented.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range map[string]string{"replay": config.SensorFile, "outdoor": config.SensorMQTT, "sim": config.SensorSimulated} {
		if s := c.Sensor(name); s == nil || s.Type != typ {
			t.Errorf("commented sensor %s: %+v", name, s)
		}
	}
}
