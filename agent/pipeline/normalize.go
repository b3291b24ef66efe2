package pipeline

import (
	"fmt"
	"math"
)

// normalizer maps values to (v - mean) / std, channel by channel, in
// float64 with a float32 result.
type normalizer struct {
	mean, std []float64 // one per channel; nil: identity
}

// newNormalizer checks n for channels channels: each list is empty, or
// holds one value or one per channel; every mean is finite and every std
// finite and positive.
func newNormalizer(n Normalize, channels int) (normalizer, error) {
	if len(n.Mean) == 0 && len(n.Std) == 0 {
		return normalizer{}, nil
	}
	mean, err := perChannel("mean", n.Mean, channels, 0)
	if err != nil {
		return normalizer{}, err
	}
	std, err := perChannel("std", n.Std, channels, 1)
	if err != nil {
		return normalizer{}, err
	}
	for c := range channels {
		if math.IsNaN(mean[c]) || math.IsInf(mean[c], 0) {
			return normalizer{}, fmt.Errorf("normalize: mean %v for channel %d is not a finite number", mean[c], c)
		}
		if !(std[c] > 0) || math.IsInf(std[c], 0) {
			return normalizer{}, fmt.Errorf("normalize: std %v for channel %d must be a finite number above 0", std[c], c)
		}
	}
	return normalizer{mean: mean, std: std}, nil
}

// perChannel expands a list of none, one or channels values.
func perChannel(what string, v []float64, channels int, def float64) ([]float64, error) {
	out := make([]float64, channels)
	switch len(v) {
	case 0:
		for c := range out {
			out[c] = def
		}
	case 1:
		for c := range out {
			out[c] = v[0]
		}
	case channels:
		copy(out, v)
	default:
		return nil, fmt.Errorf("normalize: %d %s values for %d channels (give one, or one per channel)", len(v), what, channels)
	}
	return out, nil
}

// identity reports whether the normalizer leaves values as they are.
func (n *normalizer) identity() bool { return n.mean == nil }

// one normalizes v of channel c.
func (n *normalizer) one(v float32, c int) float32 {
	if n.mean == nil {
		return v
	}
	return float32((float64(v) - n.mean[c]) / n.std[c])
}

// apply writes the normalized src into dst (channel c = index mod the
// channel count) and reports whether every result is a finite float32.
func (n *normalizer) apply(dst, src []float32) bool {
	ok := true
	for i, v := range src {
		r := n.one(v, i%max(len(n.mean), 1))
		if !finite(r) {
			ok = false
		}
		dst[i] = r
	}
	return ok
}

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float32) bool {
	f := float64(v)
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}
