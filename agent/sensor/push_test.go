package sensor

import (
	"errors"
	"image"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestPush(t *testing.T, o PushOptions) *Push {
	t.Helper()
	return mustNew(t, Spec{Name: "env", Type: TypeSocket, Clock: fakeClock(), Socket: o}).(*Push)
}

func TestPushDeliversInOrder(t *testing.T) {
	p := newTestPush(t, PushOptions{Channels: []string{"temp", "humidity"}, Group: "apps"})
	if p.Group() != "apps" || !slices.Equal(p.Channels(), []string{"temp", "humidity"}) {
		t.Fatalf("group %q, channels %v", p.Group(), p.Channels())
	}
	at := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	vals := []float32{21.5, 40}
	n, err := p.Push([]Sample{{TS: at, Values: vals}, {Values: []float32{22, 41}}})
	if n != 2 || err != nil {
		t.Fatalf("Push = %d, %v", n, err)
	}
	vals[0] = -1 // the caller reuses its buffer
	if p.Queued() != 2 {
		t.Fatalf("%d queued, want 2", p.Queued())
	}
	got, err := collect(t, p, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got[0].Values, []float32{21.5, 40}) || !got[0].TS.Equal(at) {
		t.Errorf("first sample %v at %v", got[0].Values, got[0].TS)
	}
	if !slices.Equal(got[1].Values, []float32{22, 41}) || got[1].TS.IsZero() {
		t.Errorf("second sample %v at %v, want it stamped", got[1].Values, got[1].TS)
	}
}

func TestPushRefusesBadSamplesWhole(t *testing.T) {
	p := newTestPush(t, PushOptions{Channels: []string{"temp"}})
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	for _, tc := range []struct {
		samples []Sample
		want    string
	}{
		{[]Sample{{Values: []float32{1}}, {Values: []float32{1, 2}}}, "sample 1: invalid sample: 2 values, want 1 (temp)"},
		{[]Sample{{}}, "no values, image or raw data"},
		{[]Sample{{Values: []float32{1}, Raw: []byte{1}}}, "more than one of values, image and raw data"},
		{[]Sample{{Image: image.NewGray(image.Rect(0, 0, 0, 0))}}, "the image has no pixels"},
	} {
		n, err := p.Push(tc.samples)
		if n != 0 || !errors.Is(err, ErrInvalidSample) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Push(%v) = %d, %v; want 0 and an error containing %q", tc.samples, n, err, tc.want)
		}
	}
	if p.Queued() != 0 {
		t.Fatalf("%d queued after refusals", p.Queued())
	}
	// Images and raw tensors go to a sensor without channels.
	frames := newTestPush(t, PushOptions{})
	if n, err := frames.Push([]Sample{{Image: img}, {Raw: []byte{1, 2, 3, 4}}}); n != 2 || err != nil {
		t.Fatalf("image and raw: %d, %v", n, err)
	}
	if _, err := frames.Push([]Sample{{Values: []float32{1}}}); err == nil || !strings.Contains(err.Error(), "without channels") {
		t.Fatalf("values to a sensor without channels: %v", err)
	}
	got, err := collect(t, frames, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Image != img || len(got[1].Raw) != 4 {
		t.Fatalf("got %+v", got)
	}
}

func TestPushQueueFull(t *testing.T) {
	p := newTestPush(t, PushOptions{Channels: []string{"v"}, Queue: 3})
	batch := []Sample{{Values: []float32{1}}, {Values: []float32{2}}, {Values: []float32{3}}, {Values: []float32{4}}, {Values: []float32{5}}}
	n, err := p.Push(batch)
	if n != 3 || !errors.Is(err, ErrFull) || !strings.Contains(err.Error(), "accepted 3 of 5") {
		t.Fatalf("Push = %d, %v; want 3 and ErrFull", n, err)
	}
	got, err := collect(t, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, smp := range got {
		if smp.Values[0] != float32(i+1) {
			t.Fatalf("sample %d: %v", i, smp.Values)
		}
	}
	if n, err := p.Push(batch[3:]); n != 2 || err != nil {
		t.Fatalf("after draining: %d, %v", n, err)
	}
}

func TestPushConcurrent(t *testing.T) {
	p := newTestPush(t, PushOptions{Channels: []string{"v"}, Queue: 64})
	var k sink
	background(t, p, k.emit)
	const pushers, each = 4, 200
	var wg sync.WaitGroup
	for g := 0; g < pushers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for {
					n, err := p.Push([]Sample{{Values: []float32{float32(g*each + i)}}})
					if n == 1 {
						break
					}
					if !errors.Is(err, ErrFull) {
						t.Errorf("Push: %v", err)
						return
					}
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	waitFor(t, "every pushed sample", func() bool { return k.len() == pushers*each })
	seen := map[float32]bool{}
	last := make([]float32, pushers)
	for i := range last {
		last[i] = -1
	}
	for _, smp := range k.snapshot() {
		v := smp.Values[0]
		g := int(v) / each
		if seen[v] || v <= last[g] {
			t.Fatalf("value %v duplicated or out of its pusher's order", v)
		}
		seen[v], last[g] = true, v
	}
}

func TestPushValidation(t *testing.T) {
	for _, tc := range []struct {
		o    PushOptions
		want string
	}{
		{PushOptions{Queue: -1}, "queue -1"},
		{PushOptions{Channels: []string{"a", ""}}, "channel 1 has an empty name"},
	} {
		if _, err := New(Spec{Name: "p", Type: TypeSocket, Socket: tc.o}, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
}
