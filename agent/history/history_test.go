package history

import (
	"testing"

	"github.com/edge-agent/edge-agent/sync/wire"
)

func seqs(ps []wire.Prediction) []uint64 {
	var out []uint64
	for _, p := range ps {
		out = append(out, p.Seq)
	}
	return out
}

func TestRingKeepsTheLastRecords(t *testing.T) {
	h := New(3)
	for s := uint64(1); s <= 5; s++ {
		if !h.Add(wire.Prediction{Seq: s}) {
			t.Fatalf("seq %d refused", s)
		}
	}
	if h.Add(wire.Prediction{Seq: 4}) {
		t.Fatal("a seq not above the last was accepted")
	}
	recs, oldest, last := h.Since(0, 0)
	if got := seqs(recs); len(got) != 3 || got[0] != 3 || got[2] != 5 || oldest != 3 || last != 5 {
		t.Fatalf("since 0: %v oldest %d last %d", got, oldest, last)
	}
	recs, _, _ = h.Since(3, 1)
	if got := seqs(recs); len(got) != 1 || got[0] != 4 {
		t.Fatalf("since 3 limit 1: %v", got)
	}
	if recs, _, _ := h.Since(5, 10); len(recs) != 0 {
		t.Fatalf("since 5: %v", seqs(recs))
	}
}

func TestSubscribeBacklogThenLive(t *testing.T) {
	h := New(10)
	h.Add(wire.Prediction{Seq: 1})
	h.Add(wire.Prediction{Seq: 2})
	ch, cancel := h.Subscribe(1, 4)
	h.Add(wire.Prediction{Seq: 3})
	for _, want := range []uint64{2, 3} {
		if p := <-ch; p.Seq != want {
			t.Fatalf("got %d want %d", p.Seq, want)
		}
	}
	cancel()
	if _, ok := <-ch; ok {
		t.Fatal("channel open after cancel")
	}
	cancel() // twice is fine
}

func TestSlowSubscriberIsCutOffNotBlocking(t *testing.T) {
	h := New(100)
	ch, cancel := h.Subscribe(0, 2)
	defer cancel()
	for s := uint64(1); s <= 10; s++ {
		h.Add(wire.Prediction{Seq: s}) // never blocks
	}
	var got []uint64
	for p := range ch {
		got = append(got, p.Seq)
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("slow subscriber got %v, want [1 2] then close", got)
	}
	h.Close()
}
