package sensor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func waitDone(t *testing.T, sv *Supervisor) {
	t.Helper()
	select {
	case <-sv.Done():
	case <-time.After(hang):
		t.Fatalf("supervision did not end: %+v", sv.State())
	}
}

func TestSuperviseRestartsAFailedIIOSensor(t *testing.T) {
	root := iioFixture(t)
	s, err := iioSensor(t, root, "hdc1000", "temp")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var k sink
	sv := Supervise(ctx, s, TypeIIO, k.emit, nil)
	waitFor(t, "samples", func() bool { return sv.State().Samples > 0 })

	// The device loses its channel: polls fail, Run gives up, and each
	// restart fails at once, until the file is back.
	raw := filepath.Join(root, devs, "iio:device1", "in_temp_raw")
	if err := os.Remove(raw); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two restarts", func() bool { return sv.State().Restarts >= 2 })
	st := sv.State()
	if !strings.Contains(st.LastErr, "in_temp_raw") || st.Name != "imu" || st.Type != TypeIIO {
		t.Fatalf("state %+v, want the missing file as the last error", st)
	}
	before := st.Samples
	replaceFile(t, raw, "26214\n")
	waitFor(t, "samples after the repair", func() bool { st := sv.State(); return st.Running && st.Samples > before+2 })
	if last := sv.State().LastSample; last.IsZero() {
		t.Error("no last sample time")
	}
	cancel()
	waitDone(t, sv)
	if st := sv.State(); st.Running {
		t.Fatalf("still running after cancel: %+v", st)
	}
	if k.len() != int(sv.State().Samples) {
		t.Fatalf("emitted %d, counted %d", k.len(), sv.State().Samples)
	}
}

func TestSuperviseDoesNotRestartAnEndedFile(t *testing.T) {
	path := writeFile(t, t.TempDir(), "a.csv", []byte("v\n1\n2\n3\n"))
	s := mustNew(t, Spec{Name: "replay", Type: TypeFile, File: FileOptions{Path: path}})
	var k sink
	sv := Supervise(context.Background(), s, TypeFile, k.emit, nil)
	waitDone(t, sv)
	st := sv.State()
	if st.Running || st.Restarts != 0 || st.Samples != 3 || st.LastErr != "" || k.len() != 3 {
		t.Fatalf("state %+v after the file ended, %d emitted", st, k.len())
	}
}

// flaky is a sensor that panics on its first run, fails on its second and
// emits one sample and ends on its third.
type flaky struct{ runs atomic.Int32 }

func (f *flaky) Name() string       { return "flaky" }
func (f *flaky) Channels() []string { return []string{"v"} }
func (f *flaky) Run(ctx context.Context, emit func(Sample)) error {
	switch f.runs.Add(1) {
	case 1:
		var m map[string]int
		m["boom"]++ // a nil map write: a real runtime panic
	case 2:
		return os.ErrDeadlineExceeded
	}
	emit(Sample{Values: []float32{1}})
	return nil
}

func TestSuperviseRecoversFromAPanic(t *testing.T) {
	f := &flaky{}
	var k sink
	sv := Supervise(context.Background(), f, "test", k.emit, nil)
	waitDone(t, sv)
	st := sv.State()
	if f.runs.Load() != 3 || st.Restarts != 2 || st.Samples != 1 || !strings.Contains(st.LastErr, "i/o timeout") {
		t.Fatalf("%d runs, state %+v", f.runs.Load(), st)
	}
	if sv.Sensor() != f {
		t.Fatal("Sensor() is not the supervised sensor")
	}
}

func TestSuperviseStopsWithTheContext(t *testing.T) {
	s := mustNew(t, Spec{Name: "sim", Type: TypeSimulated, Rate: 100})
	ctx, cancel := context.WithCancel(context.Background())
	sv := Supervise(ctx, s, TypeSimulated, func(Sample) {}, nil)
	waitFor(t, "samples", func() bool { return sv.State().Samples > 2 })
	if !sv.State().Running {
		t.Fatal("not running")
	}
	cancel()
	waitDone(t, sv)
	if st := sv.State(); st.Running || st.Restarts != 0 || st.LastErr != "" {
		t.Fatalf("state %+v after cancel", st)
	}
}

func TestRestartPolicy(t *testing.T) {
	p := restartPolicy{min: RestartMin, max: RestartMax, healthy: RestartHealthy}
	var got []time.Duration
	for i := 0; i < 11; i++ {
		got = append(got, p.next(time.Second))
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("waits %v, want %v ms", got, want)
		}
	}
	if w := p.next(2 * time.Minute); w != RestartMin {
		t.Fatalf("after a healthy run: %v, want %v", w, RestartMin)
	}
	if w := p.next(0); w != 2*RestartMin {
		t.Fatalf("then: %v", w)
	}
}
