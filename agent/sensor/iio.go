package sensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// iioMaxFailures is how many polls in a row may fail before Run gives up.
const iioMaxFailures = 5

// IIOOptions configure a Linux Industrial I/O sensor.
type IIOOptions struct {
	// Device is the device's folder name under sys/bus/iio/devices
	// (iio:device0) or the content of its name attribute (lsm6dsm_accel).
	Device string
	// Channels to read, e.g. accel_x, accel_y, accel_z, temp. Default:
	// every in_*_raw and in_*_input of the device, sorted.
	Channels []string
	// Root is the file system root that holds sys/ (default "/"); tests
	// point it at a fixture tree.
	Root string
}

// IIO polls a Linux Industrial I/O device through sysfs
// (ROOT/sys/bus/iio/devices/DEVICE/). A channel c with an in_c_raw file
// reads (raw + offset) · scale, where scale is in_c_scale or the
// type-wide in_TYPE_scale (TYPE: c without its modifier, e.g. in_accel_scale
// for accel_x, in_voltage_scale for voltage0), 1 when neither exists, and
// offset likewise (0 when none): values in the kernel's units (m/s² for
// acceleration, milli °C for temperature, ...). A channel with only
// in_c_input is already processed by the driver and is used as it is, in
// the unit the kernel ABI gives it (e.g. in_temp_input is milli °C,
// in_pressure_input kPa).
//
// Scales and offsets are read when Run starts, and again after a failed
// poll, so a driver reloaded with another range is picked up.
type IIO struct {
	name     string
	root     string
	device   string
	rate     float64
	clock    func() time.Time
	logger   *slog.Logger
	channels []string
	// maxFailures is iioMaxFailures; tests raise it.
	maxFailures int
}

func newIIO(spec Spec, logger *slog.Logger) (*IIO, error) {
	o := spec.IIO
	if o.Device == "" {
		return nil, errors.New("iio: the device is empty (a folder such as iio:device0, or a device name)")
	}
	if o.Root == "" {
		o.Root = "/"
	}
	rate := spec.Rate
	if rate == 0 {
		rate = DefaultRate
	}
	s := &IIO{name: spec.Name, root: o.Root, device: o.Device, rate: rate, clock: spec.Clock,
		logger: logger, channels: o.Channels, maxFailures: iioMaxFailures}
	if err := checkChannelNames(o.Channels); err != nil {
		return nil, fmt.Errorf("iio: channels: %w", err)
	}
	dir, err := findIIODevice(s.root, s.device)
	if err != nil {
		return nil, err
	}
	if len(s.channels) == 0 {
		if s.channels, err = discoverIIOChannels(dir); err != nil {
			return nil, err
		}
	}
	if _, err := s.resolve(); err != nil {
		return nil, err
	}
	return s, nil
}

// Name returns the sensor's name.
func (s *IIO) Name() string { return s.name }

// Channels returns the channels read, in order.
func (s *IIO) Channels() []string { return s.channels }

// resolve finds the device (again: it may have been re-enumerated) and
// reads each channel's calibration.
func (s *IIO) resolve() ([]iioChannel, error) {
	dir, err := findIIODevice(s.root, s.device)
	if err != nil {
		return nil, err
	}
	chans := make([]iioChannel, len(s.channels))
	for i, c := range s.channels {
		if chans[i], err = resolveIIOChannel(dir, c); err != nil {
			return nil, err
		}
	}
	return chans, nil
}

// Run polls the channels at Rate until ctx is done (returning nil). A
// poll that fails is skipped and the calibration is read again; after
// several failures in a row Run returns the last error.
func (s *IIO) Run(ctx context.Context, emit func(Sample)) error {
	chans, err := s.resolve()
	if err != nil {
		return fmt.Errorf("sensor %q: %w", s.name, err)
	}
	p := newPacer(s.rate, false)
	defer p.stop()
	failures := 0
	for {
		if p.wait(ctx) != nil {
			return nil
		}
		if chans == nil {
			chans, err = s.resolve()
		}
		var vals []float32
		if err == nil {
			vals, err = readIIOChannels(chans)
		}
		if err != nil {
			failures++
			if failures >= s.maxFailures {
				return fmt.Errorf("sensor %q: %d polls failed in a row: %w", s.name, failures, err)
			}
			s.logger.Debug("iio poll failed", "err", err, "failures", failures)
			chans, err = nil, nil
			continue
		}
		failures = 0
		emit(Sample{TS: s.clock(), Values: vals})
	}
}

func readIIOChannels(chans []iioChannel) ([]float32, error) {
	vals := make([]float32, len(chans))
	for i := range chans {
		v, err := chans[i].read()
		if err != nil {
			return nil, err
		}
		vals[i] = float32(v)
	}
	return vals, nil
}
