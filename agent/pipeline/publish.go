package pipeline

import "math"

// publisher decides which predictions are published (package comment,
// "Postprocessing and publishing"). It remembers the last published one.
type publisher struct {
	mode, kind string
	threshold  float64
	have       bool // something was published
	lastLabel  string
	lastFlag   bool
	lastVals   []float64
}

func newPublisher(mode, kind string, threshold float64, outputs int) *publisher {
	return &publisher{mode: mode, kind: kind, threshold: threshold, lastVals: make([]float64, outputs)}
}

// decide reports whether o is published, and if so remembers it.
func (p *publisher) decide(o *outcome) bool {
	var ok bool
	switch p.mode {
	case PublishOnChange:
		ok = !p.have || p.changed(o)
	case PublishAboveThreshold:
		ok = p.above(o)
	default:
		ok = true
	}
	if ok {
		p.have = true
		p.lastLabel, p.lastFlag = o.top1, o.anomaly
		copy(p.lastVals, o.vals)
	}
	return ok
}

func (p *publisher) changed(o *outcome) bool {
	switch p.kind {
	case KindClassification:
		return o.top1 != p.lastLabel
	case KindAnomaly:
		return o.anomaly != p.lastFlag
	}
	for i, v := range o.vals {
		last := p.lastVals[i]
		if math.IsNaN(v) != math.IsNaN(last) || math.Abs(v-last) > p.threshold {
			return true
		}
	}
	return false
}

func (p *publisher) above(o *outcome) bool {
	switch p.kind {
	case KindClassification:
		return o.top1Score >= p.threshold
	case KindAnomaly:
		return o.score >= p.threshold
	}
	for _, v := range o.vals {
		if v >= p.threshold {
			return true
		}
	}
	return false
}
