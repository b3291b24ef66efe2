package parallel_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/inference/parallel"
)

type counter struct {
	hits    []int32
	workers [8]int32
}

func (c *counter) Run(w, lo, hi int) {
	atomic.AddInt32(&c.workers[w], 1)
	for i := lo; i < hi; i++ {
		atomic.AddInt32(&c.hits[i], 1)
	}
}

func TestRunCoversTheRangeOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 8} {
		p := parallel.New(workers)
		for _, n := range []int{0, 1, 2, 7, 100, 1001} {
			for _, grain := range []int{1, 16, 1000} {
				c := &counter{hits: make([]int32, n)}
				p.Run(n, grain, c)
				for i, h := range c.hits {
					if h != 1 {
						t.Fatalf("workers %d n %d grain %d: index %d ran %d times", workers, n, grain, i, h)
					}
				}
				used := 0
				for _, w := range c.workers {
					used += int(w)
				}
				if want := min(workers, max((n+grain-1)/grain, 1)); n > 0 && used != want {
					t.Errorf("workers %d n %d grain %d: %d chunks, want %d", workers, n, grain, used, want)
				}
			}
		}
		p.Close()
	}
}

func TestNilPoolRunsInline(t *testing.T) {
	var p *parallel.Pool
	c := &counter{hits: make([]int32, 10)}
	p.Run(10, 1, c)
	if c.workers[0] != 1 || p.Workers() != 1 {
		t.Fatalf("nil pool: %v chunks on worker 0", c.workers[0])
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	p := parallel.New(2)
	defer p.Close()
	c := &counter{hits: make([]int32, 64)}
	if a := testing.AllocsPerRun(100, func() { p.Run(64, 1, c) }); a != 0 {
		t.Errorf("Run allocates %v times", a)
	}
}

// slowWorker makes worker 1's chunk outlast the caller's spin, so the
// caller parks waiting for it.
type slowWorker struct{ counter }

func (s *slowWorker) Run(w, lo, hi int) {
	if w == 1 {
		time.Sleep(2 * time.Millisecond)
	}
	s.counter.Run(w, lo, hi)
}

// TestRunAfterParkingAndWhileWaiting runs jobs on workers that parked
// (idle past their spin) and with a caller that parks waiting for a slow
// worker, back to back, and checks every index runs exactly once each
// time: no job is left to a sleeping worker and no completion is missed.
func TestRunAfterParkingAndWhileWaiting(t *testing.T) {
	p := parallel.New(3)
	defer p.Close()
	for i := 0; i < 40; i++ {
		if i%4 == 0 {
			time.Sleep(time.Millisecond) // the workers park
		}
		var task parallel.Task
		c := &counter{hits: make([]int32, 90)}
		task = c
		var s *slowWorker
		if i%3 == 0 {
			s = &slowWorker{counter{hits: make([]int32, 90)}}
			task = s
		}
		p.Run(90, 1, task)
		if s != nil {
			c = &s.counter
		}
		for j, h := range c.hits {
			if h != 1 {
				t.Fatalf("run %d: index %d ran %d times", i, j, h)
			}
		}
	}
	p.Close()
	p.Close() // twice does nothing
	c := &counter{hits: make([]int32, 10)}
	p.Run(10, 1, c) // a closed pool runs on the caller
	if c.workers[0] != 1 {
		t.Fatalf("closed pool: %d chunks on the caller", c.workers[0])
	}
}
