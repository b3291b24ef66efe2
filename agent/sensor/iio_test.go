package sensor

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const devs = "sys/bus/iio/devices/"

// iioFixture writes the checked-in sysfs fixture under a new root.
func iioFixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeTree(t, root, loadManifest(t, filepath.Join("testdata", "iio", "sysfs.txt")))
	return root
}

func iioSensor(t *testing.T, root, device string, channels ...string) (*IIO, error) {
	t.Helper()
	s, err := New(Spec{Name: "imu", Type: TypeIIO, Rate: 500, IIO: IIOOptions{Root: root, Device: device, Channels: channels}}, nil)
	if err != nil {
		return nil, err
	}
	return s.(*IIO), nil
}

func TestIIOAccelerometerFixture(t *testing.T) {
	root := iioFixture(t)
	s, err := iioSensor(t, root, "lsm6dsm_accel") // by its name attribute
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Channels(), []string{"accel_x", "accel_y", "accel_z"}) {
		t.Fatalf("discovered channels %v", s.Channels())
	}
	got, err := collect(t, s, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, smp := range got {
		x, y, z := float64(smp.Values[0]), float64(smp.Values[1]), float64(smp.Values[2])
		// raw · in_accel_scale (the type-wide scale), in m/s².
		if !near(x, -12*0.000598205, 1e-7) || !near(y, 35*0.000598205, 1e-7) {
			t.Errorf("x, y = %v, %v", x, y)
		}
		if !near(z, 9.80665, 0.01) {
			t.Errorf("z = %v m/s², want about 1 g lying flat", z)
		}
	}
}

func TestIIOTemperatureWithOffsetAndProcessedInputs(t *testing.T) {
	root := iioFixture(t)
	hdc, err := iioSensor(t, root, "iio:device1", "temp", "humidityrelative") // by its folder
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, hdc, 1)
	if err != nil {
		t.Fatal(err)
	}
	// (raw + offset) · scale: milli °C and milli %RH.
	if temp, rh := float64(got[0].Values[0]), float64(got[0].Values[1]); !near(temp, 26000, 2) || !near(rh, 50000, 1) {
		t.Errorf("hdc1000: %v milli°C, %v milli%%RH; want about 26000 and 50000", temp, rh)
	}
	bmp, err := iioSensor(t, root, "bmp280")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bmp.Channels(), []string{"pressure", "temp"}) {
		t.Fatalf("bmp280 channels %v", bmp.Channels())
	}
	got, err = collect(t, bmp, 1)
	if err != nil {
		t.Fatal(err)
	}
	// in_*_input is used as the kernel gives it.
	if !slices.Equal(got[0].Values, []float32{100.3253125, 23450}) {
		t.Errorf("bmp280: %v, want the inputs as they are", got[0].Values)
	}
}

func TestIIOScaleLookup(t *testing.T) {
	root := t.TempDir()
	d := devs + "iio:device3/"
	writeTree(t, root, map[string]string{
		d + "name":                                     "ads1015",
		d + "in_accel_x_raw":                           "10\n",
		d + "in_accel_x_scale":                         "2\n", // channel-specific wins
		d + "in_accel_y_raw":                           "10\n",
		d + "in_accel_scale":                           "0.5\n",
		d + "in_accel_offset":                          "-4\n",
		d + "in_voltage0_raw":                          "1000\n",
		d + "in_voltage_scale":                         "0.125\n", // type-wide, indexed channel
		d + "in_rot_from_north_magnetic_tilt_comp_raw": "90\n",
		d + "in_rot_scale":                             "0.01\n",
		d + "in_illuminance_raw":                       "7\n", // no scale: 1
	})
	s, err := iioSensor(t, root, "ads1015", "accel_x", "accel_y", "voltage0", "rot_from_north_magnetic_tilt_comp", "illuminance")
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{(10 - 4) * 2, (10 - 4) * 0.5, 125, 0.9, 7}
	if !slices.Equal(got[0].Values, want) {
		t.Fatalf("values %v, want %v", got[0].Values, want)
	}
}

