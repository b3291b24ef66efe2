package sensor

import (
	"context"
	"time"
)

// pacer spaces emissions 1/rate apart with a ticker. An unpaced pacer
// (rate 0, or fast) only checks for cancellation. A ticker drops ticks the
// consumer was too slow for, so a late consumer is not flooded afterwards.
type pacer struct {
	t *time.Ticker
}

func newPacer(rate float64, fast bool) *pacer {
	if fast || rate <= 0 {
		return &pacer{}
	}
	d := time.Duration(float64(time.Second) / rate)
	if d <= 0 {
		d = 1
	}
	return &pacer{t: time.NewTicker(d)}
}

// wait blocks until the next emission is due; it returns ctx's error once
// ctx is done.
func (p *pacer) wait(ctx context.Context) error {
	if p.t == nil {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-p.t.C:
		return nil
	}
}

func (p *pacer) stop() {
	if p.t != nil {
		p.t.Stop()
	}
}
