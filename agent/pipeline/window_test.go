package pipeline

import (
	"slices"
	"testing"
	"time"
)

// pushAll pushes one-channel samples and returns the windows taken when
// due (with interval false), as value lists.
func pushAll(w *window, vals ...float32) [][]float32 {
	var got [][]float32
	for _, v := range vals {
		w.slot()[0] = v
		w.push(time.Unix(int64(v), 0))
		if w.due(false) {
			a, b, ts := w.take()
			win := append(slices.Clone(a), b...)
			if ts.Unix() != int64(v) {
				panic("newest timestamp is not the last sample's")
			}
			got = append(got, win)
		}
	}
	return got
}

func TestWindowStride(t *testing.T) {
	for _, tc := range []struct {
		size, stride int
		want         [][]float32
	}{
		{3, 1, [][]float32{{1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {4, 5, 6}, {5, 6, 7}}},
		{3, 2, [][]float32{{1, 2, 3}, {3, 4, 5}, {5, 6, 7}}},
		{3, 0, [][]float32{{1, 2, 3}, {4, 5, 6}}}, // stride 0: tumbling windows
		{2, 4, [][]float32{{1, 2}, {5, 6}}},       // a stride above the size skips samples
	} {
		w := newWindow(tc.size, tc.stride, 1)
		got := pushAll(&w, 1, 2, 3, 4, 5, 6, 7)
		if !slices.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("size %d stride %d: windows %v, want %v", tc.size, tc.stride, got, tc.want)
		}
	}
}

func TestWindowResetRestartsTheWindow(t *testing.T) {
	w := newWindow(3, 1, 1)
	got := pushAll(&w, 1, 2, 3, 4)
	w.reset()
	got = append(got, pushAll(&w, 10, 11, 12, 13)...)
	want := [][]float32{{1, 2, 3}, {2, 3, 4}, {10, 11, 12}, {11, 12, 13}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("windows %v, want %v", got, want)
	}
}

func TestWindowIntervalDueOnlyWithNewSamples(t *testing.T) {
	w := newWindow(2, 5, 2)
	for i, v := range [][]float32{{1, 10}, {2, 20}} {
		if w.due(true) {
			t.Fatalf("due after %d samples", i)
		}
		copy(w.slot(), v)
		w.push(time.Time{})
	}
	if !w.due(true) {
		t.Fatal("a full window with new samples is not due")
	}
	a, b, _ := w.take()
	if got := append(slices.Clone(a), b...); !slices.Equal(got, []float32{1, 10, 2, 20}) {
		t.Errorf("window %v, want channel-minor [1 10 2 20]", got)
	}
	if w.due(true) {
		t.Error("due again with nothing new")
	}
	copy(w.slot(), []float32{3, 30})
	w.push(time.Time{})
	if !w.due(true) {
		t.Error("not due after a new sample")
	}
	if w.due(false) {
		t.Error("due by stride after 1 of 5 samples")
	}
	a, b, _ = w.take()
	if got := append(slices.Clone(a), b...); !slices.Equal(got, []float32{2, 20, 3, 30}) {
		t.Errorf("window %v, want [2 20 3 30]", got)
	}
}
