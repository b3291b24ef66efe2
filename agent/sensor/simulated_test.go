package sensor

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/demo"
)

func TestSimulatedMotionIsTheDemoAccelerometer(t *testing.T) {
	s := mustNew(t, Spec{Name: "accel", Type: TypeSimulated, Rate: 50, Fast: true,
		Simulated: SimulatedOptions{Signal: SignalMotion, Seed: 3}})
	if got := s.Channels(); !slices.Equal(got, []string{"x", "y", "z"}) {
		t.Fatalf("channels %v, want x y z", got)
	}
	const n = 3 * 200 // one idle, one walking, one shaking period at 50 Hz
	got, err := collect(t, s, n)
	if err != nil {
		t.Fatal(err)
	}
	ref := demo.NewAccelerometer(3)
	labels := map[string]int{}
	for i, smp := range got {
		v, m := ref.Next()
		if !sameBits(smp.Values, v[:]) || smp.Truth != m.String() {
			t.Fatalf("sample %d: %v %q, want %v %q", i, smp.Values, smp.Truth, v, m)
		}
		if smp.TS.IsZero() {
			t.Fatalf("sample %d has no timestamp", i)
		}
		labels[smp.Truth]++
	}
	for _, l := range demo.Labels {
		if labels[l] != 200 {
			t.Errorf("%d samples labelled %q, want 200 (4 s at 50 Hz)", labels[l], l)
		}
	}
}

func TestSimulatedMotionDwellFollowsTheRate(t *testing.T) {
	s := mustNew(t, Spec{Name: "accel", Type: TypeSimulated, Rate: 10, Fast: true,
		Simulated: SimulatedOptions{Seed: 1}})
	got, err := collect(t, s, 80)
	if err != nil {
		t.Fatal(err)
	}
	// 4 s per motion at 10 Hz: 40 samples idle, then walking.
	if got[39].Truth != "idle" || got[40].Truth != "walking" {
		t.Fatalf("truth at 39, 40: %q %q, want idle walking", got[39].Truth, got[40].Truth)
	}
}

func TestSimulatedSine(t *testing.T) {
	s := mustNew(t, Spec{Name: "sine", Type: TypeSimulated, Rate: 100, Fast: true,
		Simulated: SimulatedOptions{Signal: SignalSine, Channels: 3, Amplitude: 2, Frequency: 5, Phase: math.Pi / 2}})
	if got := s.Channels(); !slices.Equal(got, []string{"ch0", "ch1", "ch2"}) {
		t.Fatalf("channels %v", got)
	}
	got, err := collect(t, s, 200)
	if err != nil {
		t.Fatal(err)
	}
	for n, smp := range got {
		for c, v := range smp.Values {
			want := 2 * math.Sin(2*math.Pi*5*float64(n)/100+float64(c)*math.Pi/2)
			if !near(float64(v), want, 1e-6) {
				t.Fatalf("sample %d channel %d: %v, want %v", n, c, v, want)
			}
		}
		if smp.Truth != "" {
			t.Fatalf("sample %d: truth %q without anomalies", n, smp.Truth)
		}
	}
}

func TestSimulatedNoiseStatistics(t *testing.T) {
	s := mustNew(t, Spec{Name: "noise", Type: TypeSimulated, Fast: true,
		Simulated: SimulatedOptions{Signal: SignalNoise, Channels: 2, Amplitude: 3, Seed: 9}})
	got, err := collect(t, s, 5000)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 2; c++ {
		var sum, sq float64
		for _, smp := range got {
			sum += float64(smp.Values[c])
			sq += float64(smp.Values[c]) * float64(smp.Values[c])
		}
		mean := sum / float64(len(got))
		sd := math.Sqrt(sq/float64(len(got)) - mean*mean)
		if math.Abs(mean) > 0.2 || math.Abs(sd-3) > 0.15 {
			t.Errorf("channel %d: mean %.3f, sd %.3f; want about 0 and 3", c, mean, sd)
		}
	}
	if sameBits(got[0].Values[:1], got[0].Values[1:]) {
		t.Error("both channels drew the same value")
	}
}

