// Package parallel runs kernels' independent ranges of work on a fixed set of
// persistent worker goroutines, without allocating per call.
package parallel

import "sync"

// Task is work split over a range of indices (rows, channels, tiles).
// Run handles [lo, hi) on worker w (0 <= w < Workers), so a kernel can keep
// per-worker scratch space.
type Task interface {
	Run(w, lo, hi int)
}

type job struct {
	t      Task
	lo, hi int
}

// Pool is a set of persistent workers. The caller's goroutine is worker 0.
// A nil *Pool runs everything on the caller's goroutine.
type Pool struct {
	n    int
	jobs []chan job
	wg   sync.WaitGroup
	mu   sync.Mutex // one Run at a time
}

// New starts a pool of n workers in all (n-1 goroutines besides the caller).
func New(n int) *Pool {
	if n < 1 {
		n = 1
	}
	p := &Pool{n: n}
	for w := 1; w < n; w++ {
		ch := make(chan job)
		p.jobs = append(p.jobs, ch)
		go p.worker(w, ch)
	}
	return p
}

func (p *Pool) worker(w int, ch chan job) {
	for j := range ch {
		j.t.Run(w, j.lo, j.hi)
		p.wg.Done()
	}
}

// Workers returns the number of workers (1 for a nil pool).
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
	lo := 0
	bounds := func(c int) (int, int) {
		size := per
		if c < extra {
			size++
		}
		return lo, lo + size
	}
	l0, h0 := bounds(0)
	lo = h0
	p.wg.Add(chunks - 1)
	for c := 1; c < chunks; c++ {
		l, h := bounds(c)
		p.jobs[c-1] <- job{t: t, lo: l, hi: h}
		lo = h
	}
	t.Run(0, l0, h0)
	p.wg.Wait()
}

// Close stops the workers. The pool must not be used afterwards.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	for _, ch := range p.jobs {
		close(ch)
	}
	p.jobs = nil
	p.n = 1
}
