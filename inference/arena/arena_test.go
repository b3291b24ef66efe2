package arena_test

import (
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/arena"
)

func randomRequests(r *rand.Rand, n int) []arena.Request {
	reqs := make([]arena.Request, n)
	for i := range reqs {
		first := r.IntN(40)
		reqs[i] = arena.Request{Size: r.IntN(5000), First: first, Last: first + r.IntN(6)}
	}
	return reqs
}

func TestGreedyPlansNeverOverlap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		reqs := randomRequests(r, 1+r.IntN(60))
		for _, align := range []int{1, 16, 64} {
			g := arena.Greedy{}.Plan(reqs, align)
			if err := arena.Check(reqs, g, align); err != nil {
				t.Fatalf("trial %d align %d: greedy plan invalid: %v", trial, align, err)
			}
			l := arena.Linear{}.Plan(reqs, align)
			if err := arena.Check(reqs, l, align); err != nil {
				t.Fatalf("trial %d align %d: linear plan invalid: %v", trial, align, err)
			}
			if g.Size > l.Size {
				t.Errorf("trial %d: greedy arena %d larger than linear %d", trial, g.Size, l.Size)
			}
			if lb := arena.LowerBound(reqs); g.Size < lb {
				t.Errorf("trial %d: greedy arena %d below the lower bound %d", trial, g.Size, lb)
			}
		}
	}
}

func TestGreedyReusesMemoryOfDeadTensors(t *testing.T) {
	// A chain a -> b -> c: a and c never live together, so c can reuse a's bytes.
	reqs := []arena.Request{{Size: 100, First: 0, Last: 1}, {Size: 100, First: 1, Last: 2}, {Size: 100, First: 2, Last: 3}}
	p := arena.Greedy{}.Plan(reqs, 1)
	if p.Size != 200 {
		t.Errorf("chain of three 100-byte tensors needs %d bytes, want 200", p.Size)
	}
	if p.Offsets[0] != p.Offsets[2] {
		t.Errorf("first and last tensors at %d and %d, want the same offset", p.Offsets[0], p.Offsets[2])
	}
}

func TestCheckFindsOverlap(t *testing.T) {
	reqs := []arena.Request{{Size: 10, First: 0, Last: 2}, {Size: 10, First: 1, Last: 3}}
	bad := arena.Plan{Offsets: []int{0, 5}, Size: 15}
	if err := arena.Check(reqs, bad, 1); err == nil {
		t.Fatal("Check accepted overlapping live buffers")
	}
	if err := arena.Check(reqs, arena.Plan{Offsets: []int{0, 10}, Size: 15}, 1); err == nil {
		t.Fatal("Check accepted a buffer past the arena's end")
	}
	if err := arena.Check(reqs, arena.Plan{Offsets: []int{0, 12}, Size: 22}, 8); err == nil {
		t.Fatal("Check accepted a misaligned offset")
	}
	disjoint := []arena.Request{{Size: 10, First: 0, Last: 0}, {Size: 10, First: 1, Last: 1}}
	if err := arena.Check(disjoint, arena.Plan{Offsets: []int{0, 0}, Size: 10}, 1); err != nil {
		t.Fatalf("Check refused sharing between disjoint lifetimes: %v", err)
	}
}
