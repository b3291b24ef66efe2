// Package arena plans where tensors live inside one contiguous buffer.
//
// Every tensor that is neither constant nor persistent has a lifetime: the
// first and last operator (by execution order) that touches it. Two tensors
// whose lifetimes overlap must not share bytes; tensors whose lifetimes are
// disjoint may. A Planner assigns each request an offset so that this holds,
// and reports the arena size it needs.
//
// Greedy is the production planner; Linear, which never shares bytes, is the
// simple oracle the tests compare it with. Check verifies any plan.
package arena

import (
	"fmt"
	"sort"
)

// Request is one buffer to place.
type Request struct {
	Size  int // bytes
	First int // first operator that uses it
	Last  int // last operator that uses it (inclusive)
}

// Plan is the outcome of planning: an offset per request and the arena size.
type Plan struct {
	Offsets []int
	Size    int
}

// Planner places requests in an arena, each offset a multiple of align.
type Planner interface {
	Plan(reqs []Request, align int) Plan
}

func alignUp(n, align int) int {
	if align <= 1 {
		return n
	}
	return (n + align - 1) / align * align
}

// Linear places every request after the previous one: no sharing.
type Linear struct{}

// Plan implements Planner.
func (Linear) Plan(reqs []Request, align int) Plan {
	p := Plan{Offsets: make([]int, len(reqs))}
	off := 0
	for i, r := range reqs {
		p.Offsets[i] = off
		off = alignUp(off+r.Size, align)
	}
	p.Size = off
	return p
}

// Greedy places requests in order of decreasing size (ties: earlier first
// use, then request order). Each goes into the lowest aligned gap between the
// already placed requests whose lifetimes overlap its own. It is TFLite
// Micro's greedy planner: fast and usually close to the lower bound (the
// largest sum of sizes live at one time), but not guaranteed optimal.
type Greedy struct{}

type placed struct{ off, end, first, last int }

// Plan implements Planner.
func (Greedy) Plan(reqs []Request, align int) Plan {
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ra, rb := reqs[order[a]], reqs[order[b]]
		if ra.Size != rb.Size {
			return ra.Size > rb.Size
		}
		return ra.First < rb.First
	})
	p := Plan{Offsets: make([]int, len(reqs))}
	var done []placed
	var live []placed
	for _, i := range order {
		r := reqs[i]
		live = live[:0]
		for _, q := range done {
			if q.first <= r.Last && r.First <= q.last && q.end > q.off {
				live = append(live, q)
			}
		}
		sort.Slice(live, func(a, b int) bool { return live[a].off < live[b].off })
		off := 0
		for _, q := range live {
			if off+r.Size <= q.off {
				break // fits in the gap before q
			}
			if q.end > off {
				off = alignUp(q.end, align)
			}
		}
		p.Offsets[i] = off
		done = append(done, placed{off: off, end: off + r.Size, first: r.First, last: r.Last})
		if end := alignUp(off+r.Size, align); end > p.Size {
			p.Size = end
		}
	}
	return p
}

// Check verifies that no two requests with overlapping lifetimes overlap in
// the arena, that offsets are aligned and that everything fits in p.Size.
func Check(reqs []Request, p Plan, align int) error {
	if len(p.Offsets) != len(reqs) {
		return fmt.Errorf("plan has %d offsets for %d requests", len(p.Offsets), len(reqs))
	}
	for i, r := range reqs {
		o := p.Offsets[i]
		if o < 0 || o+r.Size > p.Size {
			return fmt.Errorf("request %d [%d, %d) lies outside the arena of %d bytes", i, o, o+r.Size, p.Size)
		}
		if align > 1 && o%align != 0 {
			return fmt.Errorf("request %d at offset %d is not aligned to %d", i, o, align)
		}
		for j := i + 1; j < len(reqs); j++ {
			s := reqs[j]
			if r.Size == 0 || s.Size == 0 || r.First > s.Last || s.First > r.Last {
				continue
			}
			q := p.Offsets[j]
			if o < q+s.Size && q < o+r.Size {
				return fmt.Errorf("requests %d [%d, %d) ops %d-%d and %d [%d, %d) ops %d-%d overlap",
					i, o, o+r.Size, r.First, r.Last, j, q, q+s.Size, s.First, s.Last)
			}
		}
	}
	return nil
}

// LowerBound returns the largest total size of requests live at one operator:
// no plan can use less.
func LowerBound(reqs []Request) int {
	maxOp := 0
	for _, r := range reqs {
		if r.Last > maxOp {
			maxOp = r.Last
		}
	}
	best := 0
	for op := 0; op <= maxOp; op++ {
		sum := 0
		for _, r := range reqs {
			if r.First <= op && op <= r.Last {
				sum += r.Size
			}
		}
		if sum > best {
			best = sum
		}
	}
	return best
}
