package config

import "slices"

// Model returns the model named name, or nil.
func (c *Config) Model(name string) *ModelConfig {
	for i := range c.Models {
		if c.Models[i].Name == name {
			return &c.Models[i]
		}
	}
	return nil
}

// Sensor returns the sensor named name, or nil.
func (c *Config) Sensor(name string) *SensorConfig {
	for i := range c.Sensors {
		if c.Sensors[i].Name == name {
			return &c.Sensors[i]
		}
	}
	return nil
}

// Pipeline returns the pipeline named name, or nil.
func (c *Config) Pipeline(name string) *PipelineConfig {
	for i := range c.Pipelines {
		if c.Pipelines[i].Name == name {
			return &c.Pipelines[i]
		}
	}
	return nil
}

// ChannelNames returns the names of the sensor's time-series channels when
// the configuration fixes them (a motion simulation: x, y, z; iio, socket
// and mqtt channels; csv columns), or nil when only the running source
// knows them (sine and noise simulations, wav files, csv files without
// columns) or it has none (images, raw tensors).
func (s *SensorConfig) ChannelNames() []string {
	switch s.Type {
	case SensorSimulated:
		if s.Simulated != nil && s.Simulated.Signal == SignalMotion {
			return MotionChannels()
		}
	case SensorFile:
		if s.File != nil && s.File.Format == FormatCSV {
			return slices.Clone(s.File.Columns)
		}
	case SensorIIO:
		if s.IIO != nil {
			return slices.Clone(s.IIO.Channels)
		}
	case SensorSocket:
		if s.Socket != nil {
			return slices.Clone(s.Socket.Channels)
		}
	case SensorMQTT:
		if s.MQTT != nil {
			return slices.Clone(s.MQTT.Channels)
		}
	}
	return nil
}

// DataKind is what a sensor delivers.
type DataKind string

// The kinds of data.
const (
	// DataTimeSeries is samples of named channels, windowed by pipelines.
	DataTimeSeries DataKind = "timeseries"
	// DataImage is image frames.
	DataImage DataKind = "image"
	// DataRaw is whole raw input tensors.
	DataRaw DataKind = "raw"
	// DataPushed is a socket sensor without channels: apps push images or
	// raw tensors.
	DataPushed DataKind = "pushed"
)

// Data returns what the sensor delivers ("" for an unknown type or
// format).
func (s *SensorConfig) Data() DataKind {
	switch s.Type {
	case SensorSimulated, SensorIIO, SensorMQTT:
		return DataTimeSeries
	case SensorFile:
		if s.File == nil {
			return ""
		}
		switch s.File.Format {
		case FormatCSV, FormatWAV:
			return DataTimeSeries
		case FormatImages:
			return DataImage
		case FormatRaw:
			return DataRaw
		}
	case SensorSocket:
		if s.Socket != nil && len(s.Socket.Channels) > 0 {
			return DataTimeSeries
		}
		return DataPushed
	}
	return ""
}
