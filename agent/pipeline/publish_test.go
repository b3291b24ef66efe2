package pipeline

import (
	"math"
	"testing"
)

func TestPublishDecisions(t *testing.T) {
	cls := func(label string, score float64) outcome { return outcome{top1: label, top1Score: score} }
	ano := func(score float64, flag bool) outcome { return outcome{score: score, anomaly: flag} }
	reg := func(v ...float64) outcome { return outcome{vals: v} }
	for _, tc := range []struct {
		name, mode, kind string
		threshold        float64
		outs             []outcome
		want             []bool
	}{
		{"always", PublishAlways, KindClassification, 0, []outcome{cls("a", 1), cls("a", 1)}, []bool{true, true}},
		{"label changes", PublishOnChange, KindClassification, 0,
			[]outcome{cls("a", 0.9), cls("a", 0.8), cls("b", 0.7), cls("", 0.2), cls("", 0.1), cls("a", 0.9)},
			[]bool{true, false, true, true, false, true}},
		{"anomaly flag changes", PublishOnChange, KindAnomaly, 0.5,
			[]outcome{ano(0.1, false), ano(0.2, false), ano(0.6, true), ano(0.9, true), ano(0.4, false)},
			[]bool{true, false, true, false, true}},
		{"regression moves by more than the threshold from the last published", PublishOnChange, KindRegression, 1,
			[]outcome{reg(10, 0), reg(10.6, 0), reg(11.1, 0), reg(11.1, 0), reg(11, -1.5), reg(math.NaN(), -1.5), reg(math.NaN(), -1.5)},
			[]bool{true, false, true, false, true, true, false}},
		{"top-1 score above the threshold", PublishAboveThreshold, KindClassification, 0.8,
			[]outcome{cls("a", 0.9), cls("b", 0.8), cls("", 0.5), cls("", math.NaN())},
			[]bool{true, true, false, false}},
		{"anomaly score above the threshold", PublishAboveThreshold, KindAnomaly, 2,
			[]outcome{ano(1.9, false), ano(2, true), ano(7, true)}, []bool{false, true, true}},
		{"any raw value above the threshold", PublishAboveThreshold, KindRaw, 5,
			[]outcome{reg(1, 2), reg(1, 5), reg(6, math.NaN())}, []bool{false, true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 2
			p := newPublisher(tc.mode, tc.kind, tc.threshold, n)
			for i := range tc.outs {
				if tc.outs[i].vals == nil {
					tc.outs[i].vals = make([]float64, n)
				}
				if got := p.decide(&tc.outs[i]); got != tc.want[i] {
					t.Errorf("outcome %d %+v: publish %v, want %v", i, tc.outs[i], got, tc.want[i])
				}
			}
		})
	}
}
