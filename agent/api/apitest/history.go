package apitest

import (
	"slices"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// Publish adds a record to the history (its Seq must rise) and sends it to
// every subscriber; a subscriber whose channel is full is closed, as a
// slow consumer would be.
func (f *Fake) Publish(p wire.Prediction) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.history = append(f.history, p)
	for id, ch := range f.subs {
		select {
		case ch <- p:
		default:
			close(ch)
			delete(f.subs, id)
		}
	}
}

// Predictions implements api.Backend.
func (f *Fake) Predictions(since uint64, limit int) api.Predictions {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out api.Predictions
	if len(f.history) > 0 {
		out.OldestSeq = f.history[0].Seq
		out.LastSeq = f.history[len(f.history)-1].Seq
	}
	for _, p := range f.history {
		if p.Seq > since && len(out.Records) < limit {
			out.Records = append(out.Records, p)
		}
	}
	return out
}

// Subscribe implements api.Backend.
func (f *Fake) Subscribe(since uint64) (<-chan wire.Prediction, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.history, func(p wire.Prediction) bool { return p.Seq > since })
	var backlog []wire.Prediction
	if i >= 0 {
		backlog = f.history[i:]
	}
	extra := f.SubscriberBuffer
	if extra <= 0 {
		extra = 64
	}
	ch := make(chan wire.Prediction, len(backlog)+extra)
	for _, p := range backlog {
		ch <- p
	}
	id := f.nextSub
	f.nextSub++
	f.subs[id] = ch
	return ch, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if c, ok := f.subs[id]; ok {
			close(c)
			delete(f.subs, id)
		}
	}
}

// Subscribers returns how many subscriptions are open.
func (f *Fake) Subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// CloseSubscribers ends every open subscription, as a backend does with
// consumers too slow to keep up.
func (f *Fake) CloseSubscribers() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, ch := range f.subs {
		close(ch)
		delete(f.subs, id)
	}
}
