package pipeline

import (
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/sensor"
)

func TestQueueDropsOldest(t *testing.T) {
	q := newQueue(3)
	t0 := testBase
	var dropped int
	for i := range 5 {
		if q.push(sensor.Sample{Values: []float32{float32(i)}}, t0.Add(time.Duration(i)*time.Second)) {
			dropped++
		}
	}
	if n, waiting, d := q.state(); n != 3 || d != 2 || dropped != 2 || !waiting.Equal(t0) {
		t.Fatalf("state %d %v %d (push reported %d drops), want 3 queued, 2 dropped, waiting since the first push", n, waiting, d, dropped)
	}
	for want := 2; want < 5; want++ {
		s, ok := q.pop(t0.Add(time.Minute))
		if !ok || s.Values[0] != float32(want) {
			t.Fatalf("pop = %v %v, want sample %d", s.Values, ok, want)
		}
	}
	if _, ok := q.pop(t0); ok {
		t.Fatal("pop from an empty queue")
	}
}

func TestQueueWaitingRestartsOnProgress(t *testing.T) {
	q := newQueue(4)
	t0 := testBase
	q.push(sensor.Sample{}, t0)
	q.push(sensor.Sample{}, t0.Add(time.Second))
	if _, w, _ := q.state(); !w.Equal(t0) {
		t.Errorf("waiting since %v, want the first push %v", w, t0)
	}
	q.pop(t0.Add(5 * time.Second)) // progress: the rest waits from now
	if _, w, _ := q.state(); !w.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("waiting since %v, want the pop", w)
	}
	q.pop(t0.Add(6 * time.Second))
	q.push(sensor.Sample{}, t0.Add(9*time.Second)) // into an empty queue
	if n, w, _ := q.state(); n != 1 || !w.Equal(t0.Add(9*time.Second)) {
		t.Errorf("%d queued waiting since %v, want 1 since the push", n, w)
	}
}