func TestSimulatedNoiseIsAddedToMotion(t *testing.T) {
	clean := mustNew(t, Spec{Name: "a", Type: TypeSimulated, Fast: true, Simulated: SimulatedOptions{Seed: 4}})
	noisy := mustNew(t, Spec{Name: "b", Type: TypeSimulated, Fast: true, Simulated: SimulatedOptions{Seed: 4, Noise: 0.5}})
	a, _ := collect(t, clean, 1000)
	b, _ := collect(t, noisy, 1000)
	var sq float64
	for i := range a {
		if a[i].Truth != b[i].Truth {
			t.Fatalf("sample %d: noise changed the truth", i)
		}
		for c := range a[i].Values {
			d := float64(b[i].Values[c] - a[i].Values[c])
			sq += d * d
		}
	}
	if sd := math.Sqrt(sq / 3000); math.Abs(sd-0.5) > 0.05 {
		t.Errorf("added noise has sd %.3f, want about 0.5", sd)
	}
}

func TestSimulatedIsDeterministic(t *testing.T) {
	opts := SimulatedOptions{Signal: SignalSine, Channels: 2, Noise: 0.1, Seed: 11, Anomalies: []Anomaly{
		{Kind: AnomalyStuck, Every: 2 * time.Second, Duration: 500 * time.Millisecond},
		{Kind: AnomalyDropout, Every: 3 * time.Second, Duration: 300 * time.Millisecond},
	}}
	run := func(seed uint64) []Sample {
		o := opts
		o.Seed = seed
		got, err := collect(t, mustNew(t, Spec{Name: "s", Type: TypeSimulated, Rate: 20, Fast: true, Simulated: o}), 500)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a, b, c := run(11), run(11), run(12)
	for i := range a {
		if !sameBits(a[i].Values, b[i].Values) || a[i].Truth != b[i].Truth {
			t.Fatalf("sample %d differs between two runs with one seed", i)
		}
	}
	if sameBits(a[1].Values, c[1].Values) {
		t.Error("another seed gave the same noise")
	}
}

func TestSimulatedAnomalies(t *testing.T) {
	// At 10 Hz, every 1 s for 200 ms covers samples 10, 11, 20, 21, ...
	base := SimulatedOptions{Signal: SignalSine, Channels: 2, Frequency: 0.3, Phase: 1}
	ref, err := collect(t, mustNew(t, Spec{Name: "ref", Type: TypeSimulated, Rate: 10, Fast: true, Simulated: base}), 40)
	if err != nil {
		t.Fatal(err)
	}
	active := func(n int) bool { return n >= 10 && n%10 < 2 }
	for _, tc := range []struct {
		kind  string
		value float64
		check func(n int, got, ref []float32) bool
	}{
		{AnomalySpike, 50, func(_ int, got, ref []float32) bool { return got[0] == ref[0]+50 && got[1] == ref[1]+50 }},
		{AnomalyOffset, -2.5, func(_ int, got, ref []float32) bool { return got[0] == ref[0]-2.5 && got[1] == ref[1]-2.5 }},
		{AnomalyNaN, 0, func(_ int, got, _ []float32) bool { return math.IsNaN(float64(got[0])) && math.IsNaN(float64(got[1])) }},
		{AnomalyInf, 0, func(_ int, got, _ []float32) bool {
			return math.IsInf(float64(got[0]), 1) && math.IsInf(float64(got[1]), 1)
		}},
		{AnomalyInf, -1, func(_ int, got, _ []float32) bool {
			return math.IsInf(float64(got[0]), -1) && math.IsInf(float64(got[1]), -1)
		}},
		{AnomalyStuck, 0, func(n int, got, _ []float32) bool {
			held := ref[n-n%10-1].Values // the last sample before the occurrence
			return sameBits(got, held)
		}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			o := base
			o.Anomalies = []Anomaly{{Kind: tc.kind, Every: time.Second, Duration: 200 * time.Millisecond, Value: tc.value}}
			got, err := collect(t, mustNew(t, Spec{Name: "s", Type: TypeSimulated, Rate: 10, Fast: true, Simulated: o}), 40)
			if err != nil {
				t.Fatal(err)
			}
			for n := range got {
				if active(n) {
					if !tc.check(n, got[n].Values, ref[n].Values) || got[n].Truth != tc.kind {
						t.Errorf("sample %d: %v (truth %q), clean %v", n, got[n].Values, got[n].Truth, ref[n].Values)
					}
				} else if !sameBits(got[n].Values, ref[n].Values) || got[n].Truth != "" {
					t.Errorf("sample %d: %v (truth %q), want the clean %v", n, got[n].Values, got[n].Truth, ref[n].Values)
				}
			}
		})
	}
	t.Run(AnomalyDropout, func(t *testing.T) {
		o := base
		o.Anomalies = []Anomaly{{Kind: AnomalyDropout, Every: time.Second, Duration: 200 * time.Millisecond}}
		got, err := collect(t, mustNew(t, Spec{Name: "s", Type: TypeSimulated, Rate: 10, Fast: true, Simulated: o}), 34)
		if err != nil {
			t.Fatal(err)
		}
		var want []Sample
		for n := range ref {
			if !active(n) {
				want = append(want, ref[n])
			}
		}
		for i := range got {
			if !sameBits(got[i].Values, want[i].Values) {
				t.Fatalf("sample %d: %v, want %v (samples 10, 11, 20, 21, 30, 31 dropped)", i, got[i].Values, want[i].Values)
			}
		}
	})
	t.Run("zero duration is one sample", func(t *testing.T) {
		o := base
		o.Anomalies = []Anomaly{{Kind: AnomalySpike, Every: time.Second, Value: 9}}
		got, _ := collect(t, mustNew(t, Spec{Name: "s", Type: TypeSimulated, Rate: 10, Fast: true, Simulated: o}), 25)
		for n := range got {
			spiked := got[n].Values[0] != ref[n].Values[0]
			if spiked != (n == 10 || n == 20) {
				t.Errorf("sample %d: spiked=%v", n, spiked)
			}
		}
	})
}

