package config

import (
	"fmt"
	"strings"
)

// maxRate bounds a sensor's sampling rate (Hz).
const maxRate = 1_000_000

func (c *Config) checkSensors(p *problems) {
	seen := map[string]bool{}
	for i := range c.Sensors {
		s, at := &c.Sensors[i], fmt.Sprintf("sensors[%d]", i)
		checkName(p, at, s.Name, seen, "sensor")
		p.oneOf(at+".type", s.Type, SensorSimulated, SensorFile, SensorIIO, SensorSocket, SensorMQTT)
		switch s.Type {
		default:
			continue // the type is wrong: its settings cannot be checked
		case SensorSimulated, SensorIIO:
			if !finite(s.Rate) || s.Rate <= 0 || s.Rate > maxRate {
				p.add(at+".rate", "must be > 0 and at most %d (Hz), got %v", maxRate, s.Rate)
			}
		case SensorFile:
			// 0 replays a WAV file at its own rate and anything else
			// unpaced.
			if !finite(s.Rate) || s.Rate < 0 || s.Rate > maxRate {
				p.add(at+".rate", "must be >= 0 and at most %d (Hz), got %v", maxRate, s.Rate)
			}
		case SensorSocket, SensorMQTT:
			if s.Rate != 0 {
				p.add(at+".rate", "applies only to simulated, file and iio sensors (a %s sensor's samples come as they are sent)", s.Type)
			}
		}
		c.checkSensorSections(p, s, at)
	}
}

// checkSensorSections checks that only the section of the sensor's type
// is set (and is, when it is needed), then checks that section.
func (c *Config) checkSensorSections(p *problems, s *SensorConfig, at string) {
	sections := []struct {
		typ      string
		set      bool
		required bool
	}{
		{SensorSimulated, s.Simulated != nil, true},
		{SensorFile, s.File != nil, true},
		{SensorIIO, s.IIO != nil, true},
		{SensorSocket, s.Socket != nil, false},
		{SensorMQTT, s.MQTT != nil, true},
	}
	for _, sec := range sections {
		switch {
		case sec.set && sec.typ != s.Type:
			p.add(at+"."+sec.typ, "settings for a %s sensor, but type is %q", sec.typ, s.Type)
		case !sec.set && sec.typ == s.Type && sec.required:
			p.add(at+"."+sec.typ, "required for a %s sensor", sec.typ)
		}
	}
	switch s.Type {
	case SensorSimulated:
		if s.Simulated != nil {
			checkSimulated(p, at+".simulated", s.Simulated)
		}
	case SensorFile:
		if s.File != nil {
			checkFile(p, at+".file", s.File)
		}
	case SensorIIO:
		if s.IIO != nil {
			checkIIO(p, at+".iio", s.IIO)
		}
	case SensorSocket:
		if s.Socket != nil {
			checkChannelNames(p, at+".socket.channels", s.Socket.Channels)
		}
	case SensorMQTT:
		if s.MQTT != nil {
			c.checkMQTTSensor(p, at+".mqtt", s.MQTT)
		}
	}
}

func checkSimulated(p *problems, at string, s *SimulatedSensorConfig) {
	p.oneOf(at+".signal", s.Signal, SignalMotion, SignalSine, SignalNoise)
	if s.Channels < 1 || s.Channels > 64 {
		p.add(at+".channels", "must be between 1 and 64, got %d", s.Channels)
	}
	if !finite(s.Amplitude) || s.Amplitude < 0 {
		p.add(at+".amplitude", "must be >= 0, got %v", s.Amplitude)
	}
	if !finite(s.Frequency) || s.Frequency <= 0 {
		p.add(at+".frequency", "must be > 0 (Hz), got %v", s.Frequency)
	}
	if !finite(s.Noise) || s.Noise < 0 {
		p.add(at+".noise", "must be >= 0, got %v", s.Noise)
	}
	for i, a := range s.Anomalies {
		ap := fmt.Sprintf("%s.anomalies[%d]", at, i)
		p.oneOf(ap+".kind", a.Kind, AnomalySpike, AnomalyNaN, AnomalyInf, AnomalyStuck, AnomalyOffset, AnomalyDropout)
		positive(p, ap+".every", a.Every)
		if a.Duration < 0 || a.Duration > a.Every {
			p.add(ap+".duration", "must be between 0 and every (%s), got %s", a.Every, a.Duration)
		}
		if !finite(a.Value) {
			p.add(ap+".value", "must be a finite number, got %v", a.Value)
		}
	}
}

func checkFile(p *problems, at string, f *FileSensorConfig) {
	if f.Path == "" {
		p.add(at+".path", "must not be empty")
	}
	if f.Format == "" {
		p.add(at+".format", "cannot tell the format of %q from its name; set csv, wav, images or raw", f.Path)
	} else {
		p.oneOf(at+".format", f.Format, FormatCSV, FormatWAV, FormatImages, FormatRaw)
	}
	if len(f.Columns) > 0 && f.Format != FormatCSV {
		p.add(at+".columns", "applies only to csv files (format is %q)", f.Format)
	}
	seen := map[string]bool{}
	for i, col := range f.Columns {
		switch {
		case strings.TrimSpace(col) == "":
			p.add(fmt.Sprintf("%s.columns[%d]", at, i), "must not be empty")
		case seen[col]:
			p.add(fmt.Sprintf("%s.columns[%d]", at, i), "column %q is listed twice", col)
		}
		seen[col] = true
	}
	switch {
	case f.TensorBytes < 0:
		p.add(at+".tensor_bytes", "must be >= 0, got %d", f.TensorBytes)
	case f.TensorBytes > 0 && f.Format != FormatRaw:
		p.add(at+".tensor_bytes", "applies only to raw files (format is %q)", f.Format)
	}
}

func checkIIO(p *problems, at string, d *IIOSensorConfig) {
	if d.Device == "" || strings.ContainsAny(d.Device, "/\x00") {
		p.add(at+".device", "want a device directory (iio:device0) or the device's name, got %q", d.Device)
	}
	if len(d.Channels) == 0 {
		p.add(at+".channels", "name at least one channel (e.g. accel_x, the X of in_accel_x_raw)")
	}
	seen := map[string]bool{}
	for i, ch := range d.Channels {
		ok := ch != ""
		for _, r := range ch {
			ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
		}
		switch {
		case !ok:
			p.add(fmt.Sprintf("%s.channels[%d]", at, i), "%q: an iio channel name is letters, digits and _ (e.g. accel_x)", ch)
		case seen[ch]:
			p.add(fmt.Sprintf("%s.channels[%d]", at, i), "channel %q is listed twice", ch)
		}
		seen[ch] = true
	}
	if d.Root == "" {
		p.add(at+".root", "must not be empty (\"/\" on a device)")
	}
}

func (c *Config) checkMQTTSensor(p *problems, at string, m *MQTTSensorConfig) {
	c.checkBroker(p, at+".broker", m.Broker, false)
	if m.Broker == "" && c.MQTT.Broker == "" {
		p.add(at+".broker", "no broker: set it here or set mqtt.broker")
	}
	if m.Topic == "" || strings.ContainsRune(m.Topic, 0) {
		p.add(at+".topic", "want a topic, got %q", m.Topic)
	}
	if m.QoS < 0 || m.QoS > 2 {
		p.add(at+".qos", "must be 0, 1 or 2, got %d", m.QoS)
	}
	if len(m.Channels) == 0 {
		p.add(at+".channels", "name at least one channel (the values of a message, in order)")
	}
	checkChannelNames(p, at+".channels", m.Channels)
}
