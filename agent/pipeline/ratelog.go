package pipeline

import (
	"log/slog"
	"sync"
	"time"
)

// logEvery is the shortest time between two log lines of one kind.
const logEvery = 10 * time.Second

// rateLog writes at most one warning per key per logEvery, each with the
// number of occurrences since the previous line of that key.
type rateLog struct {
	mu    sync.Mutex
	log   *slog.Logger
	now   func() time.Time
	state map[string]*logState
}

type logState struct {
	last  time.Time // when the last line was written
	count uint64    // occurrences since then, not yet logged
}

func newRateLog(log *slog.Logger, now func() time.Time) *rateLog {
	return &rateLog{log: log, now: now, state: make(map[string]*logState)}
}

// note records one occurrence of key and logs msg (with key, the count and
// err when not nil) unless a line of key was written less than logEvery ago.
func (r *rateLog) note(key, msg string, err error) {
	r.mu.Lock()
	now := r.now()
	st := r.state[key]
	if st == nil {
		st = &logState{}
		r.state[key] = st
	}
	st.count++
	if !st.last.IsZero() && now.Sub(st.last) < logEvery {
		r.mu.Unlock()
		return
	}
	n := st.count
	st.last, st.count = now, 0
	r.mu.Unlock()
	if err != nil {
		r.log.Warn(msg, "reason", key, "count", n, "error", err)
	} else {
		r.log.Warn(msg, "reason", key, "count", n)
	}
}
