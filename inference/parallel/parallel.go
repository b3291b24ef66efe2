// Package parallel runs kernels' independent ranges of work on a fixed set of
// persistent worker goroutines, without allocating per call.
//
// An inference runs its operators back to back, each split over the
// workers for tens of microseconds. Waking a parked goroutine costs about
// as much on a small VM, so workers (and the caller, waiting for them)
// spin for a short while after each job before they park: during an
// inference hand-overs cost a few hundred nanoseconds, and between
// inferences the workers sleep.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Task is work split over a range of indices (rows, channels, tiles).
// Run handles [lo, hi) on worker w (0 <= w < Workers), so a kernel can keep
// per-worker scratch space.
type Task interface {
	Run(w, lo, hi int)
}

// spinFor is how long an idle worker, or a caller waiting for workers,
// polls before it parks.
const spinFor = 50 * time.Microsecond

// worker is one goroutine's mailbox: Run writes job, then bumps seq; the
// worker runs each new seq once.
type worker struct {
	seq      atomic.Uint64
	t        Task
	lo, hi   int
	sleeping atomic.Bool
	wake     chan struct{} // buffered 1: a token for a parked worker
	_        [64]byte      // keep workers' hot fields on their own cache lines
}

// Pool is a set of persistent workers. The caller's goroutine is worker 0.
// A nil *Pool runs everything on the caller's goroutine.
type Pool struct {
	n       int
	workers []*worker
	mu      sync.Mutex // one Run at a time

	pending atomic.Int32  // workers still running the current Run's jobs
	waiting atomic.Bool   // the caller parked waiting for them
	done    chan struct{} // buffered 1: the last worker's token to a parked caller
	quit    chan struct{} // closed by Close
	closed  bool
}

// New starts a pool of n workers in all (n-1 goroutines besides the caller).
func New(n int) *Pool {
	if n < 1 {
		n = 1
	}
	p := &Pool{n: n, done: make(chan struct{}, 1), quit: make(chan struct{})}
	for w := 1; w < n; w++ {
		wk := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, wk)
		go p.loop(w, wk, p.quit)
	}
	return p
}

// loop is worker w: it runs each job published to wk, spinning between
// jobs for spinFor before it parks.
func (p *Pool) loop(w int, wk *worker, quit <-chan struct{}) {
	var last uint64
	for {
		deadline := time.Now().Add(spinFor)
		for spins := 0; ; spins++ {
			if s := wk.seq.Load(); s != last {
				last = s
				wk.t.Run(w, wk.lo, wk.hi)
				wk.t = nil
				p.finish()
				deadline = time.Now().Add(spinFor)
				continue
			}
			if spins%64 == 63 {
				if time.Now().After(deadline) {
					break
				}
				runtime.Gosched()
			}
		}
		// Park. Run bumps seq before it looks at sleeping, and the worker
		// sets sleeping before it looks at seq again, so one of the two
		// sees the other: no job is left waiting for a sleeping worker.
		wk.sleeping.Store(true)
		if wk.seq.Load() != last {
			wk.sleeping.Store(false)
			continue
		}
		select {
		case <-wk.wake:
		case <-quit:
			return
		}
		wk.sleeping.Store(false)
	}
}

// finish counts a worker's job done and wakes a parked caller after the
// last one.
func (p *Pool) finish() {
	if p.pending.Add(-1) == 0 && p.waiting.Load() {
		select {
		case p.done <- struct{}{}:
		default:
		}
	}
}

// Workers returns the number of workers, the caller included (1 for nil).
func (p *Pool) Workers() int {
	if p == nil {
		return 1
	}
	return p.n
}

// Run splits [0, n) into at most Workers contiguous chunks of at least grain
// indices and runs them in parallel; it returns when all are done.
func (p *Pool) Run(n, grain int, t Task) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := p.Workers()
	if maxChunks := (n + grain - 1) / grain; chunks > maxChunks {
		chunks = maxChunks
	}
	if chunks <= 1 {
		t.Run(0, 0, n)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	per, extra := n/chunks, n%chunks
	size := func(c int) int {
		if c < extra {
			return per + 1
		}
		return per
	}
	p.pending.Store(int32(chunks - 1))
	lo := size(0)
	for c := 1; c < chunks; c++ {
		wk := p.workers[c-1]
		wk.t, wk.lo, wk.hi = t, lo, lo+size(c)
		lo += size(c)
		wk.seq.Add(1)
		if wk.sleeping.Load() {
			select {
			case wk.wake <- struct{}{}:
			default:
			}
		}
	}
	t.Run(0, 0, size(0))
	p.wait()
}

// wait returns once every worker finished the current Run's jobs: it
// polls for spinFor, then parks until the last worker's token.
func (p *Pool) wait() {
	deadline := time.Now().Add(spinFor)
	for spins := 0; p.pending.Load() != 0; spins++ {
		if spins%64 != 63 {
			continue
		}
		if time.Now().After(deadline) {
			// finish looks at waiting after its decrement, and a token may
			// be stale (from an earlier Run): after each token, look at
			// pending again.
			p.waiting.Store(true)
			for p.pending.Load() != 0 {
				<-p.done
			}
			p.waiting.Store(false)
			return
		}
		runtime.Gosched()
	}
}

// Close stops the workers; the pool then runs everything on the caller.
// Close must not run concurrently with Run.
func (p *Pool) Close() {
	if p == nil || p.closed {
		return
	}
	p.closed = true
	close(p.quit)
	p.workers = nil
	p.n = 1
}