func TestIIOErrors(t *testing.T) {
	root := iioFixture(t)
	dup := t.TempDir()
	writeTree(t, dup, map[string]string{devs + "iio:device0/name": "bme680\n", devs + "iio:device1/name": "bme680\n"})
	for _, tc := range []struct {
		root, device string
		channels     []string
		want         string
	}{
		{root, "", nil, "the device is empty"},
		{root, "lis3dh", nil, `iio: device "lis3dh" not found in ` + filepath.Join(root, devs) +
			"; there are: iio:device0 (lsm6dsm_accel), iio:device1 (hdc1000), iio:device2 (bmp280), trigger0 (lsm6dsm_accel-trigger)"},
		{t.TempDir(), "iio:device0", nil, "there are no IIO devices in"},
		{root, "lsm6dsm_accel", []string{"accel_q"}, `channel "accel_q": neither in_accel_q_raw nor in_accel_q_input`},
		{root, "lsm6dsm_accel", []string{"../name"}, `bad channel name "../name"`},
		{root, "lsm6dsm_accel", []string{"accel_x", "accel_x"}, `channel "accel_x" is listed twice`},
		{root, "trigger0", nil, "has no in_*_raw or in_*_input channels"},
		{dup, "bme680", nil, `2 devices are named "bme680" (iio:device0, iio:device1)`},
	} {
		_, err := iioSensor(t, tc.root, tc.device, tc.channels...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %v: %v\nwant an error containing %q", tc.device, tc.channels, err, tc.want)
		}
	}
	bad := iioFixture(t)
	writeTree(t, bad, map[string]string{devs + "iio:device0/in_accel_scale": "fast\n"})
	if _, err := iioSensor(t, bad, "iio:device0"); err == nil || !strings.Contains(err.Error(), `in_accel_scale: value "fast" is not a number`) {
		t.Errorf("bad scale: %v", err)
	}
}

// replaceFile swaps a file's content atomically, so a poll never reads it
// half written.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestIIOScaleIsReadAgainAfterAnError(t *testing.T) {
	root := iioFixture(t)
	dev := filepath.Join(root, devs, "iio:device0")
	logs := newLogRecorder()
	sensor, err := New(Spec{Name: "imu", Type: TypeIIO, Rate: 500,
		IIO: IIOOptions{Root: root, Device: "lsm6dsm_accel", Channels: []string{"accel_z"}}}, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	s := sensor.(*IIO)
	s.maxFailures = 1 << 30 // keep polling through the failures below
	var k sink
	background(t, s, k.emit)
	old := float32(16390 * 0.000598205)
	waitFor(t, "a first sample", func() bool { return k.len() > 0 })

	// A new scale alone is not read while polls succeed.
	replaceFile(t, filepath.Join(dev, "in_accel_scale"), "0.001196411\n")
	n := k.len()
	waitFor(t, "three more samples", func() bool { return k.len() >= n+3 })
	for i, smp := range k.snapshot() {
		if !near(float64(smp.Values[0]), float64(old), 1e-5) {
			t.Fatalf("sample %d: %v before any error, want the scale read at start (%v)", i, smp.Values[0], old)
		}
	}

	// A failed poll makes it read the calibration again.
	raw := filepath.Join(dev, "in_accel_z_raw")
	if err := os.Remove(raw); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a failed poll", func() bool { return logs.count("iio poll failed") > 0 })
	n = k.len()
	replaceFile(t, raw, "8195\n")
	want := 8195 * 0.001196411
	waitFor(t, "a sample with the new scale", func() bool {
		s := k.snapshot()
		return len(s) > n && near(float64(s[len(s)-1].Values[0]), want, 1e-5)
	})
}

func TestIIOGivesUpAfterFailuresInARow(t *testing.T) {
	root := iioFixture(t)
	s, err := iioSensor(t, root, "hdc1000")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, devs, "iio:device1", "in_temp_raw")); err != nil {
		t.Fatal(err)
	}
	_, err = runAll(t, s)
	if err == nil || !strings.Contains(err.Error(), `sensor "imu"`) || !strings.Contains(err.Error(), "in_temp_raw") {
		t.Fatalf("Run = %v, want an error naming the sensor and the missing file", err)
	}
}

func TestSysfsValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"123\n", 123}, {"-12\n", -12}, {"0.000598205\n", 0.000598205}, {"-15887.515151\n", -15887.515151},
		{"  42 \n", 42}, {"1e3", 1000}, {"+7", 7},
	} {
		got, err := parseSysfsValue([]byte(tc.in))
		if err != nil || got != tc.want {
			t.Errorf("parseSysfsValue(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "\n", "1 2", "abc", "nan", "inf", "1e999", "0x10", "12\x00", strings.Repeat("1", 70)} {
		if v, err := parseSysfsValue([]byte(in)); err == nil {
			t.Errorf("parseSysfsValue(%q) = %v, want an error", in, v)
		}
	}
}

func TestIIOAttrCandidates(t *testing.T) {
	for c, want := range map[string][]string{
		"accel_x":  {"accel_x", "accel"},
		"voltage0": {"voltage0", "voltage"},
		"temp":     {"temp"},
		"rot_from_north_magnetic_tilt_comp": {"rot_from_north_magnetic_tilt_comp", "rot_from_north_magnetic_tilt",
			"rot_from_north_magnetic", "rot_from_north", "rot_from", "rot"},
	} {
		if got := iioAttrCandidates(c); !slices.Equal(got, want) {
			t.Errorf("iioAttrCandidates(%q) = %v, want %v", c, got, want)
		}
	}
}