func TestSimulatedRealTimeUsesTheClock(t *testing.T) {
	s := mustNew(t, Spec{Name: "rt", Type: TypeSimulated, Rate: 200, Clock: fakeClock(),
		Simulated: SimulatedOptions{Signal: SignalSine}})
	got, err := collect(t, s, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d samples, want 5", len(got))
	}
	for i := 1; i < len(got); i++ {
		if d := got[i].TS.Sub(got[i-1].TS); d != time.Millisecond {
			t.Fatalf("timestamps %v and %v are not the fake clock's", got[i-1].TS, got[i].TS)
		}
	}
}

func TestSimulatedValidation(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Type: TypeSimulated}, "name is empty"},
		{Spec{Name: "s", Type: "thermometer"}, `unknown type "thermometer"`},
		{Spec{Name: "s", Type: TypeSimulated, Rate: -1}, "rate -1"},
		{Spec{Name: "s", Type: TypeSimulated, Rate: math.Inf(1)}, "rate +Inf"},
		{Spec{Name: "s", Type: TypeSimulated, Simulated: SimulatedOptions{Signal: "square"}}, `unknown signal "square"`},
		{Spec{Name: "s", Type: TypeSimulated, Simulated: SimulatedOptions{Channels: 5000}}, "channels 5000"},
		{Spec{Name: "s", Type: TypeSimulated, Simulated: SimulatedOptions{Noise: -1}}, "noise -1"},
		{Spec{Name: "s", Type: TypeSimulated, Simulated: SimulatedOptions{Amplitude: math.NaN()}}, "amplitude NaN"},
		{Spec{Name: "s", Type: TypeSimulated, Simulated: SimulatedOptions{Frequency: -2}}, "frequency -2"},
		{Spec{Name: "s", Type: TypeSimulated, Simulated: SimulatedOptions{Anomalies: []Anomaly{{Kind: "glitch", Every: time.Second}}}}, `anomaly 0: unknown kind "glitch"`},
		{Spec{Name: "s", Type: TypeSimulated, Simulated: SimulatedOptions{Anomalies: []Anomaly{{Kind: AnomalyNaN}}}}, "nan: every 0s"},
		{Spec{Name: "s", Type: TypeSimulated, Simulated: SimulatedOptions{Anomalies: []Anomaly{{Kind: AnomalyNaN, Every: time.Second, Duration: 2 * time.Second}}}}, "duration 2s"},
	} {
		_, err := New(tc.spec, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", tc.spec, err, tc.want)
		}
		if tc.spec.Name != "" && err != nil && !strings.Contains(err.Error(), `sensor "s"`) {
			t.Errorf("error %q does not name the sensor", err)
		}
	}
}
