package pipeline

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		n    Normalize
		in   []float32
		want []float32
	}{
		{Normalize{}, []float32{1, 2, 3}, []float32{1, 2, 3}},
		{Normalize{Mean: []float64{1}}, []float32{1, 2, 3}, []float32{0, 1, 2}},
		{Normalize{Std: []float64{2}}, []float32{1, 2, 3}, []float32{0.5, 1, 1.5}},
		{Normalize{Mean: []float64{1, 2, 3}, Std: []float64{1, 2, 4}}, []float32{1, 6, 11}, []float32{0, 2, 2}},
		{Normalize{Mean: []float64{127.5}, Std: []float64{127.5}}, []float32{0, 255, 127.5}, []float32{-1, 1, 0}},
	} {
		n, err := newNormalizer(tc.n, 3)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, 3)
		if !n.apply(got, tc.in) || !slices.Equal(got, tc.want) {
			t.Errorf("%+v on %v = %v, want %v", tc.n, tc.in, got, tc.want)
		}
	}
}

func TestNormalizeOverflowIsReported(t *testing.T) {
	n, err := newNormalizer(Normalize{Std: []float64{1e-30}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 1)
	if n.apply(dst, []float32{1e20}) {
		t.Errorf("1e20 / 1e-30 normalized to %v and was reported finite", dst[0])
	}
	if !n.apply(dst, []float32{1e-20}) || dst[0] != float32(1e10) {
		t.Errorf("1e-20 / 1e-30 = %v, want 1e10", dst[0])
	}
}

func TestNormalizeRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		n    Normalize
		want string
	}{
		{Normalize{Mean: []float64{1, 2}}, "2 mean values for 3 channels"},
		{Normalize{Std: []float64{1, 2, 3, 4}}, "4 std values for 3 channels"},
		{Normalize{Std: []float64{0}}, "std 0 for channel 0"},
		{Normalize{Std: []float64{1, -1, 1}}, "std -1 for channel 1"},
		{Normalize{Std: []float64{math.Inf(1)}}, "std +Inf"},
		{Normalize{Mean: []float64{math.NaN()}}, "mean NaN"},
	} {
		_, err := newNormalizer(tc.n, 3)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("newNormalizer(%+v) = %v, want an error containing %q", tc.n, err, tc.want)
		}
	}
}
