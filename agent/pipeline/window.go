package pipeline

import "time"

// window holds the last size samples of a time series in a ring, each
// sample's channels side by side.
type window struct {
	size, stride, ch int
	buf              []float32 // size*ch values; the slot of sample k is buf[k*ch:(k+1)*ch]
	head             int       // slot written next; the oldest sample when full
	count            int       // samples held, up to size
	fresh            int       // samples pushed since the last take or reset
	taken            bool      // a window was taken since the last reset
	newest           time.Time // timestamp of the newest sample
}

func newWindow(size, stride, channels int) window {
	if stride <= 0 {
		stride = size
	}
	return window{size: size, stride: stride, ch: channels, buf: make([]float32, size*channels)}
}

// slot returns the place of the next sample; push commits it.
func (w *window) slot() []float32 { return w.buf[w.head*w.ch : (w.head+1)*w.ch] }

// push commits the values written into slot as the newest sample.
func (w *window) push(ts time.Time) {
	w.head = (w.head + 1) % w.size
	if w.count < w.size {
		w.count++
	}
	w.fresh++
	w.newest = ts
}

// reset empties the window: the next one starts with the next sample.
func (w *window) reset() {
	w.head, w.count, w.fresh, w.taken = 0, 0, 0, false
}

// full reports whether the window holds size samples.
func (w *window) full() bool { return w.count == w.size }

// due reports whether a window is due for inference: with interval false,
// the first full window after a reset and then one every stride samples;
// with interval true, a full window holding at least one new sample.
func (w *window) due(interval bool) bool {
	if !w.full() {
		return false
	}
	if interval || !w.taken {
		return w.fresh > 0
	}
	return w.fresh >= w.stride
}

// take returns the window's values oldest first, as two parts (the second
// may be empty), and marks them taken.
func (w *window) take() (a, b []float32, newest time.Time) {
	w.fresh, w.taken = 0, true
	split := w.head * w.ch // the oldest slot when full
	return w.buf[split:], w.buf[:split], w.newest
}
